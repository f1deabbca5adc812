"""Ingest local source into winnow's raw Parquet schema (the ``winnow`` flavour).

Turns source trees, sdists (``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.zip``), wheels (``.whl``), the
running interpreter's standard library and its installed distributions into Parquet files with one
row per text file::

    python -m python_udfs.ingest --default --out data/raw/default
    python -m python_udfs.ingest ~/src/myrepo dist/pkg-1.0.tar.gz --out data/raw/mine
    python -m python_udfs.ingest --kind docs --stdlib --dist numpy --out data/raw/docs

Each row carries ``repo``, ``path``, ``content``, ``licenses`` (SPDX ids of the repository, from
package metadata or its top-level LICENSE/COPYING files; empty when nothing tells),
``license_evidence``, ``file_licenses`` and ``nearest_license_file`` (the SPDX ids and path of the
nearest recognised license file in a directory above the file, below the repository's top level:
a vendored or differently licensed subtree; empty and NULL when there is none), ``language`` (from the
extension, via ``seeds/languages.csv``), ``kind``, ``n_bytes`` and ``origin``. ``--kind code`` (the
default) writes every text file as kind ``code`` (the code language allow-list then keeps Python);
``--kind docs`` keeps only documentation files (Markdown, reStructuredText, HTML, plain text:
``DOCS_LANGUAGES``) as kind ``docs``, which get the prose quality rules. Files that are not text are
counted and skipped with a reason, never crashed on; the skips are written to
``<out>/_ingest/skipped.parquet`` and a per-reason count to ``<out>/_ingest/summary.json``.

Nothing is lost silently: every entry of a tree and every member of an archive (but directories,
which hold no data of their own) ends as a written row or a skipped row with its reason, or the
command fails naming the input.

- Symlinks (to files or directories) are never followed: they are skipped as ``symlink`` (hard
  links in archives as ``hardlink``), so nothing outside the input is read and nothing twice.
- FIFOs, sockets and devices are never opened: skipped as ``special_file``.
- A name that is not valid UTF-8 is skipped as ``undecodable_path``; its path is recorded with
  each undecodable byte written as ``\\xNN``. Ingesting it under such a name would not be lossless
  (a real file may be called ``\\xNN``), so it is not ingested.
- A directory that cannot be listed is skipped as ``unreadable``, with its path.
- Archive members are read in bounded chunks, never past ``max_file_bytes`` (a longer member is
  skipped as ``too_large``, whatever its header claims), and an archive may expand to at most
  ``max_archive_expansion`` times its size (and ``max_file_bytes``). A truncated or corrupted
  archive, a member failing its checksum or an archive expanding past that bound stops the
  ingest naming the archive: nothing is written, the previous output stays.

The output directory is replaced atomically: files are written into a sibling temporary
directory that is renamed into place only when the ingest has finished, so a reader never sees a
half-ingested corpus. Only a directory that ingest wrote (it holds ``_ingest/summary.json``) or an
empty one is replaced; ``--out`` may not be, contain or lie inside an input. Files are visited in
sorted order, so the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import json
import lzma
import os
import shutil
import stat
import sys
import sysconfig
import tarfile
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.parquet as pq

from .languages import language_for_path
from .license_detection import (
    LicenseEvidence,
    detect_from_license_text,
    detect_from_metadata,
    is_license_file_name,
)

__all__ = [
    "DOCS_LANGUAGES",
    "RAW_SCHEMA",
    "SKIPPED_SCHEMA",
    "IngestInput",
    "IngestSummary",
    "archive_input",
    "distribution_inputs",
    "ingest",
    "main",
    "prepare_output_dir",
    "stdlib_input",
    "tree_input",
]

RAW_SCHEMA = pa.schema(
    [
        ("repo", pa.string()),
        ("path", pa.string()),
        ("content", pa.large_string()),
        ("licenses", pa.list_(pa.string())),
        ("license_evidence", pa.string()),
        ("file_licenses", pa.list_(pa.string())),
        ("nearest_license_file", pa.string()),
        ("language", pa.string()),
        ("kind", pa.string()),
        ("n_bytes", pa.int64()),
        ("origin", pa.string()),
    ]
)

SKIPPED_SCHEMA = pa.schema(
    [
        ("origin", pa.string()),
        ("repo", pa.string()),
        ("path", pa.string()),
        ("reason", pa.string()),
        ("n_bytes", pa.int64()),
    ]
)

# Above this a "source file" is data or generated output; StarCoder's own cap is 100 kB, applied
# later as a filter with a ledger row. This bound only keeps ingest memory sane.
DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024
# Source archives expand 4-10 times; a decompression bomb expands a thousand times and more.
DEFAULT_MAX_ARCHIVE_EXPANSION = 100
# Archive members are read in chunks of this size, so a lying header never costs more memory.
_READ_CHUNK_BYTES = 1024 * 1024
# What every directory ingest (or text_corpus) writes holds this file; nothing else is replaced.
OUTPUT_MARKER = PurePosixPath("_ingest") / "summary.json"
# Parquet part files of about this much content let DuckDB read in parallel.
DEFAULT_PART_BYTES = 64 * 1024 * 1024
# DuckDB reads a row group's column chunk whole, per thread and outside memory_limit's spilling,
# and parallelises a scan by row group: row groups stay small in rows and in bytes.
ROW_GROUP_MAX_ROWS = 1024
ROW_GROUP_MAX_BYTES = 8 * 1024 * 1024
# Languages (seeds/languages.csv) of documentation files, kept by --kind docs.
DOCS_LANGUAGES = frozenset({"markdown", "restructuredtext", "html", "text"})
KINDS = ("code", "docs")
_SKIPPED_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".tox", ".mypy_cache", ".pytest_cache"}


@dataclass(frozen=True)
class SourceFile:
    """One file of an input: its path inside the repo and a way to read its bytes."""

    path: str
    size: int
    read: object  # (limit) -> at most limit + 1 bytes: more than limit means too large


@dataclass
class IngestInput:
    """A repo-like unit of input: a name, its license evidence and its files."""

    repo: str
    origin: str
    license: LicenseEvidence
    files: list[SourceFile] = field(default_factory=list)
    # Files skipped before reading (caches, VCS dirs), counted without opening them.
    pre_skipped: list[tuple[str, str, int]] = field(default_factory=list)
    # Where the input lives on disk: the output directory may not overlap it.
    location: Path | None = None


@dataclass
class IngestSummary:
    files_written: int = 0
    bytes_written: int = 0
    parts: int = 0
    skipped: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "files_written": self.files_written,
            "bytes_written": self.bytes_written,
            "parquet_parts": self.parts,
            "skipped_by_reason": dict(sorted(self.skipped.items())),
        }


# --------------------------------------------------------------------------------------------
# Inputs


def _license_from_files(named_texts: Iterable[tuple[str, bytes]]) -> LicenseEvidence:
    ids: set[str] = set()
    names: list[str] = []
    for name, data in named_texts:
        found = detect_from_license_text(data.decode("utf-8", errors="replace"))
        if found:
            ids.update(found)
            names.append(name)
    if ids:
        return LicenseEvidence(tuple(sorted(ids)), "file:" + ",".join(sorted(names)))
    return LicenseEvidence((), "none")


def _license_files_by_directory(item: IngestInput, max_file_bytes: int) -> dict[str, tuple[list[str], str]]:
    """(SPDX ids, license file paths) of every directory below the top level that holds a
    recognised license file. Top-level license files, and a distribution's own ones in its
    .dist-info, are the repository's evidence already (``licenses``); a license file whose text
    is not recognised is no evidence, and the search goes on upwards past it."""
    by_directory: dict[str, list[tuple[str, bytes]]] = {}
    for source_file in item.files:
        directory, _, name = source_file.path.rpartition("/")
        if not directory or not is_license_file_name(name) or source_file.size > max_file_bytes:
            continue
        if _is_own_license_file(PurePosixPath(source_file.path)):
            continue
        try:
            data = source_file.read(max_file_bytes)
        except OSError:
            continue
        if len(data) > max_file_bytes:
            continue
        by_directory.setdefault(directory, []).append((source_file.path, data))
    found = {}
    for directory, named_texts in by_directory.items():
        evidence = _license_from_files(named_texts)
        if evidence.found:
            found[directory] = (list(evidence.spdx_ids), evidence.evidence.removeprefix("file:"))
    return found


def _nearest_license_file(path: str, by_directory: dict[str, tuple[list[str], str]]) -> tuple[list[str], str | None]:
    """The license of the nearest directory above ``path`` that has one: ([], None) if none."""
    directory = path
    while "/" in directory:
        directory = directory.rpartition("/")[0]
        if directory in by_directory:
            return by_directory[directory]
    return [], None


def _read_file(path: Path):
    def read(limit: int) -> bytes:
        # O_NONBLOCK and the fstat check: a file swapped for a FIFO or a symlink after the walk
        # is refused instead of blocking or being followed.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"{path} is no longer a regular file")
            return handle.read(limit + 1)

    return read


def _entry_skip_reason(mode: int) -> str | None:
    """The skip reason of a directory entry that is not a regular file (lstat mode)."""
    if stat.S_ISREG(mode):
        return None
    return "symlink" if stat.S_ISLNK(mode) else "special_file"


def _walk_tree(root: Path) -> Iterator[tuple[str, Path | None, int, str | None]]:
    """Sorted (relative path, absolute path, size, pre-skip reason) for every entry under root.

    Every entry appears: regular files, symlinks (never followed), special files (never opened),
    directories that cannot be listed, and what lies under cache and VCS directories.
    """
    unlistable: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable.append):
        for error in unlistable:
            yield _relative(Path(error.filename), root), None, 0, "unreadable"
        unlistable.clear()
        here = Path(dirpath)
        in_skipped_dir = any(part in _SKIPPED_DIRS for part in here.relative_to(root).parts)
        entries = sorted(filenames + [d for d in dirnames if (here / d).is_symlink()])
        dirnames[:] = sorted(d for d in dirnames if not (here / d).is_symlink())
        for name in entries:
            full = here / name
            try:
                info = full.lstat()
            except OSError:
                yield _relative(full, root), None, 0, "unreadable"
                continue
            reason = _entry_skip_reason(info.st_mode)
            if in_skipped_dir:
                reason = "cache_or_vcs_dir"
            size = info.st_size if stat.S_ISREG(info.st_mode) else 0
            yield _relative(full, root), None if reason else full, size, reason
    for error in unlistable:
        yield _relative(Path(error.filename), root), None, 0, "unreadable"


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path != root else "."


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def tree_input(root: Path, repo: str | None = None, exclude: Iterable[str] = ()) -> IngestInput:
    """A local source tree. License from PKG-INFO/METADATA at the root, else LICENSE-like files."""
    root = root.resolve()
    excluded = tuple(e.rstrip("/") + "/" for e in exclude)
    item = IngestInput(
        repo=repo or root.name, origin=str(root), license=LicenseEvidence((), "none"), location=root
    )
    license_files: list[tuple[str, bytes]] = []
    metadata_text = None
    for rel, full, size, reason in _walk_tree(root):
        if excluded and (rel + "/").startswith(excluded):
            continue
        if reason:
            item.pre_skipped.append((rel, reason, size))
            continue
        if "/" not in rel and rel in {"PKG-INFO", "METADATA"}:
            metadata_text = full.read_text(encoding="utf-8", errors="replace")
        if "/" not in rel and is_license_file_name(rel):
            license_files.append((rel, full.read_bytes()))
        item.files.append(SourceFile(rel, size, _read_file(full)))
    evidence = detect_from_metadata(metadata_text) if metadata_text else LicenseEvidence((), "none")
    item.license = evidence if evidence.found else _license_from_files(license_files)
    return item


def stdlib_input(modules: Iterable[str] | None = None) -> IngestInput:
    """The running interpreter's standard library as repo ``python/cpython`` (paths under Lib/).

    ``modules`` limits it to some top-level packages or modules (``json``, ``email``,
    ``typing.py``); site-packages is never part of it.
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    license_path = root / "LICENSE.txt"
    evidence = (
        _license_from_files([("LICENSE.txt", license_path.read_bytes())])
        if license_path.exists()
        else LicenseEvidence((), "none")
    )
    if not evidence.found:
        evidence = LicenseEvidence(("PSF-2.0",), "stdlib")
    item = IngestInput(repo="python/cpython", origin="stdlib", license=evidence, location=root)
    wanted = set(modules) if modules else None
    for rel, full, size, reason in _walk_tree(root):
        top = rel.split("/", 1)[0]
        if top in {"site-packages", "dist-packages"} or top.startswith("config-"):
            continue
        if wanted is not None and top not in wanted and top.removesuffix(".py") not in wanted:
            continue
        path = "Lib/" + rel
        if reason:
            item.pre_skipped.append((path, reason, size))
        else:
            item.files.append(SourceFile(path, size, _read_file(full)))
    return item


