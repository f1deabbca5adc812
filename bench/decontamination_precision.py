"""Benchmark: precision and recall of the decontamination rule of the revision in the current
directory, on a labelled corpus (tests/dbt/decontamination_eval.py) of HumanEval pastes that
must be dropped and files that must be kept.

    cd <revision to judge> && .venv/bin/python /path/to/bench/decontamination_precision.py [--work DIR]

The corpus comes from this file's checkout; the dbt project (dbt_project.yml, profiles.yml and
the folders it names) and the Python UDFs come from the current directory, so the same harness
judges an old and a new rule. It builds `+fct_drop_ledger +fct_curated_files` (so the ledger invariant is tested too) on the corpus in a scratch copy and
prints precision, recall, a table per variant and every wrong decision with its ledger detail.
Exits 1 if the build fails.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import yaml

HARNESS_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HARNESS_ROOT))

from tests.dbt.decontamination_eval import EVAL_VARS, evaluate, write_eval_corpus  # noqa: E402

SOURCE = "decontamination_eval"
PATH_KEYS = ("model-paths", "macro-paths", "seed-paths", "test-paths", "analysis-paths", "snapshot-paths")


def copy_project(revision: Path, directory: Path) -> None:
    """dbt_project.yml, profiles.yml and every folder dbt_project.yml names, from ``revision``."""
    directory.mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(revision / name, directory / name)
    config = yaml.safe_load((revision / "dbt_project.yml").read_text())
    for key in PATH_KEYS:
        for folder in config.get(key, []):
            if (revision / folder).is_dir():
                (directory / folder).parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(revision / folder, directory / folder, ignore=shutil.ignore_patterns("__pycache__"))


def write_sources(project: Path, corpus: Path) -> None:
    """The corpus as the only source, in whatever columns this revision's seed has."""
    seed = project / "seeds" / "corpus_sources.csv"
    with seed.open() as handle:
        header = next(csv.reader(handle))
    values = {"source_name": SOURCE, "parquet_glob": f"{corpus}/*.parquet", "flavour": "the_stack", "tier": "1"}
    with seed.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerow([values.get(column, "") for column in header])


def build(revision: Path, project: Path) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        # The plugin and kernels of the judged revision, ahead of whatever the venv installed.
        "PYTHONPATH": os.pathsep.join([str(revision), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        "WINNOW_DB": "winnow.duckdb",
        "WINNOW_TEMP_DIR": "tmp",
        "WINNOW_THREADS": "2",
        "WINNOW_MEMORY_LIMIT": "2GB",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [
            str(dbt),
            "build",
            "--select",
            "+fct_drop_ledger",
            "+fct_curated_files",
            "--indirect-selection",
            "cautious",
            "--vars",
            EVAL_VARS,
            "--profiles-dir",
            ".",
            "--project-dir",
            ".",
        ],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, help="scratch directory (default: a temporary one, removed after)")
    args = parser.parse_args(argv)
    revision = Path.cwd()
    if not (revision / "dbt_project.yml").exists():
        raise SystemExit(f"{revision} has no dbt_project.yml: run this from the root of the revision to judge.")
    work = args.work or Path(tempfile.mkdtemp(prefix="winnow-decont-eval-"))
    if args.work and work.exists():
        shutil.rmtree(work)
    succeeded = False
    try:
        cases = write_eval_corpus(work / "corpus")
        project = work / "project"
        copy_project(revision, project)
        write_sources(project, work / "corpus")
        start = time.perf_counter()
        result = build(revision, project)
        seconds = time.perf_counter() - start
        if result.returncode != 0:
            print(result.stdout[-6000:], result.stderr[-3000:], sep="\n", file=sys.stderr)
            print(f"dbt build failed (exit {result.returncode}); project kept in {project}", file=sys.stderr)
            return 1
        with duckdb.connect(str(project / "winnow.duckdb"), read_only=True) as con:
            ledger = con.execute(
                "select repo, path, stage, detail from fct_drop_ledger where source = ?", [SOURCE]
            ).fetchall()
        print(f"revision {revision}  ({len(cases)} cases, dbt build {seconds:.0f} s)\n")
        print(evaluate(cases, ledger).report())
        succeeded = True
        return 0
    finally:
        if args.work is None and succeeded:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
