"""Shared fixtures: real source files from this interpreter, and dbt runs in a scratch project."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# No per-example deadline: on a loaded 2-core machine an example takes longer than hypothesis's
# 200 ms default for reasons that have nothing to do with the code under test.
settings.register_profile("winnow", deadline=None)
settings.load_profile("winnow")

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STDLIB = Path(sysconfig.get_paths()["stdlib"])
DBT = Path(sys.executable).parent / "dbt"
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/data")
# Near dedup's models, signatures to clusters: what the near-dedup quality gate and benchmarks re-run.
NEAR_DEDUP_MODELS = (
    "int_minhash_signatures_cache",
    "int_files_minhashed",
    "int_near_dup_candidates",
    "int_near_dup_edges",
    "int_near_dup_components",
    "int_near_dup_clusters",
)


def stdlib_files(package: str, limit: int | None = None) -> list[Path]:
    """Sorted .py files of one standard-library package (real code every machine has)."""
    files = sorted((STDLIB / package).rglob("*.py"))
    return files[:limit] if limit else files


@dataclass
class DbtProject:
    """A scratch copy of the dbt project with its own DuckDB file and corpus_sources seed."""

    root: Path

    def write_sources(self, rows: list[dict]) -> None:
        columns = (
            "source_name",
            "parquet_glob",
            "flavour",
            "weight",
            "epochs",
            "tier",
            "default_license",
            "blob_store",
        )
        lines = [",".join(columns)] + [
            ",".join(str(row.get(k, "") if row.get(k) is not None else "") for k in columns) for row in rows
        ]
        (self.root / "seeds" / "corpus_sources.csv").write_text("\n".join(lines) + "\n")

    def environment(self) -> dict[str, str]:
        """The env vars that point profiles.yml at this project's DuckDB file and temp directory.

        Relative to the project root, where every dbt command runs: the rendered profile is then
        the same in every scratch project, so dbt's partial-parse state carries over."""
        return {
            "WINNOW_DB": "winnow.duckdb",
            "WINNOW_TEMP_DIR": "tmp",
            "WINNOW_THREADS": "2",
            "WINNOW_MEMORY_LIMIT": "2GB",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    def dbt(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        environment = {**os.environ, **self.environment(), **(env or {})}
        return subprocess.run(
            [str(DBT), *args, "--profiles-dir", str(self.root), "--project-dir", str(self.root)],
            cwd=self.root,
            env=environment,
            capture_output=True,
            text=True,
        )

    def model_statuses(self) -> dict[str, str]:
        """Each model of the last dbt command and how it ended: REUSED for a memoized table whose
        inputs had not changed (macros/memoized_table.sql), OK (or INSERT n) for one that ran."""
        results = json.loads((self.root / "target" / "run_results.json").read_text())["results"]
        return {
            r["unique_id"].split(".")[-1]: r["adapter_response"].get("_message")
            for r in results
            if r["unique_id"].startswith("model.")
        }

    def memoized_models(self) -> set[str]:
        manifest = json.loads((self.root / "target" / "manifest.json").read_text())
        return {
            node["name"]
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"]["materialized"] == "memoized_table"
        }

    def exported_files(self) -> dict[str, str]:
        """The SHA-256 of every file under out/ (but the export's lock), by path under out/."""
        out = self.root / "out"
        return {
            path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(out.rglob("*"))
            if path.is_file() and path.name != ".winnow.lock"
        }

    def query(self, sql: str, parameters: list | None = None) -> list[tuple]:
        import duckdb

        with duckdb.connect(str(self.root / "winnow.duckdb"), read_only=True) as con:
            return con.execute(sql, parameters).fetchall()


class PeriodicSampler:
    """Calls ``sample()`` every ``interval`` seconds in a background thread while used as a
    context manager, until the block ends or ``sample()`` returns False."""

    interval = 0.05

    def __init__(self):
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> bool | None:
        raise NotImplementedError

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.sample() is False:
                return
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


class DirectoryPeak(PeriodicSampler):
    """Samples a directory's total file size in a background thread and keeps the maximum, and the
    number of distinct files seen: a spill shorter than the interval still leaves a file name."""

    # DuckDB removes a spill file as soon as its partition is read back: sample often.
    interval = 0.005

    def __init__(self, directory: Path):
        super().__init__()
        self.directory, self.peak_bytes, self.files_seen = directory, 0, set()

    def sample(self) -> None:
        size = 0
        for root, _, names in os.walk(self.directory):
            for name in names:
                try:
                    size += os.stat(os.path.join(root, name)).st_size
                except FileNotFoundError:  # removed while being listed
                    continue
                self.files_seen.add(os.path.join(root, name))
        self.peak_bytes = max(self.peak_bytes, size)


def _copy_project(directory: Path) -> DbtProject:
    directory.mkdir(parents=True, exist_ok=True)
    for name in PROJECT_FILES:
        source = PROJECT_ROOT / name
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, target)
    return DbtProject(directory)


@functools.lru_cache(maxsize=1)
def _parsed_state() -> Path | None:
    """dbt's partial-parse state of a pristine copy of the project, parsed once per process.

    A scratch project starts from it, so its first dbt command re-parses only the files it
    changed (dbt compares checksums, and vars) instead of all of them: about 4 s of each of the
    suite's ~30 scratch projects. None when the parse fails: projects then parse in full."""
    project = _copy_project(Path(tempfile.mkdtemp(prefix="winnow-parsed-")) / "project")
    state = project.root / "target" / "partial_parse.msgpack"
    return state if project.dbt("parse").returncode == 0 and state.exists() else None


def make_dbt_project(directory: Path) -> DbtProject:
    project = _copy_project(directory)
    state = _parsed_state()
    if state is not None:
        (project.root / "target").mkdir(exist_ok=True)
        shutil.copy(state, project.root / "target" / state.name)
    return project


@pytest.fixture
def dbt_project(tmp_path: Path) -> DbtProject:
    return make_dbt_project(tmp_path / "project")


def warnings_other_than_an_empty_validation_split(stdout: str) -> list[str]:
    """Warn-level tests that fired, except the one a small corpus may fire: a corpus of one
    repository has no validation split, and a validation split of small documents can fill no
    window of seq_len tokens."""
    return [
        line
        for line in stdout.splitlines()
        if re.search(r"\d+ of \d+ WARN \d+ ", line) and "warn_validation_split_is_empty" not in line
    ]
