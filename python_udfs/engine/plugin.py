"""The dbt-duckdb plugin: registers winnow's Python functions on every DuckDB connection dbt opens.

The kernels know nothing of DuckDB; this module adapts them. profiles.yml loads it with
``plugins: [{module: python_udfs.engine.plugin}]``; the functions, their types and the kernels
that implement them are listed once, in ``udfs.UDFS`` (``spark.py`` registers the same list on
Spark).
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from dbt.adapters.duckdb.plugins import BasePlugin

from . import udfs as registry
from .udfs import UDFS

# The most text an Arrow UDF is handed at once. DuckDB's vectors are 2048 rows whatever their
# size: behind a join, one vector of large files can hold hundreds of MB of text, and a UDF's
# numpy intermediates are several times its input (BENCHMARKS.md has the numbers). Slicing
# bounds a call's Python memory by this budget or by the one largest document.
UDF_SLICE_BYTES = 16 * 2**20
# Below this a vector is not split for the pool: a kernel call has a fixed cost too.
_MIN_PARALLEL_SLICE_BYTES = 2**20


def _byte_bounded_slices(column: pa.ChunkedArray | pa.Array, budget: int) -> list[tuple[int, int]]:
    """(offset, length) row slices of ``column`` (strings, or lists of strings) holding at most
    ``budget`` bytes each, or one row."""
    n = len(column)
    text_types = (pa.types.is_string, pa.types.is_large_string)
    is_text = any(t(column.type) for t in text_types)
    is_text_list = pa.types.is_list(column.type) and any(t(column.type.value_type) for t in text_types)
    if not (is_text or is_text_list) or column.nbytes <= budget:
        return [(0, n)]
    if is_text:
        sizes = pc.fill_null(pc.binary_length(column), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    else:
        column = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        value_sizes = pc.fill_null(pc.binary_length(pc.list_flatten(column)), 0).to_numpy(zero_copy_only=False)
        parents = pc.list_parent_indices(column).to_numpy(zero_copy_only=False)
        sizes = np.bincount(parents, weights=value_sizes, minlength=n).astype(np.int64)
    ends = np.cumsum(sizes)
    slices, start, consumed = [], 0, 0
    while start < n:
        # The first row past the budget closes the slice; a slice always takes at least one row.
        stop = max(int(np.searchsorted(ends, consumed + budget, side="right")), start + 1)
        slices.append((start, stop - start))
        consumed = int(ends[stop - 1])
        start = stop
    return slices


def _as_one_array(result) -> pa.Array:
    return result.combine_chunks() if isinstance(result, pa.ChunkedArray) else result


# DuckDB splits a table scan by row groups of 122,880 rows: a model over a few thousand large
# files is one row group, and one thread calls its UDF on every vector while the other cores
# idle. The kernels release the GIL in their Arrow and numpy work, so the slices of a vector run
# on one pool shared by every UDF call, of DuckDB's thread count: at most that many kernels run
# at once however DuckDB schedules its own threads, and results keep the slices' order.
# A kernel that holds the GIL for its whole call (``Udf.holds_gil``: parsing Python) gains nothing
# from threads and slows every other kernel in the process: each time one of them waits for the
# GIL after a numpy call, it waits out the holder's switch interval. Its slices run in worker
# processes instead, as many as the pool has threads, started on first use.
@dataclass
class _KernelPools:
    workers: int = 1
    threads: ThreadPoolExecutor | None = None
    processes: ProcessPoolExecutor | None = None


_POOLS = _KernelPools()
_POOLS_LOCK = threading.Lock()


def set_kernel_threads(threads: int) -> None:
    """Size the shared kernel pools (1 or less: slices run on DuckDB's calling thread)."""
    global _POOLS
    threads = max(1, threads)
    with _POOLS_LOCK:
        if threads == _POOLS.workers:
            return
        old = _POOLS
        pool = ThreadPoolExecutor(threads, thread_name_prefix="winnow-kernel") if threads > 1 else None
        _POOLS = _KernelPools(threads, pool)
    for executor in (old.threads, old.processes):
        if executor is not None:
            executor.shutdown(wait=False)


def _start_kernel_worker() -> None:
    # A syntax tree is thousands of objects without reference cycles: with the default thresholds
    # the collector runs every 700 of them and walks the inherited imports each full pass (a
    # third of the syntax kernel's time). Imports are frozen out of its reach and it runs far less often.
    gc.freeze()
    gc.set_threshold(100_000, 20, 20)


def _process_pool() -> ProcessPoolExecutor:
    """The worker processes for GIL-holding kernels. Not forked from this process: dbt's and
    DuckDB's threads may hold locks that a fork would copy held. A fork server (one process,
    started once, with the UDF registry imported) forks them instead where the platform has one."""
    with _POOLS_LOCK:
        if _POOLS.processes is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["__main__", registry.__name__])
            else:
                context = multiprocessing.get_context("spawn")
            _POOLS.processes = ProcessPoolExecutor(_POOLS.workers, mp_context=context, initializer=_start_kernel_worker)
        return _POOLS.processes


