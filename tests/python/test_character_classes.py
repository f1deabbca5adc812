"""character_classes against Python's str.isalnum / str.isalpha, on real files and any text."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from python_udfs.kernels.character_classes import character_classes
from tests.conftest import stdlib_files


def reference(text: str | None) -> dict | None:
    if text is None:
        return None
    return {"n_alphanumeric": sum(c.isalnum() for c in text), "n_alphabetic": sum(c.isalpha() for c in text)}


def test_matches_python_on_real_files_and_every_utf8_length():
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("encodings")]
    # One-, two-, three- and four-byte characters: ASCII, Latin and Greek, CJK and Arabic-Indic
    # digits, emoji and a mathematical letter; and digits Python counts as alphanumeric, not alphabetic.
    texts += [None, "", "abc123_ -", "héllo wörld Σ", "漢字テスト ١٢٣", "😀 𝔘 x", "²³ ½ Ⅻ", "\x00\x01 a"]
    got = character_classes(pa.array(texts, pa.large_string())).to_pylist()
    assert got == [reference(t) for t in texts]


@given(st.lists(st.one_of(st.none(), st.text(st.characters(blacklist_categories=("Cs",)))), max_size=20))
def test_any_text_counts_as_python_counts(texts):
    # Surrogates are left out: Arrow and DuckDB strings are valid UTF-8 (ingest replaces them).
    assert character_classes(pa.array(texts, pa.string())).to_pylist() == [reference(t) for t in texts]


def test_a_slice_of_a_larger_array_counts_only_its_rows():
    texts = ["aaa", "1 2 3", "ééé", "!!!"]
    sliced = pa.array(texts).slice(1, 2)
    assert character_classes(sliced).to_pylist() == [reference(t) for t in texts[1:3]]
