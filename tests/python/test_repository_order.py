"""Repository documents' file order (python_udfs/kernels/repository_order.py): imports resolve from
the syntax tree, every file comes after the files it imports (checked against a graph the
interpreter's own import system resolves), cycles are broken deterministically, and the split at
file boundaries keeps to the budget."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import subprocess
import sys
import sysconfig
from pathlib import Path

import networkx as nx
import pyarrow as pa
import pytest

from python_udfs.kernels.repository_order import (
    dependency_graph,
    dependency_order,
    document_numbers,
    python_imports,
    python_imports_of,
    repository_layout,
    stable_hash,
)

STDLIB = Path(sysconfig.get_paths()["stdlib"])


def order_of(files: dict[str, str], *, seed: int = 42, order: str = "dependency", repo: str = "r") -> list[str]:
    paths = list(files)
    imports = [python_imports_of(p, files[p]) for p in paths]
    return [paths[i] for i in dependency_order(repo, paths, imports, seed=seed, order=order)]


def edges(files: dict[str, str]) -> set[tuple[str, str]]:
    paths = list(files)
    graph = dependency_graph(paths, [python_imports_of(p, files[p]) for p in paths])
    return {(paths[i], paths[j]) for i, targets in enumerate(graph) for j in targets}


def test_relative_imports_resolve_from_the_files_package():
    files = {
        "pkg/__init__.py": "from .core import run\n",
        "pkg/core.py": "from . import util\nfrom .sub.leaf import x\n",
        "pkg/util.py": "",
        "pkg/sub/__init__.py": "",
        "pkg/sub/leaf.py": "from .. import util\nfrom ..core import run\n",
        "pkg/sub/other.py": "from . import helper_attr\n",
    }
    assert edges(files) == {
        ("pkg/__init__.py", "pkg/core.py"),
        ("pkg/core.py", "pkg/util.py"),
        ("pkg/core.py", "pkg/sub/leaf.py"),
        ("pkg/sub/leaf.py", "pkg/util.py"),
        ("pkg/sub/leaf.py", "pkg/core.py"),
        # `from . import name` that is no submodule: the name comes from the package's __init__.
        ("pkg/sub/other.py", "pkg/sub/__init__.py"),
    }


def test_absolute_imports_name_the_module_not_the_packages_passed_through():
    files = {
        "a/__init__.py": "",
        "a/b/__init__.py": "",
        "a/b/c.py": "",
        "a/b/d.py": "VALUE = 1\n",
        "main.py": "import a.b.c\nfrom a.b import d\nfrom a.b.d import VALUE\nimport os\n",
    }
    assert edges(files) == {("main.py", "a/b/c.py"), ("main.py", "a/b/d.py")}


def test_src_layout_and_a_second_top_directory_resolve():
    files = {
        "src/tool/__init__.py": "from tool.engine import go\n",
        "src/tool/engine.py": "",
        "tests/test_engine.py": "import tool.engine\nimport helpers\n",
        "tests/helpers.py": "",
    }
    assert edges(files) == {
        ("src/tool/__init__.py", "src/tool/engine.py"),
        ("tests/test_engine.py", "src/tool/engine.py"),
        ("tests/test_engine.py", "tests/helpers.py"),
    }


def test_a_deeper_module_of_the_same_name_is_not_the_standard_library_one():
    # pip/_internal/utils/logging.py is not the `logging` pip's other modules import.
    files = {"pip/_internal/utils/logging.py": "", "pip/_internal/cli/main.py": "import logging\n"}
    assert edges(files) == set()


def test_an_import_of_a_dropped_module_names_that_module_not_its_package():
    # idna/core.py does `from . import idnadata`; curation drops the 200 kB idnadata.py.
    paths = ["idna/__init__.py", "idna/core.py"]
    imports = [
        python_imports_of("idna/__init__.py", "from .core import encode\n"),
        python_imports_of("idna/core.py", "from . import idnadata\n"),
    ]
    assert dependency_graph(paths, imports) == [{1}, {0}]
    assert dependency_graph(paths, imports, other_paths=["idna/idnadata.py", "idna/core.py"]) == [{1}, set()]


def test_relative_imports_beyond_the_repository_root_resolve_to_nothing():
    assert edges({"a.py": "from ... import b\n", "b.py": ""}) == set()


def test_an_unparseable_file_has_no_imports_and_keeps_its_place():
    files = {"broken.py": "def f(:\n    import good\n", "good.py": "", "user.py": "import broken\n"}
    assert python_imports_of("broken.py", files["broken.py"]) is None
    assert edges(files) == {("user.py", "broken.py")}
    assert sorted(order_of(files)) == sorted(files)
    column = python_imports(pa.array([files["broken.py"], None, "import x"]), pa.array(["broken.py", "n.py", "x.py"]))
    assert column.to_pylist() == [None, None, [{"anchor": None, "module": "x", "name": None}]]


def test_a_file_with_a_byte_order_mark_parses():
    assert python_imports_of("bom.py", "\ufeffimport os\n") == [(None, "os", None)]


def test_a_cycle_is_broken_at_the_file_with_fewest_dependencies_then_smallest_path():
    # b -> c -> d -> b is a cycle; c also needs e (outside it), d needs nothing else in the cycle.
    files = {
        "b.py": "import c\n",
        "c.py": "import d\nimport e\n",
        "d.py": "import b\n",
        "e.py": "",
        "f.py": "import b\n",
    }
    order = order_of(files)
    assert order.index("e.py") < order.index("c.py")
    assert order.index("f.py") == len(order) - 1
    # All three have one dependency inside the cycle: the smallest path, b, goes first; then d,
    # whose import (b) is placed; then c, which imports d.
    cycle = [p for p in order if p in {"b.py", "c.py", "d.py"}]
    assert cycle == ["b.py", "d.py", "c.py"]


def test_the_order_is_a_seeded_hash_order_of_independent_files_and_independent_of_input_order():
    files = {f"m{i:02}.py": "" for i in range(30)}
    order = order_of(files, seed=7)
    assert order == sorted(files, key=lambda p: stable_hash(7, "repository_order", "r", p))
    assert order != order_of(files, seed=8)
    reversed_files = dict(reversed(list(files.items())))
    assert order_of(reversed_files, seed=7) == order


def test_stable_hash_is_the_sql_macros_hash():
    import duckdb

    sql = "select substr(sha256(concat_ws(chr(31), cast(42 as varchar), 'repository_order', 'r', 'a/b.py')), 1, 16)"
    assert stable_hash(42, "repository_order", "r", "a/b.py") == duckdb.sql(sql).fetchall()[0][0]


def test_the_order_does_not_depend_on_pythons_hash_seed():
    script = (
        "from tests.python.test_repository_order import real_package_order;"
        "print(real_package_order(['json', 'email'])[:40])"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).parents[2],
        ).stdout
        for seed in ("0", "1", "2")
    }
    assert len(outputs) == 1


def test_random_order_is_a_seeded_permutation():
    files = {p: Path(STDLIB, p.removeprefix("Lib/")).read_text() for p in stdlib_paths(["json"])}
    random_order = order_of(files, order="random")
    assert sorted(random_order) == sorted(files)
    assert random_order == sorted(files, key=lambda p: stable_hash(42, "repository_order", "r", p))
    with pytest.raises(ValueError, match="unknown repository document order 'alphabetical'"):
        order_of(files, order="alphabetical")


def test_documents_are_cut_between_files_and_a_file_over_the_budget_stays_alone():
    # header 10 bytes, budget 100.
    assert document_numbers([30, 30, 30, 30, 500, 10, 95], 10, 100) == [0, 0, 0, 1, 2, 3, 4]


# --- Real packages of the default corpus, against the interpreter's own resolution


def stdlib_paths(packages: list[str]) -> list[str]:
    return sorted(f"Lib/{p.relative_to(STDLIB).as_posix()}" for pkg in packages for p in (STDLIB / pkg).rglob("*.py"))


def spec_origin(name: str) -> Path | None:
    """The file the interpreter's path finder gives for module ``name`` (each package's
    ``__path__`` in turn, importing nothing)."""
    search, spec, parts = None, None, name.split(".")
    for depth in range(len(parts)):
        if depth and search is None:
            return None  # a module is no package: `name` is an attribute
        spec = importlib.machinery.PathFinder.find_spec(".".join(parts[: depth + 1]), search)
        if spec is None:
            return None
        search = spec.submodule_search_locations
    return Path(spec.origin) if spec.origin and spec.origin.endswith(".py") else None


def independent_import_graph(paths: list[str], root: Path = STDLIB, prefix: str = "Lib/") -> nx.DiGraph:
    """file -> the files it imports, for files at ``root / path.removeprefix(prefix)``, resolved by
    importlib (resolve_name, the path finder), not by the kernel: `import a.b` names a.b;
    `from m import n` names m.n when that is a module, else m."""
    import ast

    def repo_path(name: str) -> str | None:
        origin = spec_origin(name)
        return f"{prefix}{origin.relative_to(root).as_posix()}" if origin and origin.is_relative_to(root) else None

    graph = nx.DiGraph()
    graph.add_nodes_from(paths)
    known = set(paths)
    for path in paths:
        parts = path.removeprefix(prefix).removesuffix(".py").split("/")
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
        tree = ast.parse((root / path.removeprefix(prefix)).read_text())
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Import):
                targets = [repo_path(alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
                for alias in node.names:
                    targets.append(repo_path(f"{base}.{alias.name}") or repo_path(base))
            graph.add_edges_from((path, t) for t in targets if t in known and t != path)
    return graph


def real_package_order(packages: list[str], order: str = "dependency") -> list[str]:
    paths = stdlib_paths(packages)
    imports = [python_imports_of(p, Path(STDLIB, p.removeprefix("Lib/")).read_text()) for p in paths]
    return [paths[i] for i in dependency_order("python/cpython", paths, imports, seed=42, order=order)]


def assert_imports_come_first(order: list[str], graph: nx.DiGraph) -> int:
    """Every edge between different strongly connected components points backwards in ``order``;
    returns the number of edges checked."""
    position = {p: i for i, p in enumerate(order)}
    component = {p: c for c, members in enumerate(nx.strongly_connected_components(graph)) for p in members}
    checked = [(a, b) for a, b in graph.edges if component[a] != component[b]]
    late = [(a, b) for a, b in checked if position[b] > position[a]]
    assert not late, f"files placed before a file they import: {late[:5]}"
    return len(checked)


@pytest.mark.parametrize("packages", [["json"], ["email"], ["asyncio"], ["json", "email", "asyncio", "importlib"]])
def test_every_stdlib_file_comes_after_the_files_it_imports(packages):
    graph = independent_import_graph(stdlib_paths(packages))
    order = real_package_order(packages)
    assert sorted(order) == sorted(graph.nodes)
    assert assert_imports_come_first(order, graph) > 0


def test_real_packages_have_cycles_and_their_order_is_the_same_every_run():
    packages = ["json", "email", "asyncio", "importlib"]
    graph = independent_import_graph(stdlib_paths(packages))
    cycles = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert cycles, "the packages hold import cycles (json/__init__ <-> json/decoder? email's parser modules)"
    assert real_package_order(packages) == real_package_order(packages)


def test_the_kernel_finds_every_edge_the_import_system_resolves():
    paths = stdlib_paths(["json", "email", "asyncio", "importlib"])
    graph = independent_import_graph(paths)
    found = edges({p: Path(STDLIB, p.removeprefix("Lib/")).read_text() for p in paths})
    assert set(graph.edges) <= found
    # What the kernel adds must be explainable: none here.
    assert found - set(graph.edges) == set()


def test_repository_layout_orders_and_splits_per_repository():
    paths = [["a.py", "b.py"], ["x.py"]]
    imports = [[[{"anchor": None, "module": "b", "name": None}], []], [None]]
    imports_type = pa.list_(
        pa.list_(pa.struct([("anchor", pa.string()), ("module", pa.string()), ("name", pa.string())]))
    )
    layout = repository_layout(
        pa.array(["r1", "r2"]),
        pa.array(paths),
        pa.array(imports, imports_type),
        pa.array([[60, 60], [10]]),
        pa.array([5, 5]),
        pa.array([["a.py", "b.py", "c.py"], None]),
        seed=42,
        order="dependency",
        max_bytes=100,
    ).to_pylist()
    assert layout == [
        [{"position": 1, "document": 1}, {"position": 0, "document": 0}],
        [{"position": 0, "document": 0}],
    ]


def test_the_sql_formats_spell_the_markers_the_tokenizer_adds():
    """macros/repository_documents.sql writes the markers into documents; int_tokenizer_prepared
    adds REPOSITORY_DOCUMENT_MARKERS to the tokenizer: the two must spell the same tokens."""
    import re

    from python_udfs.kernels.bpe_tokenizer import REPOSITORY_DOCUMENT_MARKERS
    from python_udfs.knobs import load_knobs
    from tests.conftest import PROJECT_ROOT

    macros = (PROJECT_ROOT / "macros" / "repository_documents.sql").read_text()
    [spelled] = re.findall(r"return\(\[('[^\]]*')\] if var\('repository_document_format'\) == 'starcoder2'", macros)
    assert tuple(t.strip(" '") for t in spelled.split(",")) == REPOSITORY_DOCUMENT_MARKERS["starcoder2"]
    assert set(REPOSITORY_DOCUMENT_MARKERS) == set(load_knobs()["repository_document_format"]["choices"])