def _is_own_license_file(rel: PurePosixPath) -> bool:
    """A license file of the distribution itself: at the top of its .dist-info directory or of
    .dist-info/licenses/. Deeper ones (pip ships licenses/src/pip/_vendor/*/LICENSE.txt) belong
    to vendored projects."""
    parts = rel.parts
    if not parts or not parts[0].endswith(".dist-info") or not is_license_file_name(rel.name):
        return False
    return len(parts) == 2 or (len(parts) == 3 and parts[1] == "licenses")


def distribution_inputs(names: Iterable[str] | None = None) -> list[IngestInput]:
    """Installed distributions of the running interpreter, one repo ``pypi/<name>`` each.

    Files come from the distribution's RECORD (paths relative to site-packages); files outside
    site-packages (scripts in bin/) and editable installs without a RECORD are left out.
    """
    # None means every installed distribution; an empty list means none.
    wanted = {n.lower().replace("_", "-") for n in names} if names is not None else None
    by_name: dict[str, importlib.metadata.Distribution] = {}
    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not name or (wanted is not None and name not in wanted) or name in by_name:
            continue
        if wanted is None and name == "winnow":
            continue  # the tool itself (an editable install) is not part of the default corpus
        by_name[name] = dist
    missing = (wanted or set()) - set(by_name)
    if missing:
        raise SystemExit(
            f"winnow ingest: distribution(s) not installed here: {', '.join(sorted(missing))}. "
            "Check the names with `pip list`."
        )
    inputs = []
    for name in sorted(by_name):
        dist = by_name[name]
        files = dist.files or []
        evidence = detect_from_metadata(dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "")
        license_files = []
        item = IngestInput(
            repo=f"pypi/{name}",
            origin=f"site-packages:{name}",
            license=evidence,
            location=Path(str(dist.locate_file(""))),
        )
        for record_path in sorted(files, key=lambda p: str(p)):
            rel = PurePosixPath(str(record_path))
            if rel.parts and rel.parts[0] == "..":
                continue
            full = Path(str(dist.locate_file(record_path)))
            rel_str = rel.as_posix()
            try:
                mode = full.lstat().st_mode
            except OSError:
                # RECORD lists it, the disk does not have it (deleted after install).
                item.pre_skipped.append((rel_str, "missing", 0))
                continue
            if stat.S_ISDIR(mode):
                continue
            if "__pycache__" in rel.parts:
                item.pre_skipped.append((rel_str, "cache_or_vcs_dir", _size(full)))
                continue
            reason = _entry_skip_reason(mode)
            if reason:
                item.pre_skipped.append((rel_str, reason, 0))
                continue
            if _is_own_license_file(rel):
                license_files.append((rel_str, full.read_bytes()))
            item.files.append(SourceFile(rel_str, _size(full), _read_file(full)))
        if not item.license.found:
            item.license = _license_from_files(license_files)
        if item.files or item.pre_skipped:
            inputs.append(item)
    return inputs


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
            raise tarred.damaged(
                f"has data tarfile cannot read after {len(listed)} members (a corrupted header)"
            )
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


