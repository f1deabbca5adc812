"""The ingest command on real files: trees, sdists, wheels, skip reasons, atomic replacement."""

from __future__ import annotations

import importlib.metadata
import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from python_udfs.cli import ingest as ingest_module
from python_udfs.cli.ingest import archive_input, distribution_inputs, ingest, main, tree_input
from python_udfs.cli.ingest import writer as ingest_writer
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
    pip_license = next(p for p in importlib.metadata.distribution("pip").files if p.name.startswith("LICENSE"))
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


def test_reingest_replaces_the_directory_and_a_failed_ingest_leaves_the_old_one(source_tree, tmp_path, monkeypatch):
    out = tmp_path / "raw"
    ingest([tree_input(source_tree)], out, progress=False, part_bytes=10_000)
    parts_before = sorted(p.name for p in out.glob("*.parquet"))
    assert len(parts_before) > 1
    ingest([tree_input(source_tree / "json")], out, progress=False)
    assert sorted(p.name for p in out.glob("*.parquet")) == ["part-00000.parquet"]

    def explode(data):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ingest_writer, "classify_bytes", explode)
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
    monkeypatch.setattr(ingest_writer, "ROW_GROUP_MAX_BYTES", 64 * 1024)
    ingest_module.ingest([ingest_module.stdlib_input(["email", "json"])], tmp_path, progress=False)
    [part] = tmp_path.glob("part-*.parquet")
    metadata = pq.ParquetFile(part).metadata
    sizes = pq.read_table(part, columns=["n_bytes"]).column("n_bytes").to_pylist()
    assert metadata.num_rows == len(sizes) > 0 and metadata.num_row_groups > 1
    start = 0
    for i in range(metadata.num_row_groups):
        rows = metadata.row_group(i).num_rows
        assert rows <= ingest_module.ROW_GROUP_MAX_ROWS
        assert sum(sizes[start : start + rows]) <= ingest_writer.ROW_GROUP_MAX_BYTES or rows == 1
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


# --------------------------------------------------------------------------------------------
# Nothing lost or destroyed silently


