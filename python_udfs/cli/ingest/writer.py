"""Decoding and writing: every file classified as text or skipped with a reason, rows written to
Parquet parts with bounded row groups in a staging directory that replaces the output
directory atomically when the ingest has finished."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pyarrow as pa
import pyarrow.parquet as pq

from ...kernels.languages import language_for_path
from .license_files import _license_files_by_directory, _nearest_license_file
from .records import DEFAULT_MAX_FILE_BYTES, DOCS_LANGUAGES, KINDS, RAW_SCHEMA, SKIPPED_SCHEMA, IngestInput

# What every directory ingest (or text_corpus) writes holds this file; nothing else is replaced.
OUTPUT_MARKER = PurePosixPath("_ingest") / "summary.json"
# Parquet part files of about this much content let DuckDB read in parallel.
DEFAULT_PART_BYTES = 64 * 1024 * 1024
# DuckDB reads a row group's column chunk whole, per thread and outside memory_limit's spilling,
# and parallelises a scan by row group: row groups stay small in rows and in bytes.
ROW_GROUP_MAX_ROWS = 1024
ROW_GROUP_MAX_BYTES = 8 * 1024 * 1024


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
        with pq.ParquetWriter(
            self.out_dir / f"part-{self.parts:05d}.parquet", RAW_SCHEMA, compression="zstd"
        ) as writer:
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
