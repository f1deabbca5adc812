"""macros/sql_literal.sql, rendered by dbt's own Jinja environment and evaluated by DuckDB: any
text comes back from the literal it renders to, and nothing in it can end the literal."""

from __future__ import annotations

import duckdb
import pytest
from dbt_common.clients.jinja import get_environment
from dbt_common.exceptions.macros import MacroReturn
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import PROJECT_ROOT

MACROS = ("sql_string", "sql_string_list", "sql_identifier", "duckdb__string_literal", "type_text")
# Any text a UTF-8 seed or var can hold but NUL, weighted towards the characters that matter to SQL.
SQL_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("'\"\\;-/*$\n\r\t{}%x"), st.characters(exclude_characters="\x00", exclude_categories=("Cs",))
    ),
)


class CompilerError(Exception):
    pass


class _Exceptions:
    @staticmethod
    def raise_compiler_error(message):
        raise CompilerError(message)


def macros(execute: bool = True) -> dict:
    """The macros of sql_literal.sql as Python callables, with dbt's `return` semantics, on DuckDB
    (adapter.dispatch picks the duckdb__ forms; macros/portable.sql holds the type names)."""
    sources = [(PROJECT_ROOT / "macros" / name).read_text() for name in ("sql_literal.sql", "portable.sql")]
    template = get_environment().from_string("\n".join(sources))
    module = {}

    def _return(value):
        raise MacroReturn(value)

    def callable_macro(name):
        def call(*args):
            try:
                return str(module["instance"].__dict__[f"dbt_macro__{name}"](*args))
            except MacroReturn as returned:
                return returned.value

        return call

    class _DuckDBAdapter:
        @staticmethod
        def dispatch(name, namespace=None):
            return callable_macro(f"duckdb__{name}")

    context = {"execute": execute, "exceptions": _Exceptions, "return": _return, "adapter": _DuckDBAdapter}
    context.update({name: callable_macro(name) for name in MACROS})
    module["instance"] = template.make_module(vars=context)
    return {name: callable_macro(name) for name in MACROS}


RENDER = macros()


@settings(max_examples=150, deadline=None)
@given(SQL_TEXT)
def test_string_literal_evaluates_to_the_same_text(text):
    connection = duckdb.connect()
    [(value,)] = connection.execute(f"select {RENDER['sql_string'](text)}").fetchall()
    assert value == text
    assert RENDER["duckdb__string_literal"](text) == RENDER["sql_string"](text)


@settings(max_examples=100, deadline=None)
@given(st.lists(SQL_TEXT, max_size=5))
def test_string_list_is_exactly_its_members(values):
    connection = duckdb.connect()
    probe = "x') or ('1'='1"
    [(members, has_probe)] = connection.execute(
        f"select [{RENDER['sql_string_list'](values)}]::varchar[], ? in ({RENDER['sql_string_list'](values) or 'null'})",
        [probe],
    ).fetchall()
    assert members == values
    assert bool(has_probe) == (probe in values)


@settings(max_examples=100, deadline=None)
@given(SQL_TEXT.filter(lambda text: text.strip() != ""))
def test_identifier_names_exactly_that_column(name):
    connection = duckdb.connect()
    result = connection.execute(f"select 1 as {RENDER['sql_identifier'](name)}")
    assert [d[0] for d in result.description] == [name]


def test_none_is_a_varchar_null_and_numbers_their_text():
    connection = duckdb.connect()
    assert connection.execute(f"select {RENDER['sql_string'](None)}, {RENDER['sql_string'](0.25)}").fetchall() == [
        (None, "0.25")
    ]


def test_nul_is_refused_with_the_value_named_and_ignored_at_parse_time():
    with pytest.raises(CompilerError, match=r'"bad\\\\0value" contains a NUL character'):
        RENDER["sql_string"]("bad\x00value")
    with pytest.raises(CompilerError, match="NUL"):
        RENDER["sql_identifier"]("col\x00umn")
    # At parse time (execute false) macros must not raise; nothing runs then.
    assert macros(execute=False)["sql_string"]("bad\x00value") == "'badvalue'"
