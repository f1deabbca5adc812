"""Benchmark: the fixed costs of a `make run` with nothing changed, against a reference commit.

    flock /tmp/winnow-bench.lock .venv/bin/python bench/fixed_costs.py --reference e342475 [--runs 2]

Both projects build the default corpus (data/raw, which `make run` ingests) into a database of
their own: the reference is `git archive` of `--reference` under data/bench/fixed_costs/, with
data/raw linked and a copy of data/winnow.duckdb. Each runs the commands `make -n run` prints
(dbt build, dbt docs generate, winnow report) once to warm up (what a previous `make run` left),
then `--runs` times, alternating, each command timed. From dbt's logs/dbt.log and
run_results.json: the build's start-up (process start to its first node: imports, parse, the
connection with its UDFs, on-run-start), the nodes' wall time, the exit; per-node seconds of
models and tests, and the tests whose recorded result was reused. Separately, once: importing
dbt, importing the UDF plugin and registering its functions on a connection.

The machine should be otherwise idle: it measures wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from datetime import datetime
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run_commands(project: Path) -> list[str]:
    """The dbt and winnow commands of `make run` in `project`, as make would run them."""
    printed = subprocess.run(
        ["make", "-n", "run", f"VENV={BIN.parent}"], cwd=project, capture_output=True, text=True, check=True
    ).stdout
    return [line for line in printed.splitlines() if re.search(r"/(dbt|winnow) ", line) and " ingest " not in line]


def reference_project(rev: str, work: Path) -> Path:
    """`git archive` of `rev` with its own database (a copy of data/winnow.duckdb) and data/raw linked."""
    project = work / "reference"
    if not (project / "dbt_project.yml").exists():
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(project, filter="data")
        (project / "data").mkdir()
        (project / "data" / "raw").symlink_to(ROOT / "data" / "raw")
        shutil.copy(ROOT / "data" / "winnow.duckdb", project / "data" / "winnow.duckdb")
    return project


def _utc(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def build_breakdown(project: Path, started: float, ended: float) -> dict:
    """Where a dbt build's wall time went, from its run_results.json and logs/dbt.log."""
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    spans = []
    seconds = {"model": 0.0, "test": 0.0, "other": 0.0}
    tests = reused = 0
    for result in results:
        kind = result["unique_id"].split(".")[0]
        seconds[kind if kind in seconds else "other"] += result["execution_time"]
        if kind == "test":
            tests += 1
            reused += (result.get("adapter_response") or {}).get("code") == "REUSED"
        if result["timing"]:
            spans.append((_utc(result["timing"][0]["started_at"]), _utc(result["timing"][-1]["completed_at"])))
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    log = (project / "logs" / "dbt.log").read_text(errors="replace")
    last_invocation = log[log.rfind("Running with dbt=") - 40 :]
    day = datetime.utcfromtimestamp(started).strftime("%Y-%m-%d")

    def logged(pattern: str) -> float | None:
        match = re.search(r"(\d\d:\d\d:\d\d\.\d+) \[\w+ *\] \[MainThread\]: " + pattern, last_invocation)
        return _utc(f"{day}T{match.group(1)}+00:00") if match else None

    running, found, concurrency = logged("Running with dbt="), logged("Found "), logged("Concurrency:")
    return {
        "wall": round(ended - started, 2),
        "to_first_node": round(first - started, 2),
        "imports": round(running - started, 2) if running else None,
        "parse": round(found - running, 2) if running and found else None,
        "connection_and_on_run_start": round(first - concurrency, 2) if concurrency else None,
        "nodes": round(last - first, 2),
        "after_last_node": round(ended - last, 2),
        "model_seconds": round(seconds["model"], 2),
        "test_seconds": round(seconds["test"], 2),
        "tests": tests,
        "tests_reused": reused,
    }


def timed_run(project: Path, env: dict) -> dict:
    """Each command of `make run`, timed; the build's breakdown."""
    timings = {}
    for command in run_commands(project):
        started = time.time()
        result = subprocess.run(["bash", "-c", command], cwd=project, env=env, capture_output=True, text=True)
        ended = time.time()
        if result.returncode != 0:
            raise SystemExit(f"{command} failed in {project}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        program, subcommand = command.split()[:2]
        name = f"{Path(program).name} {subcommand}"
        timings[name] = round(ended - started, 2)
        if name == "dbt build":
            timings["build"] = build_breakdown(project, started, ended)
    timings["total"] = round(sum(v for v in timings.values() if isinstance(v, float)), 2)
    return timings


def start_up_parts(env: dict) -> dict:
    """Seconds to import dbt's CLI, to import the UDF plugin, to register the UDFs on a connection."""
    script = (
        "import time; t0 = time.perf_counter(); import dbt.cli.main; t1 = time.perf_counter(); "
        "import duckdb; from python_udfs.engine import plugin; t2 = time.perf_counter(); "
        "con = duckdb.connect(); t3 = time.perf_counter(); plugin.register_udfs(con); t4 = time.perf_counter(); "
        "print(round(t1 - t0, 2), round(t2 - t1, 2), round(t4 - t3, 3))"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    dbt, plugin, register = out.stdout.split()
    return {"import_dbt_cli": float(dbt), "import_udf_plugin": float(plugin), "register_udfs": float(register)}


def median_of(runs: list[dict]) -> dict:
    def med(values):
        return round(statistics.median(values), 2) if all(v is not None for v in values) else None

    merged = {key: med([r[key] for r in runs]) for key in runs[0] if key != "build"}
    merged["build"] = {key: med([r["build"][key] for r in runs]) for key in runs[0]["build"]}
    return merged


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reference", required=True, help="git revision to compare with")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "fixed_costs")
    args = parser.parse_args()
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env.pop("WINNOW_DB", None)
    projects = {"reference": reference_project(args.reference, args.work.resolve()), "current": ROOT}
    for project in projects.values():
        timed_run(project, {**env, "DBT_PROFILES_DIR": str(project)})  # warm-up: what the last make run left
    runs = {name: [] for name in projects}
    for _ in range(args.runs):
        for name, project in projects.items():
            runs[name].append(timed_run(project, {**env, "DBT_PROFILES_DIR": str(project)}))
            print(json.dumps({name: runs[name][-1]}), file=sys.stderr, flush=True)
    report = {
        "reference": args.reference,
        "commands": {name: run_commands(project) for name, project in projects.items()},
        "start_up_parts": start_up_parts(env),
        "median": {name: median_of(r) for name, r in runs.items()},
        "runs": runs,
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
