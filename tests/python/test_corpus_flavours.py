"""Source checks: every way a raw corpus can be unusable gives one clear message."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from python_udfs.kernels.corpus_flavours import check_corpus_source


def check(*args) -> dict:
    return json.loads(check_corpus_source(*args))


def write(file, **columns):
    pq.write_table(pa.table(columns), file)
    return file


def test_stack_v1_and_v2_column_names_are_both_accepted_and_coalesced(tmp_path):
    write(
        tmp_path / "v1.parquet",
        content=["x"],
        max_stars_repo_name=["a/b"],
        max_stars_repo_path=["p.py"],
        max_stars_repo_licenses=[["MIT"]],
        lang=["Python"],
    )
    write(tmp_path / "v2.parquet", content=["y"], repository_name=["c/d"], path=["q.py"], licenses=[["MIT"]])
    result = check("stack", str(tmp_path / "*.parquet"), "the_stack")
    assert result["ok"]
    assert [c["name"] for c in result["columns"]["repo"]] == ["max_stars_repo_name", "repository_name"]
    assert [c["name"] for c in result["columns"]["path"]] == ["max_stars_repo_path", "path"]
    assert all(c["is_list"] for c in result["columns"]["licenses"])


def test_codeparrot_license_string_is_not_a_list(tmp_path):
    write(tmp_path / "cp.parquet", repo_name=["a/b"], path=["p.py"], content=["x"], license=["mit"])
    result = check("cp", str(tmp_path / "cp.parquet"), "codeparrot")
    assert result["columns"]["licenses"] == [{"name": "license", "is_list": False}]


def test_wrong_column_type_names_the_column(tmp_path):
    write(tmp_path / "bad.parquet", repo_name=["a/b"], path=["p.py"], content=[123], license=["mit"])
    result = check("cp", str(tmp_path / "bad.parquet"), "codeparrot")
    assert not result["ok"]
    assert "column 'content'" in result["error"] and "int64" in result["error"]


def test_one_bad_file_among_good_ones_is_named(tmp_path):
    write(tmp_path / "a.parquet", repo_name=["a/b"], path=["p.py"], content=["x"], license=["mit"])
    (tmp_path / "b.parquet").write_bytes(b"PAR1 but truncated")
    result = check("cp", str(tmp_path / "*.parquet"), "codeparrot")
    assert "b.parquet" in result["error"] and "not a readable Parquet file" in result["error"]


def test_text_flavour_needs_only_text_and_checks_score_types(tmp_path):
    write(
        tmp_path / "web.parquet",
        text=["Some prose."],
        url=["https://example.org/a"],
        id=["a"],
        score=[3.2],
        int_score=[3],
        language=["en"],
    )
    result = check("web", str(tmp_path / "web.parquet"), "text")
    assert result["ok"] and result["default_kind"] == "text"
    assert [c["name"] for c in result["columns"]["content"]] == ["text"]
    assert [c["name"] for c in result["columns"]["int_score"]] == ["int_score"]
    write(tmp_path / "bad.parquet", text=["x"], score=["high"])
    bad = check("web", str(tmp_path / "bad.parquet"), "text")
    assert not bad["ok"] and "column 'score'" in bad["error"] and "expected a number" in bad["error"]


def test_text_flavour_without_a_text_column_names_it(tmp_path):
    write(tmp_path / "web.parquet", content=["x"], url=["https://example.org/a"])
    result = check("web", str(tmp_path / "web.parquet"), "text")
    assert not result["ok"] and "'content': expected one of text" in result["error"]


def test_code_flavours_default_to_kind_code(tmp_path):
    write(tmp_path / "cp.parquet", repo_name=["a/b"], path=["p.py"], content=["x"], license=["mit"])
    assert check("cp", str(tmp_path / "cp.parquet"), "codeparrot")["default_kind"] == "code"


def test_stack_v2_needs_a_blob_store_and_finds_its_key_and_content_columns(tmp_path):
    write(tmp_path / "meta.parquet", blob_id=["a" * 40], repo_name=["a/b"], path=["/p.py"], language=["Python"])
    assert "blob_store is empty" in check("v2", str(tmp_path / "meta.parquet"), "the_stack_v2")["error"]
    store = tmp_path / "store"
    store.mkdir()
    write(store / "blobs.parquet", blob_id=["a" * 40], content=pa.array([b"x = 1\n"], pa.binary()))
    result = check("v2", str(tmp_path / "meta.parquet"), "the_stack_v2", str(store))
    assert result["ok"], result
    assert result["blob_store"] == {
        "kind": "parquet",
        "paths": [str(store / "blobs.parquet")],
        "id_column": "blob_id",
        "content_column": "content",
        "content_is_binary": True,
    }
    (store / "blobs.parquet").unlink()
    write(store / "bad.parquet", sha=["a" * 40], content=["x"])
    assert (
        "needs a key column (sha1_git or blob_id)"
        in check("v2", str(tmp_path / "meta.parquet"), "the_stack_v2", str(store))["error"]
    )


def test_a_directory_without_parquet_is_a_directory_blob_store(tmp_path):
    (tmp_path / "blobs" / "ab").mkdir(parents=True)
    (tmp_path / "blobs" / "ab" / ("ab" * 20)).write_bytes(b"x")
    export = tmp_path / "export"
    for table, columns in {
        "origin": {"id": ["o"], "url": ["u"]},
        "origin_visit_status": {"origin": ["o"], "visit": [1], "date": ["d"], "status": ["full"], "snapshot": ["s"]},
        "snapshot_branch": {
            "snapshot_id": ["s"],
            "name": pa.array([b"HEAD"]),
            "target": ["r"],
            "target_type": ["revision"],
        },
        "revision": {"id": ["r"], "directory": ["d"]},
        "directory_entry": {
            "directory_id": ["d"],
            "name": pa.array([b"f"]),
            "type": ["file"],
            "target": ["ab" * 20],
            "perms": [33188],
        },
    }.items():
        (export / table).mkdir(parents=True)
        write(export / table / "part-0.parquet", **columns)
    result = check("swh", str(export), "swh", str(tmp_path / "blobs"))
    assert result["ok"], result
    assert result["blob_store"] == {"kind": "directory", "directory": str(tmp_path / "blobs")}
    assert result["tables"]["snapshot_branch"]["binary_columns"] == ["name"]
    assert "content" not in result["tables"]
    # A blob store is only for the flavours that read one.
    assert "blob_store is set" in check("cp", str(export / "origin" / "part-0.parquet"), "codeparrot", "x")["error"]
