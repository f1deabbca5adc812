"""Schema flavours of raw corpora, and the check a source must pass before staging reads it.

A flavour says which raw column plays each role of winnow's staging contract (``repo``, ``path``,
``content``, ``licenses``, ``language``, and the optional ``kind``, ``url``, ``score``,
``int_score``, ``file_licenses``, ``nearest_license_file``). Some flavours accept alternatives: The
Stack v1 has ``max_stars_repo_name`` where v2 has ``repository_name``. Each flavour has a default kind of content (``code``, ``text`` or
``docs``); a ``kind`` column, where a flavour has one, overrides it row by row. ``check_corpus_source`` reads only the
Parquet footers of the files a source's glob matches, so it is cheap enough to run before every
build, and it turns every way a source can be unusable into one message that names the source, the
file or column, and what to do.
"""

from __future__ import annotations

import glob as globlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = [
    "FLAVOURS",
    "KINDS",
    "NUMERIC_ROLES",
    "SWH_TABLES",
    "Flavour",
    "check_blob_store",
    "check_corpus_source",
    "known_flavours",
    "resolve_columns",
]


@dataclass(frozen=True)
class Flavour:
    """Candidate raw column names per contract role, first match wins; required roles must match."""

    name: str
    description: str
    roles: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    # What the rows are when no kind column says otherwise: code, text or docs.
    default_kind: str = "code"
    # Where the text is: a column of the rows ("row"), or the source's blob store, keyed by the
    # blob_id role ("blob_store"); "swh_graph" reads a Software Heritage export (SWH_TABLES).
    content_from: str = "row"


# Roles whose columns are numbers, not strings (FineWeb-Edu's classifier score and its rounding).
NUMERIC_ROLES = ("score", "int_score")
# Roles whose columns are a license string or a list of them.
LICENSE_LIST_ROLES = ("licenses", "file_licenses")
KINDS = ("code", "text", "docs")


FLAVOURS: dict[str, Flavour] = {
    flavour.name: flavour
    for flavour in (
        Flavour(
            name="winnow",
            description="winnow's own raw schema, written by `winnow ingest`",
            roles={
                "repo": ("repo",),
                "path": ("path",),
                "content": ("content",),
                "licenses": ("licenses",),
                "language": ("language",),
                # Written by ingest since text and docs sources; older corpora lack it.
                "kind": ("kind",),
                # The license of the nearest license file above each file (a subtree's own
                # LICENSE/COPYING); older corpora lack it.
                "file_licenses": ("file_licenses",),
                "nearest_license_file": ("nearest_license_file",),
            },
            required=("repo", "path", "content", "licenses", "language"),
        ),
        Flavour(
            name="text",
            description="natural-language text, FineWeb / FineWeb-Edu style Parquet (text, optional url, id, "
            "score, int_score, language, license)",
            roles={
                "repo": (),
                "path": (),
                "content": ("text",),
                "licenses": ("licenses", "license"),
                "language": ("language",),
                "url": ("url",),
                "id": ("id",),
                "score": ("score",),
                "int_score": ("int_score",),
            },
            required=("content",),
            default_kind="text",
        ),
        Flavour(
            name="the_stack",
            description="bigcode/the-stack (v1 dedup) and StarCoder data style Parquet",
            roles={
                "repo": ("max_stars_repo_name", "repository_name", "repo_name"),
                "path": ("max_stars_repo_path", "path"),
                "content": ("content",),
                "licenses": ("max_stars_repo_licenses", "licenses", "detected_licenses", "license"),
                "language": ("lang", "language"),
            },
            required=("repo", "path", "content"),
        ),
        Flavour(
            name="the_stack_v2",
            description="bigcode/the-stack-v2 file metadata (blob_id, repo_name, path, detected_licenses, "
            "license_type, language, ...), contents from the source's blob_store",
            roles={
                "repo": ("repo_name",),
                "path": ("path",),
                "blob_id": ("blob_id",),
                "licenses": ("detected_licenses",),
                "language": ("language",),
            },
            required=("repo", "path", "blob_id"),
            content_from="blob_store",
        ),
        Flavour(
            name="swh",
            description="a Software Heritage graph dataset export: a directory of Parquet tables "
            "(<root>/<table>/*.parquet), contents from the source's blob_store",
            roles={},
            required=(),
            content_from="swh_graph",
        ),
        Flavour(
            name="codeparrot",
            description="codeparrot/codeparrot-clean style Parquet (all Python)",
            roles={
                "repo": ("repo_name",),
                "path": ("path",),
                "content": ("content",),
                "licenses": ("license",),
                "language": (),
            },
            required=("repo", "path", "content", "licenses"),
        ),
    )
}


