"""The raw files' state a memoized stage is fingerprinted with: path, size and mtime per glob."""

from __future__ import annotations

import os

from python_udfs.engine.file_state import files_state


def test_the_state_changes_with_a_file_s_mtime_size_or_a_new_file_and_only_then(tmp_path):
    (tmp_path / "part-00000.parquet").write_bytes(b"abc")
    patterns = [f"{tmp_path}/*.parquet"]
    state = files_state(patterns)
    assert files_state(patterns) == state

    (tmp_path / "notes.txt").write_text("not matched by the glob")
    assert files_state(patterns) == state

    stat = (tmp_path / "part-00000.parquet").stat()
    os.utime(tmp_path / "part-00000.parquet", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    touched = files_state(patterns)
    assert touched != state

    os.utime(tmp_path / "part-00000.parquet", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert files_state(patterns) == state, "same path, size and mtime: the same state"

    (tmp_path / "part-00000.parquet").write_bytes(b"abcd")
    os.utime(tmp_path / "part-00000.parquet", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert files_state(patterns) != state, "a new size, even with the old mtime"

    (tmp_path / "part-00000.parquet").write_bytes(b"abc")
    os.utime(tmp_path / "part-00000.parquet", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    (tmp_path / "part-00001.parquet").write_bytes(b"")
    assert files_state(patterns) != state, "a new file"


def test_a_glob_matching_nothing_still_counts_and_patterns_are_recursive(tmp_path):
    empty = files_state([f"{tmp_path}/missing/*.parquet"])
    assert empty != files_state([f"{tmp_path}/other/*.parquet"]), "the pattern itself is part of the state"
    (tmp_path / "a" / "b").mkdir(parents=True)
    recursive = [f"{tmp_path}/**/*.parquet"]
    before = files_state(recursive)
    (tmp_path / "a" / "b" / "part.parquet").write_bytes(b"x")
    assert files_state(recursive) != before
