"""A FineWeb-Edu-style text corpus from the prose every Python installation has.

Real natural-language text that needs no download: the docstrings of the standard library (one
document per module, as its page on docs.python.org would read) and the README bodies that
installed distributions carry in ``*.dist-info/METADATA`` (one document per distribution, as on
its PyPI page). The output is a ``text``-flavour Parquet file (see ``corpus_flavours``) with the
columns of FineWeb-Edu::

    winnow text-corpus --default --out data/raw/text
    winnow text-corpus --stdlib json email --dist numpy --out data/raw/text

Columns: ``id``, ``url`` (``https://docs.python.org/3/library/<module>.html`` or
``https://pypi.org/project/<name>/``: synthetic but stable), ``text``, ``language`` (``en``),
``score`` and ``int_score``, ``licenses`` (PSF-2.0 for the standard library, the distribution's
SPDX ids from its metadata otherwise).

FineWeb-Edu's score comes from a classifier that is not available offline. ``score`` here is a
deterministic stand-in, documented as such: ``min(5, log2(1 + words / 25))`` (25 words score 1, 175
score 3, 775 or more score 5), and ``int_score`` rounds it half up, as FineWeb-Edu rounds its score.
It only ranks by length; it exists so the ``min_edu_int_score`` rule has a real column to act on.

The text is what the rendered page would show, as HTML extraction gives it for web text: inline
reStructuredText and Markdown markup is rendered (``:mod:`json``` and ```json``` read ``json``, a
paragraph's closing ``::`` reads ``:``), and, web text having one paragraph per line while
docstrings and READMEs wrap paragraphs at ~80 columns, plain prose paragraphs are unwrapped into
one line each; blocks that look like code, lists, tables or headings keep their lines. Documents are written in sorted order,
so the same installation gives the same bytes.
"""

from __future__ import annotations

import argparse
import ast
import importlib.metadata
import inspect
import json
import math
import os
import re
import shutil
import sysconfig
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..kernels.license_detection import detect_from_metadata
from .ingest.writer import (
    OUTPUT_MARKER,
    ROW_GROUP_MAX_BYTES,
    ROW_GROUP_MAX_ROWS,
    prepare_output_dir,
    replace_output_dir,
    row_group_bounds,
)

__all__ = [
    "TEXT_SCHEMA",
    "distribution_readme_documents",
    "edu_score",
    "main",
    "render_inline_markup",
    "stdlib_docstring_documents",
    "unwrap_paragraphs",
    "write_text_corpus",
]

TEXT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("url", pa.string()),
        ("text", pa.large_string()),
        ("language", pa.string()),
        ("score", pa.float64()),
        ("int_score", pa.int64()),
        ("licenses", pa.list_(pa.string())),
    ]
)

_ROLE = re.compile(r":[\w.+-]+:`~?(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")
_LITERAL = re.compile(r"``([^`]+)``|`([^`]+)`_{0,2}")
_STRUCTURED_LINE = re.compile(r"^(\s|>>>|\.\.\.|[-*+#>|=`~]|\d+[.)]\s|\.\. |:\w)")
_WORD = re.compile(r"\w+")


def edu_score(text: str) -> tuple[float, int]:
    """The stand-in (score, int_score) of a document: see the module docstring."""
    n_words = len(_WORD.findall(text))
    score = round(min(5.0, math.log2(1 + n_words / 25)), 3)
    return score, math.floor(score + 0.5)


def render_inline_markup(text: str) -> str:
    """Inline reST/Markdown markup as a rendered page shows it: roles, literals, links, ``::``."""

    def role(match: re.Match) -> str:
        target = match.group(1) if match.group(1) is not None else match.group(2)
        return target.rsplit(".", 1)[-1] if match.group(0).split("`", 1)[1].startswith("~") else target

    text = _ROLE.sub(role, text)
    text = _LITERAL.sub(lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"(?m)(\S)::$", r"\1:", text)
    return re.sub(r"(?m)^[ \t]*::[ \t]*$", "", text)


def unwrap_paragraphs(text: str) -> str:
    """Join the hard-wrapped lines of plain prose paragraphs; keep structured blocks as they are.

    Paragraphs are separated by blank lines; a paragraph is plain prose when none of its lines is
    indented or starts like a list item, heading, table, directive or doctest.
    """
    blocks = re.split(r"\n[ \t]*\n", render_inline_markup(text).strip())
    out = []
    for block in blocks:
        lines = block.split("\n")
        if block.strip() and not any(_STRUCTURED_LINE.match(line) for line in lines):
            out.append(" ".join(line.strip() for line in lines))
        else:
            out.append(block.rstrip())
    return "\n\n".join(b for b in out if b.strip())


def _module_page(tree: ast.Module, module: str) -> str:
    """A module's docstrings as one page: the module's, then each public class and function's
    (methods included), under a line naming it."""
    parts = []
    doc = ast.get_docstring(tree)
    if doc:
        parts.append(unwrap_paragraphs(inspect.cleandoc(doc)))

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if node.name.startswith("_"):
                continue
            doc = ast.get_docstring(node)
            if doc:
                parts.append(f"{prefix}{node.name}\n\n{unwrap_paragraphs(inspect.cleandoc(doc))}")
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, f"{module}.")
    return "\n\n".join(parts)


