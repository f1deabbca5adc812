"""dedup_hashes against the regular expressions that define each normalisation, run by DuckDB, on
real files and any text."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from python_udfs.kernels.exact_dedup import DEDUP_NORMALISATIONS, dedup_hashes, normalised_for_dedup
from tests.conftest import PROJECT_ROOT, stdlib_files

# Each normalisation as DuckDB's RE2 writes it (`\s` is [\t\n\f\r ]); trim(x, ' ') strips spaces
# only (a bare trim() would also strip U+00A0 and other Unicode spaces from the ends).
REFERENCE_SQL = {
    "none": "x",
    "strip_trailing_whitespace": r"regexp_replace(x, '[ \t\r\f\v]+(\n|$)', '\1', 'g')",
    "collapse_whitespace": r"trim(regexp_replace(x, '\s+', ' ', 'g'), ' ')",
    "remove_whitespace": r"regexp_replace(x, '\s+', '', 'g')",
}
# Every ASCII whitespace byte, \v (whitespace to Python's bytes.split, not to RE2), Unicode spaces
# and line separators, and one-to-four-byte characters.
HOSTILE_CHARACTERS = [
    " ",
    "\t",
    "\n",
    "\r",
    "\f",
    "\v",
    "\x1c",
    "\x85",
    "\xa0",
    "\u2028",
    "\u3000",
    "a",
    "é",
    "日",
    "😀",
]


def reference(texts: list[str | None], normalisation: str) -> tuple[list, list]:
    documents = pa.table({"i": pa.array(range(len(texts)), pa.int64()), "x": pa.array(texts, pa.string())})
    expression = REFERENCE_SQL[normalisation]
    connection = duckdb.connect()
    connection.register("documents", documents)
    rows = connection.execute(f"select {expression}, sha256({expression}) from documents order by i").fetchall()
    return [row[0] for row in rows], [row[1] for row in rows]


def test_the_normalisations_are_the_vars_choices():
    knobs = yaml.safe_load((PROJECT_ROOT / "knobs.yml").read_text())
    assert list(DEDUP_NORMALISATIONS) == knobs["knobs"]["exact_dedup_normalisation"]["choices"]
    assert set(REFERENCE_SQL) == set(DEDUP_NORMALISATIONS)


@pytest.mark.parametrize("normalisation", list(DEDUP_NORMALISATIONS))
def test_real_files_hash_as_the_regular_expressions_normalise_them(normalisation):
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("email")]
    texts += [None, "", " ", "\n", "  a  ", "a \t\r\n b \n", "x\v y \v\n", "\xa0a\xa0", "tab\t\n\nend \t"]
    expected_texts, expected_hashes = reference(texts, normalisation)
    assert normalised_for_dedup(pa.array(texts, pa.large_string()), normalisation).to_pylist() == expected_texts
    assert dedup_hashes(pa.array(texts, pa.large_string()), normalisation).to_pylist() == expected_hashes


@settings(max_examples=300)
@given(
    st.sampled_from(list(DEDUP_NORMALISATIONS)),
    st.lists(
        st.one_of(st.none(), st.lists(st.sampled_from(HOSTILE_CHARACTERS), max_size=12).map("".join)), max_size=30
    ),
)
def test_any_whitespace_normalises_as_the_regular_expressions_do(normalisation, texts):
    expected_texts, expected_hashes = reference(texts, normalisation)
    assert normalised_for_dedup(pa.array(texts, pa.string()), normalisation).to_pylist() == expected_texts
    assert dedup_hashes(pa.array(texts, pa.string()), normalisation).to_pylist() == expected_hashes


def test_a_slice_of_a_larger_array_hashes_only_its_rows():
    texts = ["a  b", " a b ", "a\tb", "ab"]
    whole = dedup_hashes(pa.array(texts), "collapse_whitespace").to_pylist()
    assert whole[0] == whole[1] == whole[2] != whole[3]
    assert dedup_hashes(pa.array(texts).slice(1, 2), "collapse_whitespace").to_pylist() == whole[1:3]


def test_an_unknown_normalisation_is_named():
    with pytest.raises(ValueError, match="'squash' is not one of: none, strip_trailing_whitespace"):
        dedup_hashes(pa.array(["a"]), "squash")
