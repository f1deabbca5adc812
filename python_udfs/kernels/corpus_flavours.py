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

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["FLAVOURS", "KINDS", "NUMERIC_ROLES", "Flavour", "check_corpus_source", "known_flavours", "resolve_columns"]


@dataclass(frozen=True)
class Flavour:
    """Candidate raw column names per contract role, first match wins; required roles must match."""

    name: str
    description: str
    roles: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    # What the rows are when no kind column says otherwise: code, text or docs.
    default_kind: str = "code"


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


def check_corpus_source(source_name: str, parquet_glob: str, flavour_name: str) -> str:
    """JSON: ``{"ok": true, "columns": {role: [{name, is_list}]}, "files": n, "paths": [...]}`` or
    ``{"ok": false, "error": msg}``.

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
        {"ok": True, "columns": columns, "files": len(files), "paths": files, "default_kind": flavour.default_kind}
    )
