"""The ingest command on real files: trees, sdists, wheels, skip reasons, atomic replacement."""

from __future__ import annotations

import importlib.metadata
import json
import shutil
import tarfile
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from python_udfs import ingest as ingest_module
from python_udfs.ingest import archive_input, distribution_inputs, ingest, main, tree_input
from tests.conftest import STDLIB


def real_metadata(distribution: str) -> str:
    return importlib.metadata.distribution(distribution).read_text("METADATA")


@pytest.fixture
def source_tree(tmp_path: Path) -> Path:
    """A repo made of real files: stdlib's json package, pip's MIT license text, and the traps
    ingest must skip: a Latin-1 module, a compiled .pyc renamed .py (binary), an extension-less
    blob, a symlink and a __pycache__ directory."""
    root = tmp_path / "myrepo"
    shutil.copytree(STDLIB / "json", root / "json", ignore=shutil.ignore_patterns("__pycache__"))
    pip_license = next(
        p for p in importlib.metadata.distribution("pip").files if p.name.startswith("LICENSE")
    )
    shutil.copy(importlib.metadata.distribution("pip").locate_file(pip_license), root / "LICENSE.txt")
    shutil.copy(STDLIB / "test" / "encoded_modules" / "module_iso_8859_1.py", root / "latin1.py")
    pyc = next((STDLIB / "json" / "__pycache__").glob("*.pyc"), None) or next(STDLIB.rglob("*.pyc"))
    shutil.copy(pyc, root / "compiled_blob.py")
    (root / "__pycache__").mkdir()
    shutil.copy(pyc, root / "__pycache__" / "x.pyc")
    shutil.copy(pyc, root / "data.bin")
    (root / "link.py").symlink_to(root / "json" / "__init__.py")
    return root


def read_rows(out: Path) -> list[dict]:
    return pq.read_table(sorted(out.glob("*.parquet"))).to_pylist()


def skipped(out: Path) -> dict[str, str]:
    rows = pq.read_table(out / "_ingest" / "skipped.parquet").to_pylist()
    return {row["path"]: row["reason"] for row in rows}


def test_tree_ingest_writes_text_files_and_license_from_license_file(source_tree, tmp_path):
    out = tmp_path / "raw"
    summary = ingest([tree_input(source_tree)], out, progress=False)
    rows = {row["path"]: row for row in read_rows(out)}
    assert "json/decoder.py" in rows
    assert rows["json/decoder.py"]["content"] == (STDLIB / "json" / "decoder.py").read_text()
    assert rows["json/decoder.py"]["language"] == "python"
    assert rows["json/decoder.py"]["repo"] == "myrepo"
    assert rows["json/decoder.py"]["licenses"] == ["MIT"]
    assert rows["json/decoder.py"]["license_evidence"] == "file:LICENSE.txt"
    assert rows["json/decoder.py"]["n_bytes"] == len((STDLIB / "json" / "decoder.py").read_bytes())
    assert summary.files_written == len(rows)


def test_tree_ingest_skips_what_is_not_text_with_a_reason(source_tree, tmp_path):
    out = tmp_path / "raw"
    summary = ingest([tree_input(source_tree)], out, progress=False)
    reasons = skipped(out)
    assert reasons["latin1.py"] == "undecodable_utf8"
    assert reasons["compiled_blob.py"] == "binary"
    assert reasons["data.bin"] == "unrecognised_extension"
    assert reasons["link.py"] == "symlink"
    assert reasons["__pycache__/x.pyc"] == "cache_or_vcs_dir"
    written = {row["path"] for row in read_rows(out)}
    assert not written & set(reasons)
    counts = json.loads((out / "_ingest" / "summary.json").read_text())["skipped_by_reason"]
    assert counts == dict(summary.skipped) and counts["binary"] == 1