def _stdlib_modules(root: Path, wanted: set[str] | None) -> Iterator[tuple[str, Path]]:
    """(dotted module name, file) of every public standard-library module, sorted; no tests."""
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        parts = list(rel.with_suffix("").parts)
        top = parts[0]
        if top in {"site-packages", "dist-packages", "test", "idlelib", "lib2to3"} or top.startswith("config-"):
            continue
        if any(p.startswith("_") and p != "__init__" for p in parts) or "tests" in parts or "test" in parts:
            continue
        if wanted is not None and top not in wanted:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        yield ".".join(parts), path


def _document(doc_id: str, url: str, text: str, licenses: list[str]) -> dict:
    score, int_score = edu_score(text)
    return {
        "id": doc_id,
        "url": url,
        "text": text,
        "language": "en",
        "score": score,
        "int_score": int_score,
        "licenses": licenses,
    }


def stdlib_docstring_documents(modules: Iterable[str] | None = None) -> Iterator[dict]:
    """One document per standard-library module with docstrings (``modules``: top-level names)."""
    root = Path(sysconfig.get_paths()["stdlib"])
    wanted = set(modules) if modules else None
    for module, path in _stdlib_modules(root, wanted):
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError):
            continue
        text = _module_page(tree, module)
        if text.strip():
            yield _document(
                f"python/cpython/{path.relative_to(root).as_posix()}",
                f"https://docs.python.org/3/library/{module}.html",
                text,
                ["PSF-2.0"],
            )


def distribution_readme_documents(names: Iterable[str] | None = None) -> Iterator[dict]:
    """One document per installed distribution with a long description (its README)."""
    wanted = {n.lower().replace("_", "-") for n in names} if names is not None else None
    seen = set()
    dists = []
    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not name or name in seen or name == "winnow" or (wanted is not None and name not in wanted):
            continue
        seen.add(name)
        dists.append((name, dist))
    missing = (wanted or set()) - seen
    if missing:
        raise SystemExit(f"winnow text_corpus: distribution(s) not installed here: {', '.join(sorted(missing))}.")
    for name, dist in sorted(dists, key=lambda item: item[0]):
        metadata_text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
        body = dist.metadata.get_payload() or dist.metadata.get("Description") or ""
        if not isinstance(body, str) or not body.strip():
            continue
        yield _document(
            f"pypi/{name}/README",
            f"https://pypi.org/project/{name}/",
            unwrap_paragraphs(body),
            list(detect_from_metadata(metadata_text).spdx_ids),
        )


def write_text_corpus(documents: Iterable[dict], out_dir: Path) -> int:
    """Write the documents to ``out_dir/part-00000.parquet``; returns rows.

    ``out_dir`` is replaced only if winnow wrote it (it holds ``_ingest/summary.json``, as this
    writes) or it is empty, and may not overlap the installation the documents come from.
    """
    out_dir = Path(out_dir)
    sources = {Path(sysconfig.get_paths()[key]) for key in ("stdlib", "purelib", "platlib")}
    prepare_output_dir(out_dir, sources, tool="text_corpus")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work_dir = out_dir.parent / f".{out_dir.name}.writing-{os.getpid()}"
    shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True)
    try:
        columns: dict[str, list] = {name: [] for name in TEXT_SCHEMA.names}
        for document in documents:
            for name in TEXT_SCHEMA.names:
                columns[name].append(document[name])
        table = pa.table(columns, schema=TEXT_SCHEMA)
        sizes = [len(t.encode("utf-8")) for t in columns["text"]]
        with pq.ParquetWriter(work_dir / "part-00000.parquet", TEXT_SCHEMA, compression="zstd") as writer:
            for start, stop in row_group_bounds(sizes, ROW_GROUP_MAX_ROWS, ROW_GROUP_MAX_BYTES):
                writer.write_table(table.slice(start, stop - start), row_group_size=stop - start)
        (work_dir / OUTPUT_MARKER).parent.mkdir()
        (work_dir / OUTPUT_MARKER).write_text(json.dumps({"documents": table.num_rows}, indent=2) + "\n")
    except BaseException:
        # A reader never sees a half-written corpus, and no staging directory outlives a failure.
        shutil.rmtree(work_dir, ignore_errors=True)
        raise
    replace_output_dir(work_dir, out_dir)
    return table.num_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="winnow text-corpus",
        description="Build a FineWeb-Edu-style text Parquet from standard-library docstrings and "
        "installed distributions' READMEs.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output directory: replaced if winnow wrote it; may not overlap an input",
    )
    parser.add_argument("--default", action="store_true", help="the whole standard library and every distribution")
    parser.add_argument("--stdlib", nargs="*", metavar="MODULE", help="standard-library docstrings (these modules)")
    parser.add_argument(
        "--dist", action="append", default=[], metavar="NAME", help="an installed distribution's README"
    )
    args = parser.parse_args(argv)
    parts: list[Iterable[dict]] = []
    if args.default or args.stdlib is not None:
        parts.append(stdlib_docstring_documents(args.stdlib or None))
    if args.default:
        parts.append(distribution_readme_documents())
    elif args.dist:
        parts.append(distribution_readme_documents(args.dist))
    if not parts:
        raise SystemExit("winnow text-corpus: nothing to write; give --default, --stdlib or --dist.")
    rows = write_text_corpus((d for part in parts for d in part), args.out)
    print(json.dumps({"out": str(args.out), "documents": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
