"""Sdists, zips and wheels as inputs: members read in bounded chunks, never past
``max_file_bytes``, an archive never expanding past ``max_archive_expansion`` times its size;
a damaged archive stops the ingest naming it."""

from __future__ import annotations

import lzma
import stat
import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from ...kernels.license_detection import LicenseEvidence, detect_from_metadata, is_license_file_name
from .discovery import _SKIPPED_DIRS, _entry_skip_reason
from .license_files import _license_from_files
from .records import (
    _READ_CHUNK_BYTES,
    DEFAULT_MAX_ARCHIVE_EXPANSION,
    DEFAULT_MAX_FILE_BYTES,
    IngestInput,
    SourceFile,
)

# What reading a damaged archive raises, from tarfile, zipfile and the decompressors under them.
_ARCHIVE_ERRORS = (
    tarfile.TarError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    zlib.error,
    lzma.LZMAError,
    NotImplementedError,
)


class _Archive:
    """Reads an archive's members in bounded chunks and stops it expanding past its budget."""

    def __init__(self, path: Path, max_file_bytes: int, max_expansion: int):
        self.path = path
        self.max_expansion = max_expansion
        self.budget = max(path.stat().st_size * max_expansion, max_file_bytes)
        self.expanded = 0

    def damaged(self, what: str) -> SystemExit:
        return SystemExit(
            f"winnow ingest: archive {self.path} {what}. Nothing was written; re-download or "
            "rebuild the archive, or leave it out."
        )

    def expand(self, n_bytes: int) -> None:
        self.expanded += n_bytes
        if self.expanded > self.budget:
            raise self.damaged(
                f"expands to more than {self.budget} bytes ({self.max_expansion} times its size, "
                "or max_file_bytes): a decompression bomb, or not a source archive (if it is "
                "genuine, raise --max-archive-expansion)"
            )

    def reader(self, name: str, open_member, *, counted: bool = True):
        """``read(limit)`` of one member; ``counted``: its bytes count against the budget (a tar
        stream is measured whole while listing it, a zip's members only when read)."""

        def read(limit: int) -> bytes:
            chunks, total = [], 0
            try:
                with open_member() as handle:
                    while total <= limit:
                        chunk = handle.read(min(_READ_CHUNK_BYTES, limit + 1 - total))
                        if not chunk:
                            break
                        if counted:
                            self.expand(len(chunk))
                        chunks.append(chunk)
                        total += len(chunk)
            except _ARCHIVE_ERRORS as error:
                raise self.damaged(f"has a damaged member {name!r} ({error})") from error
            return b"".join(chunks)

        return read


def _zip_members(zipped: _Archive) -> list[tuple[str, int, object, str | None]]:
    archive = zipfile.ZipFile(zipped.path)
    members = []
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        if info.is_dir():
            continue
        # Unix zips keep the file type in the high bits: a symlink's "content" is its target.
        mode = info.external_attr >> 16 if info.create_system == 3 else 0
        reason = _entry_skip_reason(mode) if stat.S_IFMT(mode) else None
        read = None if reason else zipped.reader(info.filename, lambda i=info: archive.open(i))
        members.append((info.filename, info.file_size, read, reason))
    return members


def _tar_members(tarred: _Archive) -> list[tuple[str, int, object, str | None]]:
    archive = tarfile.open(tarred.path)
    listed = []
    while (member := archive.next()) is not None:
        # archive.offset is already past this member's data: checked before seeking through it.
        tarred.expand(archive.offset - tarred.expanded)
        listed.append(member)
    # tarfile stops without a word at a header it cannot parse or where the data ends: after the
    # last member there must be the end-of-archive zero blocks, and a compressed stream must end
    # with its checksum (read to the end, the decompressor checks it).
    archive.fileobj.seek(archive.offset)
    trailer = 0
    while chunk := archive.fileobj.read(_READ_CHUNK_BYTES):
        if chunk.count(0) != len(chunk):
            raise tarred.damaged(f"has data tarfile cannot read after {len(listed)} members (a corrupted header)")
        trailer += len(chunk)
        tarred.expand(len(chunk))
    if trailer < tarfile.BLOCKSIZE:
        raise tarred.damaged(f"ends after {len(listed)} members without the end-of-archive marker (truncated)")
    members = []
    for member in sorted(listed, key=lambda m: m.name):
        if member.isdir():
            continue
        if member.isfile():
            members.append(
                (
                    member.name,
                    member.size,
                    tarred.reader(member.name, lambda m=member: archive.extractfile(m), counted=False),
                    None,
                )
            )
        else:
            reason = "symlink" if member.issym() else "hardlink" if member.islnk() else "special_file"
            members.append((member.name, 0, None, reason))
    return members


def archive_input(
    path: Path,
    repo: str | None = None,
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_archive_expansion: int = DEFAULT_MAX_ARCHIVE_EXPANSION,
) -> IngestInput:
    """An sdist (.tar.gz/.tgz/.tar.bz2/.zip) or a wheel (.whl).

    An sdist's single top directory (``pkg-1.0/``) is stripped from paths. License from the
    archive's PKG-INFO or ``*.dist-info/METADATA``, else from LICENSE-like files. A damaged
    archive, or one expanding to more than ``max_archive_expansion`` times its size (and
    ``max_file_bytes``), stops the ingest naming it.
    """
    lower = path.name.lower()
    if not lower.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip", ".whl")):
        raise SystemExit(f"winnow ingest: {path}: not a directory, sdist, zip or wheel.")
    bounded = _Archive(path, max_file_bytes, max_archive_expansion)
    try:
        members = _zip_members(bounded) if lower.endswith((".zip", ".whl")) else _tar_members(bounded)
    except _ARCHIVE_ERRORS as error:
        raise bounded.damaged(f"cannot be read to its end ({error})") from error
    stem = path.name
    for suffix in (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip", ".whl"):
        if lower.endswith(suffix):
            stem = path.name[: -len(suffix)]
            break
    default_repo = stem.split("-")[0] if lower.endswith(".whl") else stem.rsplit("-", 1)[0]
    tops = {m[0].split("/", 1)[0] for m in members}
    strip = len(tops) == 1 and all("/" in m[0] for m in members) and not lower.endswith(".whl")
    item = IngestInput(
        repo=repo or f"pypi/{default_repo.lower().replace('_', '-')}",
        origin=str(path),
        license=LicenseEvidence((), "none"),
        location=path.resolve(),
    )
    metadata_text, license_files = None, []
    for name, size, read, reason in members:
        rel = name.split("/", 1)[1] if strip else name
        parts = PurePosixPath(rel).parts
        if reason:
            item.pre_skipped.append((rel, reason, 0))
            continue
        if any(p in _SKIPPED_DIRS for p in parts):
            item.pre_skipped.append((rel, "cache_or_vcs_dir", size))
            continue
        at_top = len(parts) == 1 or (len(parts) == 2 and parts[0].endswith(".dist-info"))
        is_metadata = at_top and parts[-1] in {"PKG-INFO", "METADATA"}
        if (is_metadata or (at_top and is_license_file_name(parts[-1]))) and size <= max_file_bytes:
            data = read(max_file_bytes)
            if len(data) <= max_file_bytes and is_metadata:
                metadata_text = data.decode("utf-8", errors="replace")
            elif len(data) <= max_file_bytes:
                license_files.append((rel, data))
        item.files.append(SourceFile(rel, size, read))
    evidence = detect_from_metadata(metadata_text) if metadata_text else LicenseEvidence((), "none")
    item.license = evidence if evidence.found else _license_from_files(license_files)
    return item