def test_sdist_takes_license_from_its_real_pkg_info(source_tree, tmp_path):
    (source_tree / "LICENSE.txt").unlink()
    (source_tree / "PKG-INFO").write_text(real_metadata("requests"))
    sdist = tmp_path / "mypkg-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as archive:
        archive.add(source_tree, arcname="mypkg-1.0")
    item = archive_input(sdist)
    assert item.repo == "pypi/mypkg"
    assert item.license.spdx_ids == ("Apache-2.0",)
    paths = {f.path for f in item.files}
    assert "json/decoder.py" in paths  # the sdist's top directory is stripped
    out = tmp_path / "raw"
    ingest([item], out, progress=False)
    assert skipped(out)["compiled_blob.py"] == "binary"


def test_wheel_takes_license_from_dist_info_metadata(tmp_path):
    wheel = tmp_path / "mypkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.write(STDLIB / "json" / "scanner.py", "mypkg/scanner.py")
        archive.writestr("mypkg-1.0.dist-info/METADATA", real_metadata("numpy"))
    item = archive_input(wheel)
    assert item.repo == "pypi/mypkg"
    assert "BSD-3-Clause" in item.license.spdx_ids
    assert item.license.evidence == "metadata:License-Expression"


def test_installed_distribution_is_a_repo_with_its_metadata_license():
    [pip] = distribution_inputs(["pip"])
    assert pip.repo == "pypi/pip"
    assert pip.license.spdx_ids == ("MIT",)
    assert any(f.path.startswith("pip/_vendor/") for f in pip.files)


def test_unknown_license_is_empty_not_guessed(tmp_path):
    root = tmp_path / "nolicense"
    root.mkdir()
    shutil.copy(STDLIB / "textwrap.py", root / "textwrap.py")
    item = tree_input(root)
    assert item.license.spdx_ids == ()
    out = tmp_path / "raw"
    ingest([item], out, progress=False)
    assert read_rows(out)[0]["licenses"] == []


