"""Progress of the long per-document steps: rows done of total and throughput, every few seconds.

DuckDB calls an Arrow UDF once per vector (2048 rows) from several threads, so no single call
knows how far a model has got. A :class:`ProgressMeter` per UDF counts the rows every call
handled; the model's pre-hook (macro ``progress_start``) sets the total it expects and the
reporting interval (var ``progress_interval_seconds``), and its post-hook (``progress_finish``)
reports the total time. Messages go to a callback: the dbt plugin sends them to dbt's log, where
they show in ``dbt build``'s output and in logs/dbt.log, e.g.::

    int_files_minhashed: winnow_minhash 12,288 of 35,120 rows (35%), 1,204 rows/s, about 19 s left

Nothing here knows about DuckDB or dbt.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["ProgressMeter", "ProgressRegistry", "format_progress"]


def format_progress(label: str, done: int, total: int | None, seconds: float) -> str:
    """One progress line: rows done (of total, with percent and time left when known) and rows/s."""
    rate = done / seconds if seconds > 0 else 0.0
    if total:
        left = f", about {max(total - done, 0) / rate:,.0f} s left" if rate > 0 and done < total else ""
        return f"{label} {done:,} of {total:,} rows ({min(done / total, 1):.0%}), {rate:,.0f} rows/s{left}"
    return f"{label} {done:,} rows, {rate:,.0f} rows/s"


@dataclass
class ProgressMeter:
    """Rows done by one UDF since its model started, reported at most once per interval."""

    label: str
    total: int | None
    interval: float
    clock: Callable[[], float] = time.monotonic
    done: int = 0
    started: float = field(default=0.0)
    last_report: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.last_report = self.clock()

    def advance(self, rows: int) -> str | None:
        """Count rows; return a progress line when the interval has passed since the last one."""
        self.done += rows
        now = self.clock()
        if now - self.last_report < self.interval:
            return None
        self.last_report = now
        return format_progress(self.label, self.done, self.total, now - self.started)

    def finish(self) -> str:
        seconds = self.clock() - self.started
        rate = self.done / seconds if seconds > 0 else 0.0
        return f"{self.label} done: {self.done:,} rows in {seconds:,.1f} s ({rate:,.0f} rows/s)"


class ProgressRegistry:
    """One meter per UDF name, shared by every DuckDB thread calling it (thread-safe)."""

    def __init__(self, emit: Callable[[str], None], clock: Callable[[], float] = time.monotonic):
        self._emit, self._clock = emit, clock
        self._meters: dict[str, ProgressMeter] = {}
        self._lock = threading.Lock()

    def start(self, udf: str, model: str, total: int | None, interval: float) -> str:
        """A model is about to call ``udf`` on about ``total`` rows: start counting afresh."""
        meter = ProgressMeter(f"{model}: {udf}", total if total and total > 0 else None, float(interval), self._clock)
        with self._lock:
            self._meters[udf] = meter
        message = f"{meter.label} starting on {total:,} rows" if total is not None else f"{meter.label} starting"
        self._emit(message)
        return message

    def advance(self, udf: str, rows: int) -> None:
        with self._lock:
            meter = self._meters.get(udf)
            if meter is None:
                # Called outside a model with a progress pre-hook (a test, an ad hoc query): no
                # interval reached it (var progress_interval_seconds goes to models only), so count
                # without reporting.
                meter = self._meters[udf] = ProgressMeter(udf, None, math.inf, self._clock)
            message = meter.advance(rows)
            # Emitted under the lock: lines leave in the order their counts were taken, so the
            # last line of a model is the one at its total, whichever thread wrote it.
            if message:
                self._emit(message)

    def finish(self, udf: str) -> str:
        with self._lock:
            meter = self._meters.pop(udf, None)
        message = meter.finish() if meter else f"{udf}: no rows"
        self._emit(message)
        return message
