"""The ``winnow`` command as installed: its sub-commands, their help, and a real ingest through it."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from python_udfs.cli.main import SUBCOMMANDS
from tests.conftest import PROJECT_ROOT, STDLIB

WINNOW = Path(sys.executable).parent / "winnow"


def winnow(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(WINNOW), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_winnow_help_lists_every_subcommand():
    result = winnow("--help")
    assert result.returncode == 0, result.stderr
    for name in ("ingest", "text-corpus", "report", "var-lineage", "knobs"):
        assert name in SUBCOMMANDS
        assert name in result.stdout


@pytest.mark.parametrize("name", sorted(SUBCOMMANDS))
def test_each_subcommand_has_its_own_help(name):
    result = winnow(name, "--help")
    module = SUBCOMMANDS[name][0]
    if importlib.util.find_spec(module) is None:
        # Until the module ships, the sub-command says what is missing rather than crash.
        assert result.returncode == 2 and module in result.stderr
        return
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
    if module.startswith("python_udfs.cli."):
        assert f"usage: winnow {name}" in result.stdout


def test_an_unknown_subcommand_or_none_is_an_error_naming_the_choices():
    for args in (("ingets",), ()):
        result = winnow(*args)
        assert result.returncode == 2
        assert "ingest" in result.stderr


def test_winnow_ingest_writes_every_file_of_a_small_tree(tmp_path):
    tree = tmp_path / "src" / "jsonlib"
    shutil.copytree(STDLIB / "json", tree, ignore=shutil.ignore_patterns("__pycache__"))
    expected = {path.relative_to(tree).as_posix(): path.read_text(encoding="utf-8") for path in tree.rglob("*.py")}
    out = tmp_path / "raw"
    result = winnow("ingest", str(tree), "--out", str(out), "--no-progress")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["files_written"] == len(expected)
    rows = pq.read_table(sorted(out.glob("part-*.parquet"))).to_pylist()
    assert {row["path"]: row["content"] for row in rows} == expected
    assert {row["repo"] for row in rows} == {"jsonlib"}
    assert (out / "_ingest" / "summary.json").is_file()


def test_python_m_runs_the_same_command():
    result = subprocess.run(
        [sys.executable, "-m", "python_udfs.cli", "ingest", "--help"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "winnow ingest" in result.stdout
