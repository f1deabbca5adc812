"""Software Heritage graph exports and The Stack v2 metadata, end to end on real repositories.

Git repositories are built from the real versions of packages this interpreter holds (one commit
per version) and exported to the graph dataset's tables with git's own ids (tests/dbt/swh_export.py):
the traversal of each origin's latest full snapshot must equal `git ls-tree -r` of the branch head,
file by file. A second export of the same repositories is broken (a blob missing from the store, a
dangling directory entry, a cycle) and a Stack v2 metadata table reads a Parquet blob store with one
blob missing; one build curates all three, and every problem is a ledger row, counted in
rpt_swh_traversal, while the data tests reconcile every row."""

from __future__ import annotations

import shutil
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import make_dbt_project
from tests.dbt.swh_export import (
    broken_export,
    build_export,
    ls_tree_files,
    real_package_versions,
    stack_v2_rows,
    write_export,
)

pytestmark = pytest.mark.dbt

SELECTION = ["+fct_curated_files", "+fct_drop_ledger", "+fct_funnel", "rpt_swh_traversal"]
# The repositories hold no license files: the source declares one (as a user does for a corpus
# whose license is known from elsewhere).
DECLARED_LICENSE = "MIT"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if len(real_package_versions()) < 3:
        pytest.skip("fewer than three packages with two versions on this interpreter")
    root = tmp_path_factory.mktemp("swh")
    export = build_export(root / "work")
    project = make_dbt_project(root / "project")
    data = project.root / "data"
    write_export(export, data / "swh" / "export", data / "swh" / "blobs")
    bad, missing_blob = broken_export(export)
    write_export(bad, data / "swh_bad" / "export", data / "swh_bad" / "blobs")

    stack_rows = stack_v2_rows(export, DECLARED_LICENSE)
    (data / "stack_v2" / "blobs").mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(stack_rows), data / "stack_v2" / "files.parquet")
    stack_missing = stack_rows[-1]["blob_id"]
    store = sorted({row["blob_id"] for row in stack_rows} - {stack_missing})
    pq.write_table(
        pa.table({"blob_id": store, "content": [export.blobs[b] for b in store]}),
        data / "stack_v2" / "blobs" / "part-0.parquet",
    )

    common = {"weight": 1, "tier": 1, "default_license": DECLARED_LICENSE}
    project.write_sources(
        [
            {
                "source_name": "swh",
                "parquet_glob": f"{data}/swh/export",
                "flavour": "swh",
                "blob_store": f"{data}/swh/blobs",
                **common,
            },
            {
                "source_name": "swh_bad",
                "parquet_glob": f"{data}/swh_bad/export",
                "flavour": "swh",
                "blob_store": f"{data}/swh_bad/blobs",
                **common,
            },
            {
                "source_name": "stack_v2",
                "parquet_glob": f"{data}/stack_v2/files.parquet",
                "flavour": "the_stack_v2",
                "blob_store": f"{data}/stack_v2/blobs",
                **common,
            },
        ]
    )
    (project.root / "seeds" / "mixtures.csv").write_text(
        "mixture,source,weight,epochs,temperature,total_tokens,fim_rate,fim_spm_rate\ncode,swh,1,,,,0,0\n"
    )
    result = project.dbt("build", "--select", *SELECTION, "--indirect-selection", "cautious")
    assert result.returncode == 0, result.stdout[-5000:]
    return project, export, bad, missing_blob, stack_rows, stack_missing


def _traversal(project, source):
    rows = project.query(
        """
        select heads.origin_url, heads.branch_name, heads.revision_id, files.path, files.sha1_git, files.problem
        from stg_swh__origin_heads as heads
        inner join stg_swh__directory_files as files using (source, root_directory_id)
        where source = ?
        """,
        [source],
    )
    by_origin: dict[str, dict] = {}
    for url, branch, revision, path, sha1_git, problem in rows:
        origin = by_origin.setdefault(url, {"branch": branch, "revision": revision, "files": {}, "problems": []})
        if problem is None:
            origin["files"][path] = sha1_git
        else:
            origin["problems"].append((path, problem))
    return by_origin


def test_traversal_equals_git_ls_tree_of_each_latest_full_head(built):
    project, export, *_ = built
    traversed = _traversal(project, "swh")
    assert set(traversed) == set(export.expected_heads)
    for url, (repo, commit, branch) in export.expected_heads.items():
        origin = traversed[url]
        # The latest full visit's head, not the later partial visit's (which points at the first commit).
        assert (origin["branch"], origin["revision"]) == (branch, commit), url
        expected = ls_tree_files(repo, commit)
        assert origin["files"] == expected, url
        assert origin["problems"] == []
        assert len(expected) > 5


