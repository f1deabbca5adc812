"""A repository's Python files in dependency order, split into documents at file boundaries.

Repository-level documents follow DeepSeek-Coder (Guo et al. 2024, "DeepSeek-Coder: When the Large
Language Model Meets Programming", arXiv:2401.14196, section 2.2 "Dependency Parsing"): the files a
file imports come before it, each file introduced by a comment with its path, and cycles are
handled by their Algorithm 1, a topological sort that takes the file with the fewest remaining
dependencies instead of requiring none. StarCoder2 (Lozhkov et al. 2024, section 5) joins a
repository's files in a random order with ``<repo_name>`` and ``<file_sep>`` tokens; the
``random`` order here is that choice (the SQL builds the text, ``macros/repository_documents.sql``).

Two steps, so no step holds a repository's text:

1. ``python_imports`` (per file, vectorised): the imports of one file read from its syntax tree,
   as (anchor, module, name) references. ``anchor`` is None for an absolute import, or the
   repository directory a relative import starts from (``from ..a import b`` in ``p/q/m.py``:
   anchor ``p``). A file that does not parse has no imports (NULL).
2. ``repository_layout`` (per repository, over lists of its paths, imports and sizes, no text):
   resolves references to the repository's files (all of them, so that an import of a file that
   curation dropped names that file, which is then left out, rather than its package), orders them and splits the order into
   documents of at most ``max_bytes``. Its memory is the repository's paths and import names.

Resolution: a reference names the file of its module (``a/b/c.py`` or ``a/b/c/__init__.py``) and,
for ``from m import n``, the submodule ``m.n`` when it is a file of the repository, else ``m``
itself. Packages passed through on the way (``a/__init__.py`` for ``import a.b.c``) are not
dependencies: they are nearly always the importer's own package, whose ``__init__`` imports its
submodules back, and counting them would put most of a package in one cycle. An absolute module
is looked up under the repository root, then under the importing file's top directory (``src/``,
``Lib/``, ``tests/``), then under any other top directory, the smallest first; never deeper, as
Python 3 has no implicit relative imports and a deeper ``logging.py`` (pip's
``pip/_internal/utils/logging.py``) is not the ``logging`` a file imports.

Order (``dependency``): the strongly connected components of the import graph are placed in a
topological order (Kahn's algorithm); among components that are ready, the one whose smallest path
has the smallest ``stable_hash(seed, 'repository_order', repo, path)`` comes first, so files
without dependencies come in a seeded order. Inside a cycle (a component of several files), files
are placed by DeepSeek-Coder's rule: the file with the fewest dependencies not yet placed, the
smallest path on ties. Order ``random``: by that same hash, path on ties.

``stable_hash`` is the SQL macro's (macros/stable_hash.sql): the first 16 hex digits of SHA-256
over the arguments joined by U+001F, never Python's ``hash()``, so orders are the same on every
run, thread count and engine.
"""

from __future__ import annotations

import ast
import hashlib
import heapq
import posixpath
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

import pyarrow as pa

from .python_syntax import parse_quietly
from .utils import as_array

__all__ = [
    "IMPORT_REFERENCE_TYPE",
    "LAYOUT_TYPE",
    "ImportReference",
    "Order",
    "dependency_graph",
    "dependency_order",
    "document_numbers",
    "python_imports",
    "python_imports_of",
    "repository_layout",
    "stable_hash",
]

Order = Literal["dependency", "random"]
ORDERS: tuple[str, ...] = ("dependency", "random")


class ImportReference(NamedTuple):
    anchor: str | None
    module: str
    name: str | None


IMPORT_REFERENCE_TYPE = pa.struct([("anchor", pa.string()), ("module", pa.string()), ("name", pa.string())])
LAYOUT_TYPE = pa.struct([("position", pa.int32()), ("document", pa.int32())])


