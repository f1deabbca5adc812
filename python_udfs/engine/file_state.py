"""The state of files outside the database, for the memoized stages (macros/memoized_table.sql).

A memoized table is rebuilt when the state of its inputs changes. Raw Parquet files are read by
the staging views, so their state is part of the fingerprint of every stage that reads them: the
path, size and modification time (nanoseconds) of every file a glob matches, as make and rsync
judge staleness. Reading the bytes would cost as much as the staging hash it saves.
"""

from __future__ import annotations

import glob
import hashlib
import os
from collections.abc import Iterable

__all__ = ["files_state"]


def files_state(patterns: Iterable[str]) -> str:
    """SHA-256 over each glob pattern (``**`` recursive, as DuckDB's globs) and, in path order,
    the path, size and mtime of every regular file it matches; a pattern that matches nothing
    counts as such, so creating its first file changes the state."""
    digest = hashlib.sha256()
    for pattern in patterns:
        digest.update(b"pattern\x1f" + pattern.encode("utf-8", "surrogateescape") + b"\x1e")
        for path in sorted(glob.glob(pattern, recursive=True)):
            try:
                stat = os.stat(path)
            except OSError:  # gone between glob and stat: its absence is the state
                continue
            digest.update(f"{path}\x1f{stat.st_size}\x1f{stat.st_mtime_ns}\x1e".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()