def known_flavours() -> list[str]:
    """Names of every flavour, sorted (what seeds/corpus_sources.csv may say in ``flavour``)."""
    return sorted(FLAVOURS)


def _is_text(type_: pa.DataType) -> bool:
    return pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_string_view(type_)


def _is_number(type_: pa.DataType) -> bool:
    return pa.types.is_integer(type_) or pa.types.is_floating(type_) or pa.types.is_decimal(type_)


def _is_text_or_text_list(type_: pa.DataType) -> bool:
    if _is_text(type_):
        return True
    if pa.types.is_list(type_) or pa.types.is_large_list(type_):
        return _is_text(type_.value_type)
    return False


def resolve_columns(flavour: Flavour, schema: pa.Schema) -> tuple[dict[str, str | None], list[str]]:
    """Map each role to a column of ``schema``; also return the problems found (empty if none)."""
    names = set(schema.names)
    mapping: dict[str, str | None] = {}
    problems: list[str] = []
    for role, candidates in flavour.roles.items():
        column = next((c for c in candidates if c in names), None)
        mapping[role] = column
        if column is None and role in flavour.required:
            problems.append(f"missing required column for '{role}': expected one of {', '.join(candidates)}")
            continue
        if column is None:
            continue
        type_ = schema.field(column).type
        check = (
            _is_text_or_text_list if role in LICENSE_LIST_ROLES else _is_number if role in NUMERIC_ROLES else _is_text
        )
        if not check(type_):
            expected = (
                "a string or list of strings"
                if role in LICENSE_LIST_ROLES
                else "a number"
                if role in NUMERIC_ROLES
                else "a string"
            )
            problems.append(f"column '{column}' ({role}) has type {type_}, expected {expected}")
    return mapping, problems


def _ingest_hint(flavour_name: str) -> str:
    if flavour_name == "text":
        return "winnow text-corpus --default --out DIR builds one from this machine's prose"
    return "winnow ingest ... --out DIR"


# The Software Heritage graph dataset's tables that the traversal reads, with the columns it uses
# (docs.softwareheritage.org/devel/swh-dataset/graph/schema.html): ids are hex strings, entry
# and branch names bytes (or text). `content` and `directory` are optional: without `content` a
# file's length is its blob's, without `directory` a directory is known by its entries only.
SWH_TABLES: dict[str, tuple[str, ...]] = {
    "origin": ("id", "url"),
    "origin_visit_status": ("origin", "visit", "date", "status", "snapshot"),
    "snapshot_branch": ("snapshot_id", "name", "target", "target_type"),
    "revision": ("id", "directory"),
    "directory_entry": ("directory_id", "name", "type", "target", "perms"),
}
SWH_OPTIONAL_TABLES: dict[str, tuple[str, ...]] = {
    "content": ("sha1_git", "length"),
    "directory": ("id",),
}
# A blob store's key column (Software Heritage's name first, then The Stack v2's) and text column.
BLOB_ID_COLUMNS = ("sha1_git", "blob_id")
BLOB_CONTENT_COLUMNS = ("content",)


