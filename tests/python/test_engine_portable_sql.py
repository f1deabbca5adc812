"""No model spells engine-specific SQL: every difference between DuckDB and Spark lives in an
adapter.dispatch macro (macros/portable.sql and the macros it names), so the same models build on
both engines (docs/spark.md). The test fails when any model holds a DuckDB-only spelling."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

# DuckDB spellings that Spark rejects or, worse, evaluates differently (scale_out research, §5).
BANNED: dict[str, str] = {
    "read_parquet(": r"\bread_parquet\s*\(",
    ":: cast": r"::",
    "list_* function": r"\blist_[a-z_]+\s*\(",
    "len(": r"\blen\s*\(",
    "strlen(": r"\bstrlen\s*\(",
    "sha256(": r"\bsha256\s*\(",
    "hash(": r"(?<![\w.])hash\s*\(",
    "md5_number": r"\bmd5_number\b",
    "qualify": r"\bqualify\b",
    "-> lambda": r"->",
    "lambda": r"\blambda\b",
    "regexp_matches": r"\bregexp_matches\b",
    "struct_pack": r"\bstruct_pack\b",
    "unnest": r"\bunnest\b",
    "string_split": r"\bstring_split\b",
    "string_agg": r"\bstring_agg\b",
    "generate_series / range(": r"\bgenerate_series\b|\brange\s*\(",
    "arg_max / arg_min": r"\barg_(?:max|min)\b",
    "* exclude": r"\*\s*exclude\b",
    "not materialized": r"\bnot\s+materialized\b",
    "union by name": r"\bby\s+name\b",
    "[list] literal": r"(?<![\w\]\)'\"])\[",
    "[a:b] slice": r"\[[^\[\]\n]*:[^\[\]\n]*\]",
    "varchar": r"\bvarchar\b",
    "unsigned / huge integers": r"\bu(?:tinyint|smallint|integer|bigint)\b|\bu?hugeint\b",
    "getvariable": r"\bgetvariable\b",
    "isfinite": r"\bisfinite\b",
}

MODELS = sorted((PROJECT_ROOT / "models").rglob("*.sql"))


def sql_outside_jinja(text: str) -> str:
    """The model's own SQL: no comments, no Jinja (macro calls are the portable layer), and no
    string literals (a regex's [a-z] is data)."""
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.DOTALL)
    text = re.sub(r"--[^\n]*", " ", text)
    text = re.sub(r"\{\{.*?\}\}", " macro_call ", text, flags=re.DOTALL)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.DOTALL)
    return re.sub(r"'(?:[^']|'')*'", "''", text)


def engine_specific(sql: str) -> list[str]:
    """The names of the BANNED spellings in ``sql`` (a model's text)."""
    own = sql_outside_jinja(sql)
    return sorted(name for name, pattern in BANNED.items() if re.search(pattern, own, re.IGNORECASE))


@pytest.mark.parametrize("path", MODELS, ids=lambda path: path.stem)
def test_models_hold_no_engine_specific_sql(path: Path):
    found = engine_specific(path.read_text())
    assert not found, (
        f"{path.relative_to(PROJECT_ROOT)} spells {found} in DuckDB's dialect: "
        "use (or add) a dispatch macro in macros/portable.sql"
    )


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select * from read_parquet('a.parquet')", "read_parquet("),
        ("select x::bigint", ":: cast"),
        ("select list_transform(xs, lambda x: x + 1)", "list_* function"),
        ("select len(xs)", "len("),
        ("select hash(doc_id) % 10", "hash("),
        ("select * from t qualify row_number() over () = 1", "qualify"),
        ("select * exclude (content) from t", "* exclude"),
        ("with a as not materialized (select 1) select * from a", "not materialized"),
        ("select [doc_id]", "[list] literal"),
        ("select xs[2:3]", "[a:b] slice"),
        ("select cast(x as varchar)", "varchar"),
        ("select unnest(xs)", "unnest"),
    ],
)
def test_the_ban_list_sees_duckdb_spellings(sql, expected):
    assert expected in engine_specific(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "select {{ list_size('xs') }}, {{ stable_hash(['a', 'b']) }} from t",
        "select regexp_extract(path, '(\\.[^./]+)$', 1) from t -- a [list] in a comment",
        "{# len(xs) #} select xs[1], f(x)[1] from t",
        "select md5(x), {{ star_except(['content']) }} from t",
    ],
)
def test_macro_calls_comments_strings_and_indexing_are_not_flagged(sql):
    assert engine_specific(sql) == []