def sdist_bytes(compression: str = "gz") -> bytes:
    """A real sdist: the standard library's json package under pkg-1.0/, in memory."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=f"w:{compression}" if compression else "w") as archive:
        for path in sorted((STDLIB / "json").glob("*.py")):
            archive.add(path, arcname=f"pkg-1.0/json/{path.name}")
    return buffer.getvalue()


def ingest_archive(path: Path, out: Path, max_file_bytes: int = ingest_module.DEFAULT_MAX_FILE_BYTES) -> list[dict]:
    main([str(path), "--out", str(out), "--max-file-bytes", str(max_file_bytes), "--no-progress"])
    return read_rows(out)


@pytest.mark.parametrize("relation", ["is", "lies inside", "contains"])
def test_out_may_not_overlap_an_input(source_tree, tmp_path, relation):
    out = {"is": source_tree, "lies inside": source_tree / "raw", "contains": tmp_path}[relation]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(SystemExit) as refused:
        main([str(source_tree), "--out", str(out), "--no-progress"])
    message = str(refused.value)
    assert f"--out {out} {relation} the input {source_tree}" in message
    assert "outside every input" in message
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_out_that_ingest_did_not_write_is_never_replaced(source_tree, tmp_path):
    other_corpus = tmp_path / "corpora"
    (other_corpus / "stack").mkdir(parents=True)
    shutil.copy(STDLIB / "json" / "decoder.py", other_corpus / "stack" / "decoder.py")
    with pytest.raises(SystemExit, match=r"--out .*corpora holds files that winnow did not write"):
        ingest([tree_input(source_tree)], other_corpus, progress=False)
    assert (other_corpus / "stack" / "decoder.py").read_bytes() == (STDLIB / "json" / "decoder.py").read_bytes()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    empty = tmp_path / "empty"
    empty.mkdir()
    ingest([tree_input(source_tree)], empty, progress=False)
    assert (empty / ingest_module.OUTPUT_MARKER).is_file()
    ingest([tree_input(source_tree / "json")], empty, progress=False)  # its own output: replaced


def test_truncated_tar_fails_naming_it_instead_of_ingesting_the_members_before_the_cut(tmp_path):
    data = sdist_bytes(compression="")
    # Cut where the third member's header starts: tarfile sees a clean end of file there.
    third = tarfile.open(fileobj=io.BytesIO(data)).getmembers()[2]
    sdist = _written(tmp_path / "pkg-1.0.tar", data[: third.offset])
    with pytest.raises(SystemExit, match=rf"archive {sdist} ends after 2 members .*truncated"):
        archive_input(sdist)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_tar_gz_fails_naming_it_or_gives_every_member(tmp_path_factory, data):
    """Cut short or with one byte flipped anywhere in its compressed stream, an sdist either stops
    the ingest naming the archive or (a flip in bits the decompressor ignores) ingests all of it."""
    good = sdist_bytes()
    root = tmp_path_factory.mktemp("damaged")
    intact = {row["path"]: row["content"] for row in ingest_archive(_written(root / "good.tar.gz", good), root / "a")}
    damage = data.draw(st.sampled_from(["cut", "flip"]))
    position = data.draw(st.integers(10, len(good) - 1))  # after gzip's unchecked 10-byte header
    damaged = bytearray(good[:position]) if damage == "cut" else bytearray(good)
    if damage == "flip":
        damaged[position] ^= data.draw(st.integers(1, 255))
    sdist = _written(root / "pkg-1.0.tar.gz", bytes(damaged))
    try:
        rows = ingest_archive(sdist, root / "b")
    except SystemExit as error:
        assert f"archive {sdist}" in str(error) and "Nothing was written" in str(error)
        assert not (root / "b").exists()
    else:
        assert {row["path"]: row["content"] for row in rows} == intact


def _written(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_zip_member_whose_header_lies_about_its_size_is_read_in_bounded_memory(tmp_path):
    bomb_bytes = 64 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(STDLIB / "json" / "decoder.py", "pkg/json/decoder.py")
        archive.writestr("pkg/bomb.py", b"#" * bomb_bytes)
    data = bytearray(buffer.getvalue())
    # Claim 100 bytes in the local header and the central directory.
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        while at >= 0:
            if struct.unpack_from("<I", data, at + offset)[0] == bomb_bytes:
                struct.pack_into("<I", data, at + offset, 100)
            at = data.find(signature, at + 4)
    lying = _written(tmp_path / "pkg-1.0.zip", bytes(data))
    assert zipfile.ZipFile(lying).getinfo("pkg/bomb.py").file_size == 100
    tracemalloc.start()
    try:
        with pytest.raises(SystemExit, match=rf"archive {lying} has a damaged member 'pkg/bomb.py'"):
            ingest_archive(lying, tmp_path / "raw")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024


def test_archive_member_over_the_cap_is_skipped_and_a_bomb_stops_the_ingest(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(STDLIB / "json" / "decoder.py", "pkg/json/decoder.py")
        archive.writestr("pkg/generated.py", b"#" * 300_000)
    wheel = _written(tmp_path / "pkg-1.0-py3-none-any.whl", buffer.getvalue())
    rows = ingest_archive(wheel, tmp_path / "raw", max_file_bytes=100_000)
    assert [row["path"] for row in rows] == ["pkg/json/decoder.py"]
    assert skipped(tmp_path / "raw") == {"pkg/generated.py": "too_large"}

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(STDLIB / "json" / "decoder.py", "pkg-1.0/json/decoder.py")
        zeros = tarfile.TarInfo("pkg-1.0/zeros.py")
        zeros.size = 50 * 1024 * 1024
        archive.addfile(zeros, io.BytesIO(bytes(zeros.size)))
    bomb = _written(tmp_path / "bomb-1.0.tar.gz", buffer.getvalue())
    with pytest.raises(SystemExit, match=rf"archive {bomb} expands to more than .*decompression bomb"):
        ingest_archive(bomb, tmp_path / "raw2", max_file_bytes=1_000_000)


def test_name_that_is_not_utf8_is_skipped_with_an_escaped_path(source_tree, tmp_path):
    root = os.fsencode(source_tree)
    with open(os.path.join(root, b"caf\xe9.py"), "wb") as handle:
        handle.write((STDLIB / "json" / "tool.py").read_bytes())
    os.mkdir(os.path.join(root, b"d\xfcr"))
    with open(os.path.join(root, b"d\xfcr", b"scanner.py"), "wb") as handle:
        handle.write((STDLIB / "json" / "scanner.py").read_bytes())
    out = tmp_path / "raw"
    summary = ingest([tree_input(source_tree)], out, progress=False)
    reasons = skipped(out)
    assert reasons["caf\\xe9.py"] == "undecodable_path"
    assert reasons["d\\xfcr/scanner.py"] == "undecodable_path"
    assert summary.skipped["undecodable_path"] == 2
    assert "json/decoder.py" in {row["path"] for row in read_rows(out)}


def test_special_files_are_never_opened_and_symlinks_never_followed(source_tree, tmp_path):
    os.mkfifo(source_tree / "pipe.py")
    (source_tree / "linked_dir").symlink_to(source_tree / "json", target_is_directory=True)

    class Hung(Exception):
        """Not an OSError, which ingest would take for an unreadable file."""

    def hung(signum, frame):
        raise Hung("ingest blocked on a FIFO")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        ingest([tree_input(source_tree)], tmp_path / "tree", progress=False)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    reasons = skipped(tmp_path / "tree")
    assert reasons["pipe.py"] == "special_file"
    assert reasons["linked_dir"] == "symlink"
    assert not any(row["path"].startswith("linked_dir/") for row in read_rows(tmp_path / "tree"))

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(STDLIB / "json" / "decoder.py", "pkg-1.0/json/decoder.py")
        for name, kind in (
            ("pkg-1.0/dev/tty.py", tarfile.CHRTYPE),
            ("pkg-1.0/fifo.py", tarfile.FIFOTYPE),
            ("pkg-1.0/hard.py", tarfile.LNKTYPE),
            ("pkg-1.0/soft.py", tarfile.SYMTYPE),
        ):
            member = tarfile.TarInfo(name)
            member.type, member.linkname = kind, "pkg-1.0/json/decoder.py"
            archive.addfile(member)
    sdist = _written(tmp_path / "pkg-1.0.tar.gz", buffer.getvalue())
    ingest([archive_input(sdist)], tmp_path / "sdist", progress=False)
    assert skipped(tmp_path / "sdist") == {
        "dev/tty.py": "special_file",
        "fifo.py": "special_file",
        "hard.py": "hardlink",
        "soft.py": "symlink",
    }


_file_names = (
    st.binary(min_size=1, max_size=12).filter(lambda b: b"/" not in b and b"\x00" not in b).map(lambda b: b + b".py")
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_file_names, min_size=1, max_size=6, unique=True))
def test_every_tree_entry_is_written_or_skipped_exactly_once_whatever_its_name(tmp_path_factory, names):
    root = tmp_path_factory.mktemp("names") / "repo"
    root.mkdir()
    content = (STDLIB / "json" / "scanner.py").read_bytes()
    for name in names:
        with open(os.path.join(os.fsencode(root), name), "wb") as handle:
            handle.write(content)
    out = root.parent / "raw"
    ingest([tree_input(root)], out, progress=False)
    written = [row["path"] for row in read_rows(out)] if any(out.glob("*.parquet")) else []
    skips = pq.read_table(out / "_ingest" / "skipped.parquet").to_pylist()
    expected = sorted(n.decode("utf-8", "backslashreplace") for n in names)
    assert sorted(written + [row["path"] for row in skips]) == expected
    for row in skips:
        assert row["reason"] == "undecodable_path"


def test_staging_directories_of_killed_ingests_are_removed_and_a_running_ones_kept(source_tree, tmp_path):
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    killed, running = int(finished.stdout), os.getppid()
    ingest([tree_input(source_tree / "json")], tmp_path / "raw", progress=False)
    for pid in (killed, running):
        shutil.copytree(tmp_path / "raw", tmp_path / f".raw.ingesting-{pid}")
    ingest([tree_input(source_tree / "json")], tmp_path / "raw", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [f".raw.ingesting-{running}"]


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
