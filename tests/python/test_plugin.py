"""The dbt-duckdb plugin registers every UDF so SQL can call it."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from python_udfs.engine import plugin
from python_udfs.engine.plugin import UDFS, Plugin, _byte_bounded_slices, register_udfs
from python_udfs.kernels.line_stats import line_stats
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
    def registered():
        return sorted(
            con.execute(
                "select function_name, parameters::varchar from duckdb_functions() where function_name like 'winnow_%'"
            ).fetchall()
        )

    before = registered()
    register_udfs(con)
    assert registered() == before and len(before) >= len(UDFS)
    assert con.execute("select (winnow_line_stats('a\nb')).n_lines").fetchone() == (2,)


def distinct_real_rows(n_rows: int) -> list[str]:
    """n_rows distinct texts cut from real email-package files, each starting with its row number,
    so a row answered with another row's result cannot go unnoticed."""
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("email")]
    return [f"# row {i}\n" + texts[i % len(texts)][: 200 + 37 * (i % 50)] for i in range(n_rows)]


def test_line_stats_udf_gives_each_row_its_own_result_over_many_vectors(con):
    texts = distinct_real_rows(2 * 2048 + 100)
    con.execute("create table files as select unnest(?) as content, generate_subscripts(?, 1) as i", [texts, texts])
    rows = con.execute("select i, winnow_line_stats(content) from files order by i").fetchall()
    assert [i for i, _ in rows] == list(range(1, len(texts) + 1))
    for (i, got), text in zip(rows, texts):
        assert got == line_stats(pa.array([text])).to_pylist()[0], i


def test_known_flavours_udf(con):
    assert con.execute("select winnow_known_flavours()").fetchone()[0] == [
        "codeparrot",
        "swh",
        "text",
        "the_stack",
        "the_stack_v2",
        "winnow",
    ]


def test_prose_signals_udf_returns_a_struct_per_document(con):
    import sysconfig
    from pathlib import Path

    architecture = (Path(sysconfig.get_paths()["stdlib"]) / "email" / "architecture.rst").read_text()
    row = con.execute(
        "select winnow_prose_signals(?) as s, winnow_prose_signals(null::varchar) as n", [architecture]
    ).fetchone()
    assert row[0]["n_words"] > 1000 and 0 < row[0]["terminal_punct_paragraph_fraction"] <= 1
    assert row[1] is None


@given(st.lists(st.one_of(st.none(), st.text(max_size=40)), max_size=60), st.integers(1, 100))
def test_byte_bounded_slices_cover_every_row_once_within_the_budget(texts, budget):
    column = pa.array(texts, pa.string())
    slices = _byte_bounded_slices(column, budget)
    rows = [row for offset, length in slices for row in range(offset, offset + length)]
    assert rows == list(range(len(texts)))
    for offset, length in slices:
        size = sum(len(t.encode()) for t in texts[offset : offset + length] if t is not None)
        assert length >= 1 or not texts
        # A slice holds at most the budget, unless it is one document larger than the budget.
        assert size <= budget or length == 1 or column.nbytes <= budget


def test_udfs_called_on_byte_bounded_slices_give_the_same_rows(con, monkeypatch):
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("email")] * 3
    query = (
        "select list(winnow_line_stats(content) order by i), list(winnow_character_classes(content) order by i),"
        " list(winnow_fim(content, true, i % 2 = 0, 0.25, 0.75, '<pre>', '<mid>', '<suf>', 'starcoder')"
        " order by i) from (select unnest(?) as content, generate_subscripts(?, 1) as i)"
    )
    whole = con.execute(query, [texts, texts]).fetchone()
    # A budget of about one large email file: most calls get a few files, some exactly one.
    monkeypatch.setattr(plugin, "UDF_SLICE_BYTES", 20_000)
    with duckdb.connect() as sliced_con:
        register_udfs(sliced_con)
        sliced = sliced_con.execute(query, [texts, texts]).fetchone()
    assert sliced == whole


def test_a_large_vector_reaches_the_function_in_slices(monkeypatch):
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("email")]
    column = pa.chunked_array([texts[:5], texts[5:]])
    seen = []

    def recording(content):
        seen.append((len(content), content.nbytes))
        return line_stats(content)

    monkeypatch.setattr(plugin, "UDF_SLICE_BYTES", 20_000)
    result = plugin._sliced_and_metered("recording", recording)(column)
    assert result.equals(line_stats(column))
    assert sum(rows for rows, _ in seen) == len(texts) and len(seen) > 5
    assert all(size <= 20_000 + 4 * (rows + 1) or rows == 1 for rows, size in seen)