def _compact(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    # A pickled slice carries its parent's whole buffers; a concatenated copy only its own rows.
    return pa.concat_arrays(column.chunks if isinstance(column, pa.ChunkedArray) else [column])


def _call_in_process(function: Callable, columns: list[pa.Array]) -> pa.Array:
    return _as_one_array(function(*columns))


def _sliced_and_metered(name: str, function: Callable, holds_gil: bool = False) -> Callable:
    """The Arrow UDF, called on byte-bounded row slices of each vector (UDF_SLICE_BYTES of its
    first argument, and at least one slice per pool worker), counting the rows of every vector
    for its progress meter. ``holds_gil``: the slices run in the worker processes."""

    @functools.wraps(function)
    def sliced_and_metered(*columns):
        workers, pool = _POOLS.workers, _POOLS.threads
        budget = min(UDF_SLICE_BYTES, max(_MIN_PARALLEL_SLICE_BYTES, -(-columns[0].nbytes // workers)))
        slices = _byte_bounded_slices(columns[0], budget)
        if len(slices) == 1:
            result = function(*columns)
        elif holds_gil and pool is not None:
            pieces = [[_compact(c.slice(offset, length)) for c in columns] for offset, length in slices]
            try:
                parts = list(_process_pool().map(_call_in_process, [function] * len(pieces), pieces))
            except BrokenProcessPool as error:
                with _POOLS_LOCK:
                    _POOLS.processes = None  # the next call starts new workers
                raise RuntimeError(
                    f"{name}: a kernel worker process died ({error}). Out of memory: lower WINNOW_THREADS. "
                    "A script that runs dbt in its own process: call it under if __name__ == '__main__' "
                    "(docs/operations.md)"
                ) from error
            result = pa.concat_arrays(parts)
        else:

            def run(offset_length):
                offset, length = offset_length
                return _as_one_array(function(*(c.slice(offset, length) for c in columns)))

            parts = list(pool.map(run, slices)) if pool is not None else [run(piece) for piece in slices]
            result = pa.concat_arrays(parts)
        registry.PROGRESS.advance(name, len(columns[0]))
        return result

    return sliced_and_metered


def register_udfs(conn) -> None:
    """Register every function in ``UDFS`` on a DuckDB connection (idempotent), and size the
    kernel pool to the connection's threads."""
    [(threads,)] = conn.execute("select current_setting('threads')").fetchall()
    set_kernel_threads(int(threads))
    registered = {
        row[0]
        for row in conn.execute(
            "select function_name from duckdb_functions() where function_name like 'winnow_%'"
        ).fetchall()
    }
    for udf in UDFS:
        if udf.name in registered:
            continue
        conn.create_function(
            udf.name,
            _sliced_and_metered(udf.name, udf.function, udf.holds_gil)
            if udf.kind == "arrow" and udf.parameters
            else udf.function,
            list(udf.parameters),
            udf.return_type,
            type=udf.kind,
            null_handling="special",
            side_effects=udf.side_effects,
        )


def _is_local_path(path: str) -> bool:
    """A file on this machine: not in-memory and not a URL such as md:, s3:// or ducklake: (a
    scheme of two or more letters, so a Windows drive letter stays a path)."""
    return bool(path) and path != ":memory:" and re.match(r"[A-Za-z][A-Za-z0-9+.-]+:", path) is None


def create_local_directories(db_path: str, config: dict) -> None:
    """The parent directory of the DuckDB file and the temp directory: DuckDB creates neither, so a
    fresh clone (no data/) would otherwise fail its first connection with an IO error."""
    temp_directory = config.get("temp_directory") or ""
    if _is_local_path(db_path):
        os.makedirs(os.path.dirname(os.path.abspath(db_path)), exist_ok=True)
    if _is_local_path(temp_directory):
        os.makedirs(os.path.abspath(temp_directory), exist_ok=True)


class Plugin(BasePlugin):
    def update_connection_config(self, creds, config: dict) -> None:
        # Runs just before duckdb.connect, with the connection's config (temp_directory).
        create_local_directories(creds.path, config)

    def configure_connection(self, conn) -> None:
        register_udfs(conn)