# --------------------------------------------------------------------------------------------
# Decoding and writing


def classify_bytes(data: bytes) -> tuple[str | None, str | None]:
    """(text, None) for a UTF-8 text file, else (None, skip reason).

    A NUL byte marks a binary file (as git and The Stack's pipeline decide); a UTF-8 BOM is
    dropped; anything that is not valid UTF-8 is skipped rather than guessed at.
    """
    if b"\x00" in data:
        return None, "binary"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, "undecodable_utf8"
    return text.removeprefix("\ufeff"), None


def row_group_bounds(n_bytes: list[int], max_rows: int, max_bytes: int) -> list[tuple[int, int]]:
    """[start, stop) row ranges of at most ``max_rows`` rows and, unless one row is larger by
    itself, ``max_bytes`` of content each."""
    bounds, start, size = [], 0, 0
    for i, n in enumerate(n_bytes):
        if i > start and (i - start >= max_rows or size + n > max_bytes):
            bounds.append((start, i))
            start, size = i, 0
        size += n
    if start < len(n_bytes):
        bounds.append((start, len(n_bytes)))
    return bounds


class _PartWriter:
    def __init__(self, out_dir: Path, part_bytes: int):
        self.out_dir = out_dir
        self.part_bytes = part_bytes
        self.columns: dict[str, list] = {name: [] for name in RAW_SCHEMA.names}
        self.buffered = 0
        self.parts = 0

    def add(self, row: dict) -> None:
        for name in RAW_SCHEMA.names:
            self.columns[name].append(row[name])
        self.buffered += row["n_bytes"]
        if self.buffered >= self.part_bytes:
            self.flush()

    def flush(self) -> None:
        if not self.columns["path"]:
            return
        table = pa.table(self.columns, schema=RAW_SCHEMA)
        with pq.ParquetWriter(self.out_dir / f"part-{self.parts:05d}.parquet", RAW_SCHEMA, compression="zstd") as writer:
            for start, stop in row_group_bounds(self.columns["n_bytes"], ROW_GROUP_MAX_ROWS, ROW_GROUP_MAX_BYTES):
                writer.write_table(table.slice(start, stop - start), row_group_size=stop - start)
        self.parts += 1
        self.columns = {name: [] for name in RAW_SCHEMA.names}
        self.buffered = 0


