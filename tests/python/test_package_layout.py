"""The package's layers hold: no kernel reaches DuckDB or dbt, directly, lazily or through another
layer of winnow, so the kernels stay registrable on another engine."""

from __future__ import annotations

import ast
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

PACKAGE = PROJECT_ROOT / "python_udfs"
KERNELS = PACKAGE / "kernels"
# Engines, and winnow's layers that import them (the dbt-duckdb plugin, the command-line tools).
FORBIDDEN = ("duckdb", "dbt", "python_udfs.engine", "python_udfs.cli")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module ``source`` imports, anywhere in it (inside functions too), absolute; and
    ``importlib.import_module`` / ``__import__`` calls with a literal name."""
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    with warnings.catch_warnings():
        # Invalid escapes in a module's docstrings are its own business here.
        warnings.simplefilter("ignore", (SyntaxWarning, DeprecationWarning))
        tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            found.add(target)
            # "from . import x" imports the module x.
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and (
                getattr(node.func, "attr", None) == "import_module"
                or getattr(node.func, "id", None) in ("__import__", "import_module")
            )
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value)
    return found


def forbidden_imports(modules: set[str]) -> set[str]:
    return {name for name in modules for prefix in FORBIDDEN if name == prefix or name.startswith(prefix + ".")}


KERNEL_FILES = sorted(KERNELS.rglob("*.py"))


def test_the_kernels_are_a_package_of_many_modules():
    assert (KERNELS / "__init__.py").is_file()
    assert len(KERNEL_FILES) > 10


@pytest.mark.parametrize("path", KERNEL_FILES, ids=lambda path: str(path.relative_to(KERNELS)))
def test_no_kernel_imports_duckdb_dbt_or_the_engine(path):
    modules = imported_modules(path.read_text(), _module_name(path), is_package=path.name == "__init__.py")
    forbidden = sorted(forbidden_imports(modules))
    assert not forbidden, f"{path.relative_to(PROJECT_ROOT)} imports {forbidden}"


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("import duckdb", "python_udfs.kernels.minhash"),
        ("def f():\n    import duckdb.typing\n", "python_udfs.kernels.minhash"),
        ("def f():\n    from dbt.adapters.duckdb.plugins import BasePlugin\n", "python_udfs.kernels.minhash"),
        ("from ..engine.plugin import register_udfs", "python_udfs.kernels.minhash"),
        ("from ...cli import ingest", "python_udfs.kernels.pii.redaction"),
        ("import importlib\ndef f():\n    return importlib.import_module('duckdb')\n", "python_udfs.kernels.minhash"),
    ],
)
def test_the_checker_sees_direct_lazy_and_relative_imports(source, module):
    assert forbidden_imports(imported_modules(source, module))


def test_the_checker_passes_imports_within_the_kernels():
    source = "from ..utils import as_array\nfrom .policy import PiiPolicy\nimport pyarrow as pa\n"
    modules = imported_modules(source, "python_udfs.kernels.pii.redaction")
    assert modules >= {"python_udfs.kernels.utils", "python_udfs.kernels.pii.policy"}
    assert not forbidden_imports(modules)


def test_importing_every_kernel_loads_neither_duckdb_nor_dbt():
    """Catches what the source check cannot: a library a kernel imports pulling an engine in."""
    names = sorted(_module_name(path) for path in KERNEL_FILES)
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('duckdb', 'dbt')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
