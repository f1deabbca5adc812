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

The output directory is replaced atomically: files are written into a sibling temporary
directory that is renamed into place only when the ingest has finished, so a reader never sees a
half-ingested corpus. Files are visited in sorted order, so the same inputs give the same bytes.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import json
import os
import shutil
import sys
import sysconfig
import tarfile
import zipfile
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
    read: object  # () -> bytes


@dataclass
class IngestInput:
    """A repo-like unit of input: a name, its license evidence and its files."""

    repo: str
    origin: str
    license: LicenseEvidence
    files: list[SourceFile] = field(default_factory=list)
    # Files skipped before reading (caches, VCS dirs), counted without opening them.
    pre_skipped: list[tuple[str, str, int]] = field(default_factory=list)


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
            data = source_file.read()
        except OSError:
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
    return lambda: path.read_bytes()


def _walk_tree(root: Path) -> Iterator[tuple[str, Path | None, int, str | None]]:
    """Sorted (relative path, absolute path, size, pre-skip reason) for every file under root."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        here = Path(dirpath)
        skipped_dirs = [d for d in dirnames if d in _SKIPPED_DIRS]
        dirnames[:] = [d for d in dirnames if d not in _SKIPPED_DIRS]
        for d in skipped_dirs:
            for sub_dirpath, _, sub_files in os.walk(here / d):
                for name in sorted(sub_files):
                    full = Path(sub_dirpath) / name
                    yield full.relative_to(root).as_posix(), None, _size(full), "cache_or_vcs_dir"
        for name in sorted(filenames):
            full = here / name
            if full.is_symlink():
                yield full.relative_to(root).as_posix(), None, 0, "symlink"
                continue
            yield full.relative_to(root).as_posix(), full, _size(full), None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def tree_input(root: Path, repo: str | None = None, exclude: Iterable[str] = ()) -> IngestInput:
    """A local source tree. License from PKG-INFO/METADATA at the root, else LICENSE-like files."""
    root = root.resolve()
    excluded = tuple(e.rstrip("/") + "/" for e in exclude)
    item = IngestInput(repo=repo or root.name, origin=str(root), license=LicenseEvidence((), "none"))
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
    item = IngestInput(repo="python/cpython", origin="stdlib", license=evidence)
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
        item = IngestInput(repo=f"pypi/{name}", origin=f"site-packages:{name}", license=evidence)
        for record_path in sorted(files, key=lambda p: str(p)):
            rel = PurePosixPath(str(record_path))
            if rel.parts and rel.parts[0] == "..":
                continue
            full = Path(str(dist.locate_file(record_path)))
            if not full.is_file():
                continue
            rel_str = rel.as_posix()
            if "__pycache__" in rel.parts:
                item.pre_skipped.append((rel_str, "cache_or_vcs_dir", _size(full)))
                continue
            if _is_own_license_file(rel):
                license_files.append((rel_str, full.read_bytes()))
            item.files.append(SourceFile(rel_str, _size(full), _read_file(full)))
        if not item.license.found:
            item.license = _license_from_files(license_files)
        if item.files or item.pre_skipped:
            inputs.append(item)
    return inputs


def _archive_members(path: Path) -> Iterator[tuple[str, int, object]]:
    name = path.name.lower()
    if name.endswith((".zip", ".whl")):
        archive = zipfile.ZipFile(path)
        for info in sorted(archive.infolist(), key=lambda i: i.filename):
            if not info.is_dir():
                yield info.filename, info.file_size, (lambda i=info: archive.read(i))
    else:
        archive = tarfile.open(path)
        for member in sorted(archive.getmembers(), key=lambda m: m.name):
            if member.isfile():
                yield member.name, member.size, (lambda m=member: archive.extractfile(m).read())
            elif member.issym() or member.islnk():
                yield member.name, 0, None


def archive_input(path: Path, repo: str | None = None) -> IngestInput:
    """An sdist (.tar.gz/.tgz/.tar.bz2/.zip) or a wheel (.whl).

    An sdist's single top directory (``pkg-1.0/``) is stripped from paths. License from the
    archive's PKG-INFO or ``*.dist-info/METADATA``, else from LICENSE-like files.
    """
    lower = path.name.lower()
    if not lower.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip", ".whl")):
        raise SystemExit(f"winnow ingest: {path}: not a directory, sdist, zip or wheel.")
    try:
        members = list(_archive_members(path))
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as error:
        raise SystemExit(f"winnow ingest: cannot open archive {path}: {error}") from error
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
    )
    metadata_text, license_files = None, []
    for name, size, read in members:
        rel = name.split("/", 1)[1] if strip else name
        parts = PurePosixPath(rel).parts
        if read is None:
            item.pre_skipped.append((rel, "symlink", 0))
            continue
        if any(p in _SKIPPED_DIRS for p in parts):
            item.pre_skipped.append((rel, "cache_or_vcs_dir", size))
            continue
        at_top = len(parts) == 1 or (len(parts) == 2 and parts[0].endswith(".dist-info"))
        if at_top and parts[-1] in {"PKG-INFO", "METADATA"}:
            metadata_text = read().decode("utf-8", errors="replace")
        if at_top and is_license_file_name(parts[-1]):
            license_files.append((rel, read()))
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
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work_dir = out_dir.parent / f".{out_dir.name}.ingesting-{os.getpid()}"
    shutil.rmtree(work_dir, ignore_errors=True)
    (work_dir / "_ingest").mkdir(parents=True)
    summary = IngestSummary()
    writer = _PartWriter(work_dir, part_bytes)
    skipped: dict[str, list] = {name: [] for name in SKIPPED_SCHEMA.names}

    def skip(item: IngestInput, path: str, reason: str, size: int) -> None:
        for key, value in zip(SKIPPED_SCHEMA.names, (item.origin, item.repo, path, reason, size)):
            skipped[key].append(value)
        summary.skipped[reason] += 1

    total = sum(len(i.files) for i in inputs)
    bar = _progress_bar(total, progress)
    try:
        for item in inputs:
            for path, reason, size in item.pre_skipped:
                skip(item, path, reason, size)
            licenses = list(item.license.spdx_ids)
            license_files_by_directory = _license_files_by_directory(item, max_file_bytes)
            for source_file in item.files:
                bar.update(1)
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
                    data = source_file.read()
                except OSError:
                    skip(item, source_file.path, "unreadable", source_file.size)
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
                        "repo": item.repo,
                        "path": source_file.path,
                        "content": text,
                        "licenses": licenses,
                        "license_evidence": item.license.evidence,
                        "file_licenses": file_licenses,
                        "nearest_license_file": nearest_license_file,
                        "language": language,
                        "kind": kind,
                        "n_bytes": n_bytes,
                        "origin": item.origin,
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
    # Swap the finished directory into place; the old corpus is removed only afterwards.
    old_dir = out_dir.parent / f".{out_dir.name}.replaced-{os.getpid()}"
    if out_dir.exists():
        out_dir.rename(old_dir)
    work_dir.rename(out_dir)
    shutil.rmtree(old_dir, ignore_errors=True)
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
    parser.add_argument("--out", type=Path, required=True, help="output directory (replaced)")
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
        inputs.append(tree_input(path, args.repo) if path.is_dir() else archive_input(path, args.repo))
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