def test_slices_of_a_vector_run_on_the_kernel_pool_in_order_and_at_most_its_size_at_once(monkeypatch):
    import threading
    import time

    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("email")] * 4
    column = pa.chunked_array([texts[:7], texts[7:]])
    running, most, threads_seen, lock = [0], [0], set(), threading.Lock()

    def recording(content):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            threads_seen.add(threading.current_thread().name)
        time.sleep(0.01)  # long enough for the calls to overlap when they can
        with lock:
            running[0] -= 1
        return line_stats(content)

    monkeypatch.setattr(plugin, "UDF_SLICE_BYTES", 20_000)
    monkeypatch.setattr(plugin, "_MIN_PARALLEL_SLICE_BYTES", 1)
    try:
        plugin.set_kernel_threads(3)
        result = plugin._sliced_and_metered("recording", recording)(column)
        assert result.equals(line_stats(column))
        assert most[0] == 3 and all(name.startswith("winnow-kernel") for name in threads_seen)
        # A vector under the slice budget is still split, one slice per pool thread.
        small = pa.chunked_array([texts[:6]])
        monkeypatch.setattr(plugin, "UDF_SLICE_BYTES", 10**9)
        threads_seen.clear()
        assert plugin._sliced_and_metered("recording", recording)(small).equals(line_stats(small))
        assert len(threads_seen) > 1
        plugin.set_kernel_threads(1)
        most[0] = 0
        assert plugin._sliced_and_metered("recording", recording)(column).equals(line_stats(column))
        assert most[0] == 1
    finally:
        plugin.set_kernel_threads(2)


def test_register_udfs_sizes_the_kernel_pool_to_duckdbs_threads():
    with duckdb.connect(config={"threads": 3}) as connection:
        register_udfs(connection)
        assert plugin._POOLS.workers == 3
    with duckdb.connect(config={"threads": 1}) as connection:
        register_udfs(connection)
        assert plugin._POOLS.workers == 1 and plugin._POOLS.threads is None


def _worker_pid_per_row(content):
    # Module level: the worker processes unpickle it by name.
    import os

    return pa.array([os.getpid()] * len(content), pa.int64())


def _exit_abruptly(content):
    import os

    os._exit(3)


def test_a_gil_holding_kernel_runs_its_slices_in_worker_processes(monkeypatch):
    import os

    from python_udfs.engine.udfs import _python_syntax_udf
    from python_udfs.kernels.python_syntax import python_syntax_signals

    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("email")] * 3
    column = pa.chunked_array([texts[:7], texts[7:]])
    limit = pa.array([100_000] * len(texts), pa.int64())
    monkeypatch.setattr(plugin, "UDF_SLICE_BYTES", 20_000)
    monkeypatch.setattr(plugin, "_MIN_PARALLEL_SLICE_BYTES", 1)
    try:
        plugin.set_kernel_threads(2)
        pids = plugin._sliced_and_metered("pids", _worker_pid_per_row, holds_gil=True)(column).to_pylist()
        # Which worker takes which slice is the pool's business: at most two, none of them this one.
        assert len(pids) == len(texts) and os.getpid() not in pids and 1 <= len(set(pids)) <= 2
        # Same signals, in the same order, as the kernel called on the whole vector in this process.
        syntax = plugin._sliced_and_metered("syntax", _python_syntax_udf, holds_gil=True)(column, limit)
        assert syntax.equals(python_syntax_signals(column, 100_000))
        # Without a pool (one thread) nothing leaves the calling process.
        plugin.set_kernel_threads(1)
        assert set(plugin._sliced_and_metered("pids", _worker_pid_per_row, holds_gil=True)(column).to_pylist()) == {
            os.getpid()
        }
    finally:
        plugin.set_kernel_threads(2)


def test_a_worker_process_that_dies_fails_the_call_by_name_and_the_next_call_starts_new_workers(monkeypatch):
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("email")]
    column = pa.chunked_array([texts])
    monkeypatch.setattr(plugin, "_MIN_PARALLEL_SLICE_BYTES", 1)
    plugin.set_kernel_threads(2)
    with pytest.raises(RuntimeError, match="winnow_dies: a kernel worker process died"):
        plugin._sliced_and_metered("winnow_dies", _exit_abruptly, holds_gil=True)(column)
    assert len(plugin._sliced_and_metered("pids", _worker_pid_per_row, holds_gil=True)(column)) == len(texts)


def test_the_python_parsers_are_the_kernels_that_run_in_worker_processes():
    assert {udf.name for udf in UDFS if udf.holds_gil} == {"winnow_python_syntax", "winnow_python_imports"}