def _is_binary(type_: pa.DataType) -> bool:
    return pa.types.is_binary(type_) or pa.types.is_large_binary(type_) or pa.types.is_binary_view(type_)


def _visible_files(pattern: str) -> list[str]:
    return sorted(path for path in globlib.glob(pattern, recursive=True, include_hidden=False) if Path(path).is_file())


def _read_schema(path: str) -> tuple[pa.Schema | None, str | None]:
    try:
        return pq.read_schema(path), None
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as error:
        return None, f"file '{path}' is not a readable Parquet file ({error}). Remove or re-export it"


def check_blob_store(blob_store: str) -> tuple[dict | None, str | None]:
    """Where a source's file contents are: ``({"kind": "directory", "directory": d}, None)`` for a
    directory of files named by their sha1_git (40 hex digits, at any depth), or ``({"kind":
    "parquet", "paths": [...], "id_column": c, "content_column": c, "content_is_binary": b}, None)``
    for Parquet of (sha1_git or blob_id, content); ``(None, problem)`` when it is neither."""
    if not blob_store:
        return None, "blob_store is empty: this flavour reads file contents from a blob store"
    store = Path(blob_store)
    if store.is_dir() and not _visible_files(str(store / "**" / "*.parquet")):
        return {"kind": "directory", "directory": str(store).rstrip("/")}, None
    pattern = str(store / "**" / "*.parquet") if store.is_dir() else blob_store
    files = _visible_files(pattern)
    if not files:
        return None, (
            f"blob_store '{blob_store}' is neither a directory of blobs named by sha1_git nor a glob "
            "that matches Parquet files (relative to the directory dbt runs in)"
        )
    columns: dict | None = None
    for path in files:
        schema, problem = _read_schema(path)
        if problem:
            return None, problem
        id_column = next((c for c in BLOB_ID_COLUMNS if c in schema.names), None)
        content_column = next((c for c in BLOB_CONTENT_COLUMNS if c in schema.names), None)
        if id_column is None or content_column is None:
            return None, (
                f"blob store file '{path}' needs a key column ({' or '.join(BLOB_ID_COLUMNS)}) and a "
                f"'content' column; columns present: {', '.join(schema.names)}"
            )
        content_type = schema.field(content_column).type
        if not (_is_text(content_type) or _is_binary(content_type)):
            return (
                None,
                f"blob store file '{path}': column 'content' has type {content_type}, expected bytes or a string",
            )
        found = {
            "id_column": id_column,
            "content_column": content_column,
            "content_is_binary": _is_binary(content_type),
        }
        if columns is not None and columns != found:
            return None, f"blob store file '{path}' has other key or content columns than '{files[0]}'"
        columns = found
    return {"kind": "parquet", "paths": files, **columns}, None


def _check_swh_export(export_root: str) -> tuple[dict | None, str | None]:
    """Each table of a Software Heritage export: its Parquet files and which of the columns the
    traversal reads are bytes (names are bytes in the published dataset), or the problem."""
    root = Path(export_root)
    if not root.is_dir():
        return None, (
            f"parquet_glob '{export_root}' is not a directory: for flavour 'swh' it names the export's "
            "root, holding one directory of Parquet files per table (origin/, snapshot_branch/, ...)"
        )
    tables: dict[str, dict] = {}
    for table, needed in {**SWH_TABLES, **SWH_OPTIONAL_TABLES}.items():
        files = _visible_files(str(root / table / "**" / "*.parquet"))
        if not files:
            if table in SWH_TABLES:
                return None, (
                    f"export '{export_root}' has no table '{table}' (no Parquet files under {root / table}/). "
                    f"The traversal needs {', '.join(SWH_TABLES)}; convert the dataset's ORC tables to Parquet"
                )
            continue
        binary_columns: set[str] = set()
        for path in files:
            schema, problem = _read_schema(path)
            if problem:
                return None, problem
            binary_columns |= {c for c in needed if c in schema.names and _is_binary(schema.field(c).type)}
            missing = [c for c in needed if c not in schema.names]
            if missing:
                return None, (
                    f"table '{table}' file '{path}' lacks column(s) {', '.join(missing)} of the Software "
                    f"Heritage graph schema; columns present: {', '.join(schema.names)}"
                )
        tables[table] = {"paths": files, "binary_columns": sorted(binary_columns)}
    return tables, None


