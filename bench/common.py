"""Helpers shared by the benchmarks: timing a command with the peak RSS of its largest process;
sampling a dbt process tree's RSS and putting it on the nodes that ran."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from tests.conftest import PeriodicSampler

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


class RssTimeline(PeriodicSampler):
    """Samples the resident set size (VmRSS) of a process and all its descendants every 0.1 s in a
    background thread, as (unix time, MB) pairs, so a peak can be put on the dbt nodes running at
    that moment; keeps the root process's kernel high-water mark (VmHWM), which no sampling gap can
    miss (a tree has none: a child's peak is only what the samples saw)."""

    interval = 0.1

    def __init__(self, pid: int):
        super().__init__()
        self.pid, self.samples, self.peak_mb = pid, [], 0.0

    @staticmethod
    def _status(pid: int) -> dict[str, str]:
        text = Path(f"/proc/{pid}/status").read_text()
        return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)

    @staticmethod
    def _descendants(pid: int) -> list[int]:
        found, pending = [], [pid]
        while pending:
            parent = pending.pop()
            for task in Path(f"/proc/{parent}/task").glob("*"):
                try:
                    children = [int(c) for c in (task / "children").read_text().split()]
                except OSError:
                    continue
                found += children
                pending += children
        return found

    def sample(self) -> bool:
        try:
            root = self._status(self.pid)
            rss_kb, peak_kb = int(root["VmRSS"].split()[0]), int(root["VmHWM"].split()[0])
        except (OSError, KeyError, ValueError):
            return False  # the process has exited
        for child in self._descendants(self.pid):
            try:
                rss_kb += int(self._status(child)["VmRSS"].split()[0])
            except (OSError, KeyError, ValueError):
                continue  # exited between the listing and the read
        self.samples.append((time.time(), rss_kb / 1024))
        self.peak_mb = max(self.peak_mb, peak_kb / 1024, rss_kb / 1024)
        return True


def dbt_build_sampled(dbt: str, project_root: Path, env: dict) -> tuple[subprocess.Popen, str, RssTimeline]:
    """``dbt build`` of the project at ``project_root``, sampling its process tree's RSS:
    (the finished process, its output, the RSS timeline)."""
    process = subprocess.Popen(
        [dbt, "build", "--profiles-dir", str(project_root), "--project-dir", str(project_root)],
        cwd=project_root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    with RssTimeline(process.pid) as rss:
        output, _ = process.communicate()
    return process, output, rss


def node_intervals(run_results: Path) -> list[tuple[str, float, float]]:
    """(unique_id, unix start, unix end) of every dbt node's execution in run_results.json."""
    intervals = []
    for result in json.loads(run_results.read_text())["results"]:
        for timing in result["timing"]:
            if timing["name"] == "execute" and timing["started_at"] and timing["completed_at"]:
                intervals.append(
                    (
                        result["unique_id"],
                        datetime.fromisoformat(timing["started_at"].replace("Z", "+00:00")).timestamp(),
                        datetime.fromisoformat(timing["completed_at"].replace("Z", "+00:00")).timestamp(),
                    )
                )
    return intervals
