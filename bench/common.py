"""Helpers shared by the benchmarks: timing a command with the peak RSS of its largest process."""

from __future__ import annotations

import subprocess
import sys
import time

# Runs a command and reports the peak RSS of the largest process it ran (workers included), on
# its own: the benchmark's own RUSAGE_CHILDREN would mix the two pipelines.
_PEAK_RSS_LAUNCHER = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print('peak_rss_kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(r.returncode)"
)


def timed(command: list[str], **kwargs) -> tuple[float, float, subprocess.CompletedProcess]:
    """(seconds, peak RSS in MB of the largest process it ran, result)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS_LAUNCHER, *command], capture_output=True, text=True, **kwargs
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{command[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    peak_kb = int(result.stderr.strip().splitlines()[-1].split()[-1])
    return seconds, peak_kb / 1024, result
