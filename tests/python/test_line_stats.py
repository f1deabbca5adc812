"""line_stats against a plain-Python reference on real standard-library files."""

from __future__ import annotations

import pyarrow as pa
import pytest

from python_udfs.line_stats import line_stats
from tests.conftest import stdlib_files


def reference(text: str | None) -> dict | None:
    if text is None:
        return None
    lines = text.split("\n")
    if text.endswith("\n"):
        lines = lines[:-1]
    if not text:
        return {"n_lines": 0, "max_line_length": 0, "mean_line_length": 0.0}
    return {
        "n_lines": len(lines),
        "max_line_length": max(len(line) for line in lines),
        "mean_line_length": sum(len(line) for line in lines) / len(lines),
    }


def test_matches_reference_on_real_files_and_edge_cases():
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("email")]
    texts += [None, "", "\n", "a", "a\n", "a\n\nb", "héllo wörld\n" * 3, "x" * 200_000, "\n\n\n"]
    result = line_stats(pa.array(texts, pa.large_string())).to_pylist()
    for text, got in zip(texts, result):
        want = reference(text)
        if want is None:
            assert got is None
        else:
            assert got["n_lines"] == want["n_lines"]
            assert got["max_line_length"] == want["max_line_length"]
            assert got["mean_line_length"] == pytest.approx(want["mean_line_length"])


def test_chunked_input_gives_the_same_result():
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("json")]
    whole = line_stats(pa.array(texts))
    chunked = line_stats(pa.chunked_array([texts[:2], texts[2:]]))
    assert whole.equals(chunked)
