"""Progress lines for the long UDF steps: rows done of total, rows/s, at most once per interval."""

from __future__ import annotations

import threading

import duckdb
import pytest

from python_udfs.engine import plugin, udfs
from python_udfs.engine.progress import ProgressMeter, ProgressRegistry, format_progress
from tests.conftest import stdlib_files


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_line_gives_rows_of_total_percent_rate_and_time_left():
    assert format_progress("m: udf", 2048, 8192, 4.0) == "m: udf 2,048 of 8,192 rows (25%), 512 rows/s, about 12 s left"
    assert format_progress("m: udf", 3000, None, 2.0) == "m: udf 3,000 rows, 1,500 rows/s"


def test_meter_reports_only_once_the_interval_has_passed():
    clock = FakeClock()
    meter = ProgressMeter("m: udf", total=10_000, interval=10, clock=clock)
    clock.now += 4
    assert meter.advance(2048) is None
    clock.now += 6
    assert meter.advance(2048) == "m: udf 4,096 of 10,000 rows (41%), 410 rows/s, about 14 s left"
    clock.now += 1
    assert meter.advance(2048) is None  # the next line is due 10 s after the last one
    assert meter.finish() == "m: udf done: 6,144 rows in 11.0 s (559 rows/s)"


def test_registry_starts_each_model_afresh_and_finishes_with_a_summary():
    clock, lines = FakeClock(), []
    registry = ProgressRegistry(lines.append, clock)
    registry.start("winnow_minhash", "int_files_minhashed", 4096, 1)
    clock.now += 2
    registry.advance("winnow_minhash", 2048)
    registry.start("winnow_minhash", "int_files_minhashed", 100, 1)
    registry.finish("winnow_minhash")
    assert lines == [
        "int_files_minhashed: winnow_minhash starting on 4,096 rows",
        "int_files_minhashed: winnow_minhash 2,048 of 4,096 rows (50%), 1,024 rows/s, about 2 s left",
        "int_files_minhashed: winnow_minhash starting on 100 rows",
        "int_files_minhashed: winnow_minhash done: 0 rows in 0.0 s (0 rows/s)",
    ]


def test_lines_of_two_threads_leave_in_the_order_of_their_counts():
    """A thread that counted first but is slow to write its line must not write it after a line
    with a higher count: a model's last line is then the one at its total."""
    lines: list[str] = []
    first_is_writing, second_is_done = threading.Event(), threading.Event()

    def slow_emit(message: str) -> None:
        if " 2,048 of" in message:
            first_is_writing.set()
            second_is_done.wait(timeout=0.5)  # room for the second thread's line to overtake
        lines.append(message)

    registry = ProgressRegistry(slow_emit, FakeClock())
    registry.start("winnow_minhash", "m", 4096, 0)
    first = threading.Thread(target=registry.advance, args=("winnow_minhash", 2048))
    first.start()
    assert first_is_writing.wait(timeout=10)
    registry.advance("winnow_minhash", 2048)
    second_is_done.set()
    first.join()
    assert [line.split(" of ")[0].rsplit(" ", 1)[1] for line in lines[1:]] == ["2,048", "4,096"]


def test_udf_calls_in_duckdb_count_every_row_across_vectors_and_threads(monkeypatch):
    lines: list[str] = []
    monkeypatch.setattr(udfs, "PROGRESS", ProgressRegistry(lines.append))
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("email")] * 80  # several vectors
    with duckdb.connect() as con:
        con.execute("set threads = 2")
        plugin.register_udfs(con)
        con.execute("create table files as select unnest(?) as content", [texts])
        [(started,)] = con.execute(
            "select winnow_progress_start('winnow_line_stats', 'scored', (select count(*) from files), 0)"
        ).fetchall()
        con.execute("create table scored as select winnow_line_stats(content) as s from files")
        [(finished,)] = con.execute("select winnow_progress_finish('winnow_line_stats')").fetchall()
    assert started == f"scored: winnow_line_stats starting on {len(texts):,} rows"
    assert finished.startswith(f"scored: winnow_line_stats done: {len(texts):,} rows in ")
    # Interval 0: a line after every vector, the last one at the total.
    assert lines[-2].startswith(f"scored: winnow_line_stats {len(texts):,} of {len(texts):,} rows (100%)")


@pytest.mark.parametrize("interval", [0.0, 1e9])
def test_progress_start_is_never_folded_into_a_constant(interval, monkeypatch):
    lines: list[str] = []
    monkeypatch.setattr(udfs, "PROGRESS", ProgressRegistry(lines.append))
    with duckdb.connect() as con:
        plugin.register_udfs(con)
        for _ in range(2):
            con.execute("select winnow_progress_start('u', 'm', 5, ?)", [interval]).fetchall()
    assert lines == ["m: u starting on 5 rows"] * 2