def check_corpus_source(source_name: str, parquet_glob: str, flavour_name: str, blob_store: str | None = None) -> str:
    """JSON: ``{"ok": true, "columns": {role: [{name, is_list}]}, "files": n, "paths": [...]}`` or
    ``{"ok": false, "error": msg}``; flavours whose text is in a blob store add ``blob_store``
    (check_blob_store), and flavour swh has ``tables`` (each table's files) instead of ``paths``.

    The glob resolves against the working directory, as DuckDB's ``read_parquet`` does, but skips
    hidden files and directories (an interrupted ingest's ``.<out>.ingesting-<pid>/``), which
    DuckDB's glob matches: staging reads exactly ``paths``, the files checked here.
    """

    def fail(message: str) -> str:
        return json.dumps({"ok": False, "error": f"corpus source '{source_name}': {message}"})

    fix_seed = "Fix its row in seeds/corpus_sources.csv"
    flavour = FLAVOURS.get(flavour_name or "")
    if flavour is None:
        return fail(f"unknown flavour '{flavour_name}'. Known flavours: {', '.join(sorted(FLAVOURS))}. {fix_seed}.")
    if not parquet_glob:
        return fail(f"parquet_glob is empty. {fix_seed}.")
    store = None
    if flavour.content_from != "row":
        store, problem = check_blob_store(blob_store or "")
        if problem:
            return fail(f"{problem}. {fix_seed} (column blob_store).")
    elif blob_store:
        return fail(f"flavour '{flavour.name}' reads text from its rows, but blob_store is set. {fix_seed}.")
    if flavour.content_from == "swh_graph":
        tables, problem = _check_swh_export(parquet_glob)
        if problem:
            return fail(f"{problem}. {fix_seed} or re-export the tables.")
        return json.dumps(
            {
                "ok": True,
                "columns": {},
                "tables": tables,
                "files": sum(len(table["paths"]) for table in tables.values()),
                "paths": [],
                "blob_store": store,
                "default_kind": flavour.default_kind,
            }
        )
    files = sorted(globlib.glob(parquet_glob, recursive=True, include_hidden=False))
    if not files:
        return fail(
            f"parquet_glob '{parquet_glob}' matches no files (relative to the directory dbt runs in). "
            f"Ingest the corpus first ({_ingest_hint(flavour.name)}) or {fix_seed[0].lower() + fix_seed[1:]}."
        )
    merged: dict[str, pa.Field] = {}
    for path in files:
        try:
            schema = pq.read_schema(path)
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as error:
            return fail(
                f"file '{path}' is not a readable Parquet file ({error}). Remove or re-export it, "
                "or narrow parquet_glob."
            )
        _mapping, problems = resolve_columns(flavour, schema)
        if problems:
            return fail(
                f"file '{path}' does not fit flavour '{flavour.name}' ({flavour.description}): "
                + "; ".join(problems)
                + f". Columns present: {', '.join(schema.names)}. Use the right flavour or fix the file."
            )
        for f in schema:
            merged.setdefault(f.name, f)
    # Files of one source may differ (The Stack v1 and v2 names): staging coalesces every
    # candidate column that some file has, in the flavour's order of preference.
    columns = {
        role: [{"name": c, "is_list": not _is_text(merged[c].type)} for c in candidates if c in merged]
        for role, candidates in flavour.roles.items()
    }
    return json.dumps(
        {
            "ok": True,
            "columns": columns,
            "files": len(files),
            "paths": files,
            "blob_store": store,
            "default_kind": flavour.default_kind,
        }
    )