def stable_hash(*args: object) -> str:
    """macros/stable_hash.sql in Python: SHA-256 of the arguments joined by U+001F (NULL as U+0000),
    first 16 hex digits."""
    joined = "\x1f".join("\x00" if a is None else str(a) for a in args)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def python_imports_of(path: str, content: str) -> list[ImportReference] | None:
    """The import references of one Python file, in source order, or None when it does not parse.

    Every ``import`` and ``from ... import`` counts, also inside functions and ``if TYPE_CHECKING``
    blocks: the file needs those modules to be read, whenever it imports them."""
    try:
        # A UTF-8 byte order mark is legal in a source file but not in a str ast parses.
        tree = parse_quietly(content.removeprefix("\ufeff"), filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    directory = posixpath.dirname(path)
    references: list[ImportReference] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            references.extend(ImportReference(None, alias.name, None) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            anchor = None
            if node.level:
                parts = directory.split("/") if directory else []
                up = node.level - 1
                if up > len(parts):
                    continue  # beyond the repository root: nothing of the repository
                anchor = "/".join(parts[: len(parts) - up])
            module = node.module or ""
            references.extend(
                ImportReference(anchor, module, None if alias.name == "*" else alias.name) for alias in node.names
            )
    # ast.walk is breadth-first; sort for an order that does not depend on nesting.
    return sorted(set(references), key=lambda r: (r.anchor is not None, r.anchor or "", r.module, r.name or ""))


def python_imports(contents: pa.Array | pa.ChunkedArray, paths: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``python_imports_of`` over a vector of files: a list of references per file, NULL for a
    file that does not parse (or whose content is NULL). Text first: the plugin slices a vector by
    its first argument's bytes."""
    out = []
    for content, path in zip(as_array(contents).to_pylist(), as_array(paths).to_pylist(), strict=True):
        references = None if content is None else python_imports_of(path or "", content)
        out.append(None if references is None else [r._asdict() for r in references])
    return pa.array(out, pa.list_(IMPORT_REFERENCE_TYPE))


def _module_file_index(paths: Sequence[str]) -> dict[str, dict[str, list[int]]]:
    """Dotted module name -> root directory -> indices of the files that are that module under
    that root (``a/b/c.py`` is ``c`` under ``a/b``, ``b.c`` under ``a`` and ``a.b.c`` under the
    root; ``a/b/__init__.py`` is the package ``a.b``)."""
    index: dict[str, dict[str, list[int]]] = {}
    for i, path in enumerate(paths):
        if not path.endswith(".py"):
            continue
        parts = path[: -len(".py")].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        for start in range(len(parts)):
            module = ".".join(parts[start:])
            if not module:
                continue
            root = "/".join(parts[:start])
            index.setdefault(module, {}).setdefault(root, []).append(i)
    return index


def _top_directory(path: str) -> str:
    """The first directory of ``path`` ("" for a file at the repository root)."""
    return path.split("/")[0] if "/" in path else ""


def dependency_graph(
    paths: Sequence[str],
    imports: Sequence[Sequence[ImportReference] | None],
    other_paths: Iterable[str] = (),
) -> list[set[int]]:
    """For each file, the indices of the files of ``paths`` it imports (never itself).

    ``other_paths`` are the repository's files that are not ordered (dropped by curation): they
    resolve a reference (``from . import data`` names ``data.py``, not the package) and are then
    left out, so a dropped module never makes its package ``__init__`` a dependency."""
    ordered = set(paths)
    index = _module_file_index([*paths, *sorted(set(other_paths) - ordered)])
    n = len(paths)

    def absolute(module: str, importer: str) -> list[int]:
        roots = index.get(module)
        if not roots:
            return []
        for root in ("", _top_directory(importer)):
            if root in roots:
                return roots[root]
        top_level = sorted(root for root in roots if "/" not in root)
        return roots[top_level[0]] if top_level else []

    def relative(anchor: str, module: str) -> list[int]:
        roots = index.get(module) if module else None
        if module:
            return roots.get(anchor, []) if roots else []
        # `from . import x`: the anchor package itself.
        parent, _, name = anchor.rpartition("/")
        return index.get(name, {}).get(parent, []) if name else []

    graph: list[set[int]] = []
    for i, (path, references) in enumerate(zip(paths, imports, strict=True)):
        targets: set[int] = set()
        for reference in references or ():
            anchor, module, name = reference
            find = (lambda m, p=path: absolute(m, p)) if anchor is None else (lambda m, a=anchor: relative(a, m))
            if name is not None:
                submodule = find(f"{module}.{name}" if module else name)
                if submodule:
                    targets.update(submodule)
                    continue
            if module or anchor is not None:
                targets.update(find(module))
        targets.discard(i)
        graph.append({t for t in targets if t < n})
    return graph


def _strongly_connected_components(graph: Sequence[set[int]]) -> list[list[int]]:
    """Tarjan's algorithm without recursion (a repository's import chains can be deep)."""
    index_of: list[int | None] = [None] * len(graph)
    low = [0] * len(graph)
    on_stack = [False] * len(graph)
    stack: list[int] = []
    components: list[list[int]] = []
    counter = 0
    for start in range(len(graph)):
        if index_of[start] is not None:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index_of[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack[start] = True
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if index_of[child] is None:
                    index_of[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack[child] = True
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if on_stack[child]:
                    low[node] = min(low[node], index_of[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index_of[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack[member] = False
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _cycle_order(component: list[int], graph: Sequence[set[int]], paths: Sequence[str]) -> list[int]:
    """DeepSeek-Coder's Algorithm 1 inside one cycle: repeatedly the file with the fewest
    dependencies not yet placed, the smallest path on ties."""
    members = set(component)
    remaining = {i: len(graph[i] & members) for i in component}
    dependents: dict[int, list[int]] = {i: [] for i in component}
    for i in component:
        for j in graph[i] & members:
            dependents[j].append(i)
    heap = [(remaining[i], paths[i], i) for i in component]
    heapq.heapify(heap)
    placed: set[int] = set()
    order = []
    while heap:
        count, _, i = heapq.heappop(heap)
        if i in placed or count != remaining[i]:
            continue  # a stale entry: the file's count dropped since
        placed.add(i)
        order.append(i)
        for d in dependents[i]:
            if d not in placed:
                remaining[d] -= 1
                heapq.heappush(heap, (remaining[d], paths[d], d))
    return order


def dependency_order(
    repo: str,
    paths: Sequence[str],
    imports: Sequence[Sequence[ImportReference] | None],
    *,
    seed: int,
    order: Order,
    other_paths: Iterable[str] = (),
) -> list[int]:
    """The indices of ``paths`` in document order (see the module docstring); ``other_paths`` as
    in ``dependency_graph``."""
    if order not in ORDERS:
        raise ValueError(f"unknown repository document order {order!r}: expected one of {', '.join(ORDERS)}")
    keys = [(stable_hash(seed, "repository_order", repo, path), path, i) for i, path in enumerate(paths)]
    if order == "random":
        return [i for *_, i in sorted(keys)]
    graph = dependency_graph(paths, imports, other_paths)
    components = _strongly_connected_components(graph)
    component_of = [0] * len(paths)
    for c, members in enumerate(components):
        for i in members:
            component_of[i] = c
    waiting_on = [0] * len(components)
    dependents: list[set[int]] = [set() for _ in components]
    for i, targets in enumerate(graph):
        for j in targets:
            if component_of[i] != component_of[j] and component_of[i] not in dependents[component_of[j]]:
                dependents[component_of[j]].add(component_of[i])
                waiting_on[component_of[i]] += 1
    # A component's key is its smallest path's seeded key.
    component_key = [min((paths[i], i) for i in members) for members in components]
    ready = [(*keys[component_key[c][1]][:2], c) for c in range(len(components)) if waiting_on[c] == 0]
    heapq.heapify(ready)
    result: list[int] = []
    while ready:
        *_, c = heapq.heappop(ready)
        members = components[c]
        result.extend(members if len(members) == 1 else _cycle_order(members, graph, paths))
        for d in sorted(dependents[c]):
            waiting_on[d] -= 1
            if waiting_on[d] == 0:
                heapq.heappush(ready, (*keys[component_key[d][1]][:2], d))
    return result


def document_numbers(piece_bytes: Iterable[int], header_bytes: int, max_bytes: int) -> list[int]:
    """For pieces (file texts with their path headers) in document order, the 0-based document each
    goes to: a document is the header and as many pieces as fit in ``max_bytes``, cut only between
    pieces; a piece that does not fit even alone is a document of its own."""
    numbers, document, used = [], 0, None
    for size in piece_bytes:
        if used is not None and used + size > max_bytes:
            document += 1
            used = None
        used = (header_bytes if used is None else used) + size
        numbers.append(document)
    return numbers


def repository_layout(
    repos: pa.Array | pa.ChunkedArray,
    paths: pa.Array | pa.ChunkedArray,
    imports: pa.Array | pa.ChunkedArray,
    piece_bytes: pa.Array | pa.ChunkedArray,
    header_bytes: pa.Array | pa.ChunkedArray,
    all_paths: pa.Array | pa.ChunkedArray,
    *,
    seed: int,
    order: Order,
    max_bytes: int,
) -> pa.Array:
    """Per repository (one row: its paths, their import references and piece sizes as lists, and
    the paths of all its files, curated or not), a list aligned with ``paths`` of (position,
    document): the file's 0-based place in the repository's order and the document it goes to."""
    columns = [as_array(c) for c in (repos, paths, imports, piece_bytes, header_bytes, all_paths)]
    out = []
    # One repository's lists at a time in Python objects (a vector holds up to 2048 repositories).
    for row in range(len(columns[0])):
        repo, repo_paths, repo_imports, sizes, header, every_path = (c[row].as_py() for c in columns)
        references = [
            None if refs is None else [ImportReference(r["anchor"], r["module"], r["name"]) for r in refs]
            for refs in repo_imports
        ]
        ordered = dependency_order(
            repo, repo_paths, references, seed=seed, order=order, other_paths=[p for p in every_path or () if p]
        )
        documents = document_numbers((sizes[i] for i in ordered), header, max_bytes)
        layout: list[dict | None] = [None] * len(repo_paths)
        for position, (i, document) in enumerate(zip(ordered, documents, strict=True)):
            layout[i] = {"position": position, "document": document}
        out.append(layout)
    return pa.array(out, pa.list_(LAYOUT_TYPE))