def escaped_name(name: str) -> str:
    """A file name as valid UTF-8: the bytes os.fsdecode could not decode become ``\\xNN``."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _overlaps(a: Path, b: Path) -> bool:
    return a == b or a.is_relative_to(b) or b.is_relative_to(a)


def prepare_output_dir(out_dir: Path, input_locations: Iterable[Path], tool: str = "ingest") -> None:
    """Refuse an output directory that would destroy what ingest did not write.

    ``out_dir`` may not be, contain or lie inside an input; if it exists it must be a directory
    that ingest wrote (it holds ``OUTPUT_MARKER``) or an empty one. Staging directories left by
    ingests that were killed are removed.
    """
    out = Path(out_dir).resolve()
    for location in sorted({Path(p).resolve() for p in input_locations}):
        if _overlaps(out, location):
            relation = "is" if out == location else "lies inside" if out.is_relative_to(location) else "contains"
            raise SystemExit(
                f"winnow {tool}: --out {out_dir} {relation} the input {location}; replacing it would "
                "delete input files. Give an output directory outside every input, e.g. under data/raw/."
            )
    if out.exists() and not out.is_dir():
        raise SystemExit(f"winnow {tool}: --out {out_dir} is a file, not a directory. Give a directory.")
    if out.is_dir() and not (out / OUTPUT_MARKER).is_file() and any(out.iterdir()):
        raise SystemExit(
            f"winnow {tool}: --out {out_dir} holds files that winnow did not write (it has no "
            f"{OUTPUT_MARKER}); refusing to replace it. Give a new or empty directory, or remove "
            "this one yourself if its contents can go."
        )
    _remove_abandoned_staging(out)


def _remove_abandoned_staging(out: Path) -> None:
    """Remove the hidden ``.<out>.ingesting-<pid>`` / ``.replaced-<pid>`` siblings of ``out`` whose
    process is gone (a killed ingest): DuckDB's globs read hidden directories."""
    if not out.parent.is_dir():
        return
    for sibling in out.parent.iterdir():
        for infix in (".ingesting-", ".replaced-", ".writing-"):
            prefix = f".{out.name}{infix}"
            pid = sibling.name.removeprefix(prefix)
            if sibling.name.startswith(prefix) and pid.isdigit() and not _process_alive(int(pid)):
                shutil.rmtree(sibling, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def replace_output_dir(work_dir: Path, out_dir: Path) -> None:
    """Swap the finished ``work_dir`` into place; the old output is removed only afterwards."""
    old_dir = out_dir.parent / f".{out_dir.name}.replaced-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old_dir)
    work_dir.rename(out_dir)
    shutil.rmtree(old_dir, ignore_errors=True)


def ingest(
    inputs: Iterable[IngestInput],
    out_dir: Path,
    *,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    part_bytes: int = DEFAULT_PART_BYTES,
    progress: bool = True,
    kind: str = "code",
) -> IngestSummary:
    """Write the inputs' text files to ``out_dir/part-*.parquet``, replacing it atomically.

    ``kind`` is ``code`` (every text file) or ``docs`` (only files in ``DOCS_LANGUAGES``; others
    are skipped as ``not_docs``).
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    inputs = list(inputs)
    out_dir = Path(out_dir)
    prepare_output_dir(out_dir, [i.location for i in inputs if i.location is not None])
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work_dir = out_dir.parent / f".{out_dir.name}.ingesting-{os.getpid()}"
    shutil.rmtree(work_dir, ignore_errors=True)
    (work_dir / "_ingest").mkdir(parents=True)
    summary = IngestSummary()
    writer = _PartWriter(work_dir, part_bytes)
    skipped: dict[str, list] = {name: [] for name in SKIPPED_SCHEMA.names}

    def skip(item: IngestInput, path: str, reason: str, size: int) -> None:
        if not _is_utf8(path):
            reason = "undecodable_path"
        row = (escaped_name(item.origin), escaped_name(item.repo), escaped_name(path), reason, size)
        for key, value in zip(SKIPPED_SCHEMA.names, row):
            skipped[key].append(value)
        summary.skipped[reason] += 1

    total = sum(len(i.files) for i in inputs)
    bar = _progress_bar(total, progress)
    try:
        for item in inputs:
            for path, reason, size in item.pre_skipped:
                skip(item, path, reason, size)
            licenses = list(item.license.spdx_ids)
            repo, origin = escaped_name(item.repo), escaped_name(item.origin)
            license_files_by_directory = _license_files_by_directory(item, max_file_bytes)
            for source_file in item.files:
                bar.update(1)
                if not _is_utf8(source_file.path):
                    skip(item, source_file.path, "undecodable_path", source_file.size)
                    continue
                language = language_for_path(source_file.path)
                if language is None:
                    skip(item, source_file.path, "unrecognised_extension", source_file.size)
                    continue
                if kind == "docs" and language not in DOCS_LANGUAGES:
                    skip(item, source_file.path, "not_docs", source_file.size)
                    continue
                if source_file.size > max_file_bytes:
                    skip(item, source_file.path, "too_large", source_file.size)
                    continue
                try:
                    data = source_file.read(max_file_bytes)
                except OSError:
                    skip(item, source_file.path, "unreadable", source_file.size)
                    continue
                if len(data) > max_file_bytes:
                    # The size it had when listed, or its archive header, said less.
                    skip(item, source_file.path, "too_large", len(data))
                    continue
                text, reason = classify_bytes(data)
                if reason:
                    skip(item, source_file.path, reason, len(data))
                    continue
                n_bytes = len(text.encode("utf-8"))
                file_licenses, nearest_license_file = _nearest_license_file(
                    source_file.path, license_files_by_directory
                )
                writer.add(
                    {
                        "repo": repo,
                        "path": source_file.path,
                        "content": text,
                        "licenses": licenses,
                        "license_evidence": item.license.evidence,
                        "file_licenses": file_licenses,
                        "nearest_license_file": nearest_license_file,
                        "language": language,
                        "kind": kind,
                        "n_bytes": n_bytes,
                        "origin": origin,
                    }
                )
                summary.files_written += 1
                summary.bytes_written += n_bytes
        writer.flush()
        summary.parts = writer.parts
        pq.write_table(pa.table(skipped, schema=SKIPPED_SCHEMA), work_dir / "_ingest" / "skipped.parquet")
        (work_dir / "_ingest" / "summary.json").write_text(json.dumps(summary.as_dict(), indent=2) + "\n")
    except BaseException:
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    finally:
        bar.close()
    replace_output_dir(work_dir, out_dir)
    return summary


def _progress_bar(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="file", desc="ingest", disable=not enabled, file=sys.stderr)


# --------------------------------------------------------------------------------------------
# Command line


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m python_udfs.ingest",
        description="Ingest source trees, sdists, wheels, the standard library and installed "
        "packages into winnow's raw Parquet schema.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="source trees, sdists, zips or wheels")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output directory: replaced if an earlier ingest wrote it; may not overlap an input",
    )
    parser.add_argument(
        "--default",
        action="store_true",
        help="the embedded default corpus: this interpreter's standard library and every "
        "installed distribution",
    )
    parser.add_argument(
        "--stdlib", nargs="*", metavar="MODULE", help="the standard library (optionally only these modules)"
    )
    parser.add_argument("--dist", action="append", default=[], metavar="NAME", help="an installed distribution")
    parser.add_argument("--repo", help="repo name for a single path input (default: its name)")
    parser.add_argument(
        "--kind",
        choices=KINDS,
        default="code",
        help="code: every text file (default); docs: only Markdown, reStructuredText, HTML and "
        "plain-text files, as documentation (prose rules)",
    )
    parser.add_argument("--max-file-bytes", type=int, default=DEFAULT_MAX_FILE_BYTES)
    parser.add_argument(
        "--max-archive-expansion",
        type=int,
        default=DEFAULT_MAX_ARCHIVE_EXPANSION,
        help="stop on an archive that expands to more than this many times its size",
    )
    parser.add_argument("--part-bytes", type=int, default=DEFAULT_PART_BYTES)
    parser.add_argument("--no-progress", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    inputs: list[IngestInput] = []
    if args.default or args.stdlib is not None:
        inputs.append(stdlib_input(args.stdlib or None))
    if args.default:
        inputs.extend(distribution_inputs())
    elif args.dist:
        inputs.extend(distribution_inputs(args.dist))
    if args.repo and len(args.paths) != 1:
        raise SystemExit("winnow ingest: --repo names a single path input.")
    for path in args.paths:
        if not path.exists():
            raise SystemExit(f"winnow ingest: {path} does not exist.")
        if path.is_dir():
            inputs.append(tree_input(path, args.repo))
        else:
            inputs.append(
                archive_input(
                    path,
                    args.repo,
                    max_file_bytes=args.max_file_bytes,
                    max_archive_expansion=args.max_archive_expansion,
                )
            )
    if not inputs:
        raise SystemExit("winnow ingest: nothing to ingest; give paths, --default, --stdlib or --dist.")
    summary = ingest(
        inputs,
        args.out,
        max_file_bytes=args.max_file_bytes,
        part_bytes=args.part_bytes,
        progress=not args.no_progress and sys.stderr.isatty(),
        kind=args.kind,
    )
    print(json.dumps({"out": str(args.out), **summary.as_dict()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
