"""What every part of ingest shares: the raw Parquet schema and the skipped-file schema, the
limits, and the records of an input (a repo-like unit) and its files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ...kernels.license_detection import LicenseEvidence

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
# Languages (seeds/languages.csv) of documentation files, kept by --kind docs.
DOCS_LANGUAGES = frozenset({"markdown", "restructuredtext", "html", "text"})
KINDS = ("code", "docs")


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
