"""The dbt-duckdb plugin registers every UDF so SQL can call it."""

from __future__ import annotations

import duckdb
import pytest

from python_udfs.plugin import UDFS, Plugin, register_udfs
from tests.conftest import stdlib_files


@pytest.fixture
def con():
    with duckdb.connect() as connection:
        Plugin(name="winnow", plugin_config={}).configure_connection(connection)
        yield connection


def test_every_udf_is_registered(con):
    names = {row[0] for row in con.execute("select function_name from duckdb_functions()").fetchall()}
    assert {udf.name for udf in UDFS} <= names


def test_registering_twice_is_harmless(con):
    register_udfs(con)


def test_line_stats_udf_runs_over_many_vectors_of_real_files(con):
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("email")] * 40  # > 2048 rows
    con.execute("create table files as select unnest(?) as content", [texts])
    n_rows, total_lines = con.execute(
        "select count(*), sum(winnow_line_stats(content).n_lines) from files"
    ).fetchone()
    assert n_rows == len(texts)
    expected = sum(len(t.split("\n")) - t.endswith("\n") for t in texts if t)  # "" has 0 lines
    assert total_lines == expected


def test_known_flavours_udf(con):
    assert con.execute("select winnow_known_flavours()").fetchone()[0] == ["codeparrot", "text", "the_stack", "winnow"]


def test_prose_signals_udf_returns_a_struct_per_document(con):
    import sysconfig
    from pathlib import Path

    architecture = (Path(sysconfig.get_paths()["stdlib"]) / "email" / "architecture.rst").read_text()
    row = con.execute("select winnow_prose_signals(?) as s, winnow_prose_signals(null::varchar) as n", [architecture]).fetchone()
    assert row[0]["n_words"] > 1000 and 0 < row[0]["terminal_punct_paragraph_fraction"] <= 1
    assert row[1] is None
