"""Benchmark: the whole project (raw files to shards) built on DuckDB, on Spark local[2] and through
spark-submit on local-cluster[2,1,1024] (two executor JVMs, the code shipped with --py-files, as
on a real cluster).

    flock /tmp/winnow-bench.lock .venv/bin/python bench/spark.py [--modules email json ...]

Input: the given standard-library packages, ingested into a scratch project (real code). Each
engine runs `dbt build` (seeds, models, data tests) from nothing, in its own scratch copy of the
project, and exports into its own out/. Prints JSON: wall seconds, the peak RSS of the largest
process of each (for Spark: the driver JVM, an executor or a Python worker), and whether its
shards and tokenizer.json differ from DuckDB's (manifests compared key by key, but for `build`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import timed  # noqa: E402
from tests.conftest import make_dbt_project  # noqa: E402
from tests.dbt.fixtures import write_winnow_corpus  # noqa: E402

BIN = Path(sys.executable).parent


def differences(got: dict[str, object], expected: dict[str, object]) -> list[str]:
    """The paths that differ (for a manifest: path#key of each top-level key that differs)."""
    found = sorted(set(got) ^ set(expected))
    for path in sorted(set(got) & set(expected)):
        if got[path] != expected[path]:
            if isinstance(got[path], dict) and isinstance(expected[path], dict):
                keys = set(got[path]) | set(expected[path])
                found += [f"{path}#{key}" for key in sorted(keys) if got[path].get(key) != expected[path].get(key)]
            else:
                found.append(path)
    return found


def outputs(out: Path) -> dict[str, object]:
    """Every file under out/ by path: bytes, or a manifest without its `build` field."""
    files: dict[str, object] = {}
    for path in sorted(out.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        if path.name == "manifest.json":
            files[path.relative_to(out).as_posix()] = {**json.loads(path.read_text()), "build": None}
        else:
            files[path.relative_to(out).as_posix()] = path.read_bytes()
    return files


def scratch_project(base: Path, name: str, raw: Path):
    project = make_dbt_project(base / name)
    project.write_sources(
        [{"source_name": "stdlib", "parquet_glob": f"{raw}/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    return project


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--modules", nargs="+", default=["email", "json", "asyncio", "unittest", "xml", "http", "logging"]
    )
    parser.add_argument("--skip-submit", action="store_true", help="leave out the spark-submit local-cluster run")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="winnow-bench-spark-"))
    raw = write_winnow_corpus(base / "raw", args.modules, [])
    results: dict[str, dict] = {}
    try:
        project = scratch_project(base, "duckdb", raw)
        env = {**os.environ, **project.environment()}
        seconds, rss, _ = timed(
            [
                str(BIN / "dbt"),
                "build",
                "--profiles-dir",
                str(project.root),
                "--project-dir",
                str(project.root),
            ],
            cwd=project.root,
            env=env,
        )
        results["duckdb"] = {"seconds": round(seconds, 1), "peak_rss_mb": round(rss)}
        reference = outputs(project.root / "out")
        results["duckdb"]["output_files"] = len(reference)
        print(json.dumps(results), file=sys.stderr, flush=True)

        project = scratch_project(base, "spark_local", raw)
        env = {
            **os.environ,
            **project.environment(),
            "DBT_PROFILES_DIR": str(project.root),
            "WINNOW_SPARK_DIR": str(base / "spark_local_work"),
        }
        seconds, rss, _ = timed([str(BIN / "winnow"), "spark", "build"], cwd=project.root, env=env)
        results["spark_local[2]"] = {
            "seconds": round(seconds, 1),
            "peak_rss_mb": round(rss),
            "outputs_differing_from_duckdb": differences(outputs(project.root / "out"), reference),
        }
        print(json.dumps(results), file=sys.stderr, flush=True)

        if not args.skip_submit:
            project = scratch_project(base, "spark_submit", raw)
            code = base / "winnow.zip"
            with zipfile.ZipFile(code, "w") as archive:
                for path in sorted((ROOT / "python_udfs").rglob("*.py")):
                    archive.write(path, path.relative_to(ROOT).as_posix())
            env = {
                **{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
                **project.environment(),
                "DBT_PROFILES_DIR": str(project.root),
                "WINNOW_SPARK_DIR": str(base / "spark_submit_work"),
                "PYSPARK_PYTHON": sys.executable,
                "PYSPARK_DRIVER_PYTHON": sys.executable,
                "SPARK_LOCAL_IP": "127.0.0.1",
            }
            command = [
                str(BIN / "spark-submit"),
                "--master",
                "local-cluster[2,1,1024]",
                "--driver-memory",
                "1g",
                "--py-files",
                str(code),
                str(ROOT / "python_udfs" / "cli" / "spark.py"),
                "build",
            ]
            seconds, rss, _ = timed(command, cwd=project.root, env=env)
            results["spark_submit_local-cluster[2,1,1024]"] = {
                "seconds": round(seconds, 1),
                "peak_rss_mb": round(rss),
                "command": " ".join(command[:7]) + " python_udfs/cli/spark.py build",
                "outputs_differing_from_duckdb": differences(outputs(project.root / "out"), reference),
            }
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(json.dumps({"modules": args.modules, "results": results}, indent=2))


if __name__ == "__main__":
    main()
