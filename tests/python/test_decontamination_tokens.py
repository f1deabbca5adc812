"""Decontamination's tokenizer gives exactly the tokens of DuckDB's regular expressions that define
it, on real code and on hostile text, checked against DuckDB itself."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pytest

from python_udfs.kernels.decontamination_tokens import decontamination_tokens
from tests.conftest import stdlib_files

DEFINITION = r"regexp_extract_all(lower(regexp_replace(text, '#[^\n]*', '', 'g')), '\.?[a-z0-9_]+')"

# Pieces whose mixtures reach every branch: token bytes of each class, dots, comments and line
# ends, the two non-ASCII capitals whose lower case is ASCII (U+0130, U+212A), a combining dot,
# other non-ASCII letters, and whitespace.
PIECES = [
    "a",
    "Z",
    "_",
    "9",
    ".",
    "..",
    "#",
    "\n",
    "\r\n",
    " ",
    "\t",
    "\u0130",
    "\u212a",
    "\u0307",
    "é",
    "€",
    "日",
    "😀",
    "x#y",
]


def duckdb_tokens(texts: list[str | None]) -> list[list[str] | None]:
    """The definition, run by DuckDB on each text (NULL stays NULL)."""
    query = f"select {DEFINITION} from (select unnest($texts) as text, generate_subscripts($texts, 1) as i) order by i"
    return [row[0] for row in duckdb.sql(query, params={"texts": texts}).fetchall()]


def assert_same_as_duckdb(texts: list[str | None]) -> None:
    ours = decontamination_tokens(pa.array(texts, pa.string())).to_pylist()
    expected = duckdb_tokens(texts)
    different = [(t if t is None else t[:80], o, e) for t, o, e in zip(texts, ours, expected) if o != e]
    assert not different, f"{len(different)} of {len(texts)} differ, e.g. {different[:2]}"


def test_real_code_gets_duckdbs_tokens():
    texts = [path.read_text(errors="replace") for path in stdlib_files("email") + stdlib_files("json")]
    assert sum(text.count("#") for text in texts) > 1000, "the sample must hold comments"
    assert_same_as_duckdb(texts)


def test_random_hostile_text_gets_duckdbs_tokens():
    rng = random.Random(20261201)
    texts = ["".join(rng.choice(PIECES) for _ in range(rng.randint(0, 24))) for _ in range(5_000)]
    assert_same_as_duckdb(texts)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("# a comment\nx = 1  # another\ny", ["x", "1", "y"]),
        ("#", []),
        ("a#b", ["a"]),
        ("obj.Method(ARG)", ["obj", ".method", "arg"]),
        ("..x x. .5", [".x", "x", ".5"]),
        ("\u0130f \u212aelvin", ["if", "kelvin"]),
        ("caf\u00e9_bar", ["caf", "_bar"]),
        ("", []),
        (None, None),
    ],
)
def test_the_definitions_cases(text, tokens):
    assert decontamination_tokens(pa.array([text], pa.string())).to_pylist() == [tokens]


def test_no_token_and_no_comment_crosses_two_texts():
    # Neighbouring texts share one byte buffer: a run or a comment must stop at a text's end.
    texts = ["ab", "cd", "# open", "ef", "x.", "y", "z", ".w"]
    assert decontamination_tokens(pa.array(texts)).to_pylist() == [
        ["ab"],
        ["cd"],
        [],
        ["ef"],
        ["x"],
        ["y"],
        ["z"],
        [".w"],
    ]


def test_a_slice_of_an_array_is_tokenised_alone():
    texts = pa.array(["skip me", "# c\nkeep", "this.one"])
    assert decontamination_tokens(texts.slice(1)).to_pylist() == [["keep"], ["this", ".one"]]