def test_staged_text_is_the_blob_and_every_file_is_curated_or_in_the_ledger(built):
    project, export, *_ = built
    staged = project.query("select source_file, path, content, source_problem from stg_swh__files where source = 'swh'")
    heads = {url: ls_tree_files(repo, commit) for url, (repo, commit, _) in export.expected_heads.items()}
    assert len(staged) == sum(len(files) for files in heads.values())
    for origin_url, path, content, problem in staged:
        assert problem is None
        assert content == export.blobs[heads[origin_url][path]].decode(), (origin_url, path)
    curated = project.query("select count(*) from fct_curated_files where source = 'swh'")[0][0]
    ledger = dict(project.query("select rule, count(*) from fct_drop_ledger where source = 'swh' group by rule"))
    assert curated > 0
    assert curated + sum(ledger.values()) == len(staged)
    # A sound export leaves nothing for the export's own rules: its drops are the pipeline's.
    assert not {"missing_blob", "dangling_directory_entry", "directory_cycle"} & set(ledger)


def test_bad_export_problems_are_counted_ledger_rows_not_errors(built):
    project, export, _bad, missing_blob, *_ = built
    ledger = Counter(
        dict(
            project.query(
                "select rule, count(*) from fct_drop_ledger where source = 'swh_bad' and stage = 'staging' group by rule"
            )
        )
    )
    reaching_missing = sum(
        missing_blob in ls_tree_files(repo, commit).values() for repo, commit, _ in export.expected_heads.values()
    )
    assert ledger["missing_blob"] == reaching_missing >= 1
    assert ledger["dangling_directory_entry"] == 1
    assert ledger["directory_cycle"] == 1
    report = project.query(
        "select missing_blobs, dangling_directory_entries, directory_cycles, origins, origins_with_root_directory "
        "from rpt_swh_traversal where source = 'swh_bad'"
    )
    assert report == [(reaching_missing, 1, 1, len(export.expected_heads), len(export.expected_heads))]
    # Everything else the broken export holds was still walked: the cycle's entry is not entered,
    # every real file is there.
    traversed = _traversal(project, "swh_bad")
    for url, (repo, commit, _) in export.expected_heads.items():
        assert traversed[url]["files"] == ls_tree_files(repo, commit)


def test_stack_v2_metadata_reads_its_parquet_blob_store(built):
    project, export, _bad, _missing, stack_rows, stack_missing = built
    staged = project.query(
        "select path, repo, licenses, declared_language, content, source_problem from stg_the_stack_v2__files"
    )
    assert len(staged) == len(stack_rows)
    problems = [row for row in staged if row[5] is not None]
    assert [(path, problem) for path, *_, problem in problems] == [(stack_rows[-1]["path"], "missing_blob")]
    by_path = {(row[1], row[0]): row for row in staged}
    for meta in stack_rows:
        _path, _repo, licenses, language, content, _problem = by_path[(meta["repo_name"], meta["path"])]
        assert licenses == [DECLARED_LICENSE]
        assert language == ("python" if meta["language"] else None)
        if meta["blob_id"] != stack_missing:
            assert content == export.blobs[meta["blob_id"]].decode()
    ledger = project.query("select rule from fct_drop_ledger where source = 'stack_v2' and stage = 'staging'")
    assert ("missing_blob",) in ledger


def test_an_export_without_a_table_or_blob_store_stops_with_a_message(built, tmp_path):
    project, *_ = built
    broken = project.root / "data" / "swh_broken"
    shutil.copytree(project.root / "data" / "swh" / "export", broken)
    shutil.rmtree(broken / "directory_entry")
    for row, expected in [
        ({"parquet_glob": "data/swh_broken", "blob_store": "data/swh/blobs"}, "no table 'directory_entry'"),
        ({"parquet_glob": "data/swh/export", "blob_store": ""}, "blob_store is empty"),
    ]:
        project.write_sources([{"source_name": "swh_broken", "flavour": "swh", "tier": 1, **row}])
        result = project.dbt("build", "--select", "corpus_sources", "stg_swh__origin_heads")
        assert result.returncode != 0
        assert "corpus source 'swh_broken'" in result.stdout and expected in result.stdout, result.stdout[-3000:]
