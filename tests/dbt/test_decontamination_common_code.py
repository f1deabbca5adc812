"""Common code is not evidence: the neighbour loop of HumanEval/129 (a grid walk found in many
repositories) written in three real repositories makes its n-grams common. A file that holds
that loop and most of the rest of the task's body, but not all of it, is then kept for review
(kept_common_ngrams) instead of dropped; a file with the whole body is still dropped. Counted as
evidence (a repository threshold no corpus reaches), both are dropped."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import STDLIB, make_dbt_project
from tests.dbt.decontamination_eval import humaneval_task, pasted_into

pytestmark = pytest.mark.dbt

TASK = "HumanEval/129"
# The neighbour loop is longer than decontamination_long_run_tokens: on its own it would be a long
# run. These tests are about shares, so runs are set aside. A body cut short does not parse: the
# syntax rule, another stage's question, is off so that it reaches decontamination.
RUNS_SET_ASIDE = "{decontamination_long_run_tokens: 100000, drop_python_syntax_errors: false}"
HOSTS = ["colorsys.py", "heapq.py", "bisect.py", "textwrap.py", "glob.py"]


def grid_walk(body: str, name: str) -> str:
    """The task's body lines as a function of a grid and a step count, as another project writes it."""
    return f"def {name}(grid, k):\n{body}\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("decontamination_common_code")
    lines = humaneval_task(TASK)["canonical_solution"].splitlines()
    # The neighbour loop: from `for i in range(n):` to the last append, without the task's own
    # start (n, val) and end (the minimum and the answer list).
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("for i in range(n)"))
    end = max(i for i, line in enumerate(lines) if "temp.append" in line) + 1
    neighbour_loop = "\n".join(["    n = len(grid)", *lines[start:end], "    return temp"])
    rows = {
        (f"acme/grid-tools-{i}", host): pasted_into(
            (STDLIB / host).read_text(), grid_walk(neighbour_loop, "neighbours")
        )
        for i, host in enumerate(HOSTS[:3])
    }
    rows[("umbrella/paths", HOSTS[3])] = pasted_into(
        (STDLIB / HOSTS[3]).read_text(), grid_walk("\n".join(lines), "shortest_path_values")
    )
    # Without its last two lines (the alternative append and the return).
    rows[("umbrella/walks", HOSTS[4])] = pasted_into(
        (STDLIB / HOSTS[4]).read_text(), grid_walk("\n".join(lines[:-2]), "walk_values")
    )
    (root / "raw").mkdir()
    pq.write_table(
        pa.table(
            {
                "content": list(rows.values()),
                "max_stars_repo_name": [repo for repo, _ in rows],
                "max_stars_repo_path": [path for _, path in rows],
                "max_stars_repo_licenses": [["MIT"]] * len(rows),
            }
        ),
        root / "raw" / "part-0.parquet",
    )
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "acme", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "the_stack", "tier": 1}]
    )
    result = project.dbt(
        "build",
        "--select",
        "+fct_drop_ledger",
        "+fct_curated_files",
        "rpt_decontamination",
        "rpt_decontamination_matches",
        "--indirect-selection",
        "cautious",
        "--vars",
        RUNS_SET_ASIDE,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return project


def verdicts(project) -> dict[str, str]:
    return dict(
        project.query(f"select repo, verdict from rpt_decontamination_matches where task_id = '{TASK}' order by repo")
    )


def test_most_of_the_body_among_common_code_is_kept_for_review_and_the_whole_body_dropped(project):
    assert verdicts(project) == {
        "acme/grid-tools-0": "kept_below_share",
        "acme/grid-tools-1": "kept_below_share",
        "acme/grid-tools-2": "kept_below_share",
        "umbrella/paths": "distinctive_code_share",
        "umbrella/walks": "kept_common_ngrams",
    }
    assert project.query("select path from fct_drop_ledger where stage = 'decontamination'") == [(HOSTS[3],)]
    [(kept_common,)] = project.query(
        f"select files_kept_common_ngrams from rpt_decontamination where level = 'task' and task_id = '{TASK}'"
    )
    assert kept_common == 1


def test_counted_as_evidence_the_same_body_is_dropped(project):
    result = project.dbt(
        "build",
        "--select",
        "int_decontamination_matches",
        "fct_drop_ledger",
        "rpt_decontamination_matches",
        "--indirect-selection",
        "cautious",
        "--vars",
        "{decontamination_common_ngram_repositories: 1000, decontamination_long_run_tokens: 100000,"
        " drop_python_syntax_errors: false}",
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert verdicts(project)["umbrella/walks"] == "distinctive_code_share"
    rows = project.query("select path, rule from fct_drop_ledger where stage = 'decontamination' order by path")
    assert rows == [(HOSTS[4], "benchmark_distinctive_code_share"), (HOSTS[3], "benchmark_distinctive_code_share")]
