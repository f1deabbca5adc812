"""line_stats against a plain-Python reference on real standard-library files."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from python_udfs.kernels.line_stats import line_stats
from tests.conftest import stdlib_files


def reference(text: str | None) -> dict | None:
    if text is None:
        return None
    lines = text.split("\n")
    if text.endswith("\n"):
        lines = lines[:-1]
    if not text:
        return {"n_lines": 0, "max_line_length": 0, "mean_line_length": 0.0, "n_comment_lines": 0}
    return {
        "n_lines": len(lines),
        "max_line_length": max(len(line) for line in lines),
        "mean_line_length": sum(len(line) for line in lines) / len(lines),
        # Python's \s also matches \v, which RE2's does not: spelled out as RE2 sees it.
        "n_comment_lines": sum(bool(re.match(r"[\t\n\f\r ]*(#|//|/\*|\*|--)", line)) for line in lines),
    }


def test_matches_reference_on_real_files_and_edge_cases():
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("email")]
    texts += [None, "", "\n", "a", "a\n", "a\n\nb", "héllo wörld\n" * 3, "x" * 200_000, "\n\n\n"]
    texts += ["# a\n  // b\n\t/* c\n * d\n-- e\nx # f\n#", "a - b\n/ c\n\v# d\n"]
    result = line_stats(pa.array(texts, pa.large_string())).to_pylist()
    for text, got in zip(texts, result):
        want = reference(text)
        if want is None:
            assert got is None
        else:
            assert got["n_lines"] == want["n_lines"]
            assert got["max_line_length"] == want["max_line_length"]
            assert got["mean_line_length"] == pytest.approx(want["mean_line_length"])
            assert got["n_comment_lines"] == want["n_comment_lines"]


def test_comment_lines_of_a_python_file():
    [stats] = line_stats(pa.array(['"""Doc."""\n# one\nx = 1  # not a comment line\n    # two\n'])).to_pylist()
    assert (stats["n_lines"], stats["n_comment_lines"]) == (4, 2)


def test_chunked_input_gives_the_same_result():
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("json")]
    whole = line_stats(pa.array(texts))
    chunked = line_stats(pa.chunked_array([texts[:2], texts[2:]]))
    assert whole.equals(chunked)


@given(st.lists(st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)))), max_size=20))
def test_any_text_gives_the_reference_statistics(texts):
    for text, got in zip(texts, line_stats(pa.array(texts, pa.string())).to_pylist()):
        want = reference(text)
        if want is None:
            assert got is None
        else:
            assert {k: got[k] for k in ("n_lines", "max_line_length", "n_comment_lines")} == {
                k: want[k] for k in ("n_lines", "max_line_length", "n_comment_lines")
            }
            assert got["mean_line_length"] == pytest.approx(want["mean_line_length"])
