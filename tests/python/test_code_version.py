"""winnow's code version covers every module of every subpackage, and only the code."""

from __future__ import annotations

import shutil

from python_udfs.engine import code_version as code_version_module
from tests.conftest import PROJECT_ROOT


def _version_of(package, monkeypatch) -> str:
    monkeypatch.setattr(code_version_module, "PACKAGE", package)
    return code_version_module.code_version.__wrapped__()


def _copy(tmp_path, name):
    return shutil.copytree(
        PROJECT_ROOT / "python_udfs", tmp_path / name / "python_udfs", ignore=shutil.ignore_patterns("__pycache__")
    )


def test_same_code_elsewhere_has_the_same_version(tmp_path, monkeypatch):
    real = code_version_module.code_version()
    assert _version_of(_copy(tmp_path, "a"), monkeypatch) == real


def test_an_edit_in_a_nested_subpackage_changes_it(tmp_path, monkeypatch):
    package = _copy(tmp_path, "a")
    before = _version_of(package, monkeypatch)
    with (package / "kernels" / "pii" / "policy.py").open("a") as module:
        module.write("\n# an edit\n")
    assert _version_of(package, monkeypatch) != before


def test_moving_a_module_between_subpackages_changes_it(tmp_path, monkeypatch):
    package = _copy(tmp_path, "a")
    before = _version_of(package, monkeypatch)
    (package / "kernels" / "lsh.py").rename(package / "export" / "lsh.py")
    assert _version_of(package, monkeypatch) != before