def test_same_inputs_give_byte_identical_parquet(source_tree, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    ingest([tree_input(source_tree, repo="r")], first, progress=False)
    ingest([tree_input(source_tree, repo="r")], second, progress=False)
    names = sorted(p.name for p in first.glob("*.parquet"))
    assert names and names == sorted(p.name for p in second.glob("*.parquet"))
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_reingest_replaces_the_directory_and_a_failed_ingest_leaves_the_old_one(
    source_tree, tmp_path, monkeypatch
):
    out = tmp_path / "raw"
    ingest([tree_input(source_tree)], out, progress=False, part_bytes=10_000)
    parts_before = sorted(p.name for p in out.glob("*.parquet"))
    assert len(parts_before) > 1
    ingest([tree_input(source_tree / "json")], out, progress=False)
    assert sorted(p.name for p in out.glob("*.parquet")) == ["part-00000.parquet"]

    def explode(data):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_module, "classify_bytes", explode)
    with pytest.raises(RuntimeError):
        ingest([tree_input(source_tree)], out, progress=False)
    assert sorted(p.name for p in out.glob("*.parquet")) == ["part-00000.parquet"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_command_line_reports_and_rejects_missing_paths(tmp_path, capsys):
    assert main([str(STDLIB / "json"), "--out", str(tmp_path / "raw"), "--no-progress"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files_written"] == len(list((STDLIB / "json").glob("*.py")))
    with pytest.raises(SystemExit, match="does not exist"):
        main([str(tmp_path / "missing"), "--out", str(tmp_path / "raw2")])


@given(st.lists(st.integers(0, 50), max_size=200), st.integers(1, 10), st.integers(1, 100))
def test_row_groups_cover_every_row_within_both_bounds(n_bytes, max_rows, max_bytes):
    bounds = ingest_module.row_group_bounds(n_bytes, max_rows, max_bytes)
    assert [i for start, stop in bounds for i in range(start, stop)] == list(range(len(n_bytes)))
    for start, stop in bounds:
        assert stop - start <= max_rows
        assert sum(n_bytes[start:stop]) <= max_bytes or stop - start == 1


def test_ingested_row_groups_are_bounded_in_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest_module, "ROW_GROUP_MAX_BYTES", 64 * 1024)
    ingest_module.ingest([ingest_module.stdlib_input(["email", "json"])], tmp_path, progress=False)
    [part] = tmp_path.glob("part-*.parquet")
    metadata = pq.ParquetFile(part).metadata
    sizes = pq.read_table(part, columns=["n_bytes"]).column("n_bytes").to_pylist()
    assert metadata.num_rows == len(sizes) > 0 and metadata.num_row_groups > 1
    start = 0
    for i in range(metadata.num_row_groups):
        rows = metadata.row_group(i).num_rows
        assert rows <= ingest_module.ROW_GROUP_MAX_ROWS
        assert sum(sizes[start:start + rows]) <= ingest_module.ROW_GROUP_MAX_BYTES or rows == 1
        start += rows


def test_docs_kind_keeps_only_documentation_files_with_their_language(tmp_path):
    out = tmp_path / "docs"
    ingest([ingest_module.stdlib_input(["email", "json"])], out, progress=False, kind="docs")
    rows = read_rows(out)
    assert rows and {row["kind"] for row in rows} == {"docs"}
    assert {row["language"] for row in rows} <= set(ingest_module.DOCS_LANGUAGES)
    assert "Lib/email/architecture.rst" in {row["path"] for row in rows}
    assert skipped(out)["Lib/json/decoder.py"] == "not_docs"


def test_code_kind_is_the_default_and_marks_every_file_code(source_tree, tmp_path):
    ingest([tree_input(source_tree)], tmp_path / "code", progress=False)
    assert {row["kind"] for row in read_rows(tmp_path / "code")} == {"code"}
    with pytest.raises(ValueError, match="kind must be one of"):
        ingest([tree_input(source_tree)], tmp_path / "x", progress=False, kind="text")


def test_each_file_gets_the_license_of_the_nearest_license_file_above_it(tmp_path):
    from tests.dbt.fixtures import write_mixed_license_tree

    out = tmp_path / "raw"
    ingest([tree_input(write_mixed_license_tree(tmp_path / "repo"))], out, progress=False)
    rows = {row["path"]: row for row in read_rows(out)}
    assert {row["licenses"][0] for row in rows.values()} == {"MIT"}  # the repository's, unchanged
    for path in ("vendored_gpl/textwrap.py", "vendored_gpl/deeper/shlex.py", "vendored_gpl/mit_header.py"):
        assert rows[path]["file_licenses"] == ["GPL-3.0-only"], path
        assert rows[path]["nearest_license_file"] == "vendored_gpl/COPYING", path
    # The top-level license is the repository's evidence, not a file's own.
    for path in ("json/decoder.py", "gpl_header.py", "LICENSE.txt"):
        assert rows[path]["file_licenses"] == [] and rows[path]["nearest_license_file"] is None, path


def test_an_unrecognised_license_file_is_passed_over_for_the_next_one_up(tmp_path):
    from tests.dbt.fixtures import write_mixed_license_tree

    root = write_mixed_license_tree(tmp_path / "repo")
    (root / "vendored_gpl" / "deeper" / "NOTICE").write_text("This directory holds a copy of shlex.\n")
    out = tmp_path / "raw"
    ingest([tree_input(root)], out, progress=False)
    rows = {row["path"]: row for row in read_rows(out)}
    assert rows["vendored_gpl/deeper/shlex.py"]["nearest_license_file"] == "vendored_gpl/COPYING"


def test_a_distributions_own_license_files_are_its_repository_evidence_not_a_files(tmp_path):
    # idna ships its license in .dist-info/licenses/, as PEP 639 puts it.
    out = tmp_path / "raw"
    ingest(distribution_inputs(["idna"]), out, progress=False)
    rows = [row for row in read_rows(out) if ".dist-info/" in row["path"]]
    assert any(row["path"].endswith(".dist-info/licenses/LICENSE.md") for row in rows)
    assert all(row["file_licenses"] == [] and row["nearest_license_file"] is None for row in rows)
