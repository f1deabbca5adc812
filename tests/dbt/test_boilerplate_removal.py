"""Boilerplate removal on real files: pyarrow's modules share the Apache Software Foundation's
16-line license header, which more than boilerplate_document_threshold (10) documents hold, so it
is removed from each of them and the rest of every file is byte for byte the same; packaging's
dual-license header, in three files here, stays; code idioms that every standard-library file
here repeats (`import os`, `if __name__ == '__main__':`, `except ImportError:`) stay; a file
that is nothing but the header and one line is dropped into the ledger as boilerplate_only; the
edit table, the funnel and the ledger reconcile; one thread gives what two give."""

from __future__ import annotations

from pathlib import Path

import packaging
import pyarrow
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import STDLIB, make_dbt_project

pytestmark = pytest.mark.dbt

ASF_HEADER_START = "# Licensed to the Apache Software Foundation (ASF) under one\n"
MAIN_GUARD = "if __name__ == '__main__':"
IDIOMS = ["import os", MAIN_GUARD, "except ImportError:"]
ONLY_HEADER_TAIL = "x = 1\n"


def leading_comment_lines(text: str) -> int:
    """How many lines the file's leading run of `#` comment lines has."""
    lines = text.split("\n")
    return next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))


def without_leading_comments(text: str) -> str:
    return "\n".join(text.split("\n")[leading_comment_lines(text) :])


def asf_licensed_modules(count: int) -> dict[str, str]:
    """pyarrow modules that open with the ASF header, of a few KB (not so small that near dedup
    takes them for copies of each other), in path order."""
    root = Path(pyarrow.__file__).parent
    found = {}
    for path in sorted(root.rglob("*.py")):
        text = path.read_text()
        if (
            text.startswith(ASF_HEADER_START)
            and leading_comment_lines(text) == 16
            and 3_000 < len(text) < 40_000
            and "tests" not in path.parts
        ):
            found[f"pyarrow/{path.relative_to(root).as_posix()}"] = text
    assert len(found) >= count, f"only {len(found)} pyarrow modules with the ASF header"
    return dict(list(found.items())[:count])


def dual_licensed_modules(count: int) -> dict[str, str]:
    """packaging modules that open with its Apache-2.0/BSD dual-license header."""
    root = Path(packaging.__file__).parent
    found = {
        f"packaging/{path.name}": path.read_text()
        for path in sorted(root.glob("*.py"))
        if path.read_text().startswith("# This file is dual licensed") and len(path.read_text()) > 3_000
    }
    assert len(found) >= count
    return dict(list(found.items())[:count])


def idiom_modules(count: int) -> dict[str, str]:
    """Standard-library modules that repeat the common code idioms, each written the same way."""
    found = {}
    for path in sorted(STDLIB.glob("*.py")):
        text = path.read_text()
        if "import os" in text.split("\n") and MAIN_GUARD in text.split("\n") and len(text) < 40_000:
            found[f"stdlib/{path.name}"] = text
    assert len(found) >= count
    return dict(list(found.items())[:count])


ASF_FILES = asf_licensed_modules(12)
ONLY_HEADER_PATH = "pyarrow/only_header.py"
ASF_HEADER = "\n".join(next(iter(ASF_FILES.values())).split("\n")[:16]) + "\n"
DUAL_FILES = dual_licensed_modules(3)
IDIOM_FILES = idiom_modules(12)


def build(project, *extra: str, env: dict | None = None):
    result = project.dbt(
        "build",
        "--select",
        "+fct_drop_ledger",
        "+fct_curated_files",
        "+fct_funnel",
        "rpt_boilerplate_blocks",
        "--indirect-selection",
        "cautious",
        *extra,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("boilerplate")
    rows = {**ASF_FILES, ONLY_HEADER_PATH: ASF_HEADER + ONLY_HEADER_TAIL, **DUAL_FILES, **IDIOM_FILES}
    (root / "raw").mkdir()
    pq.write_table(
        pa.table(
            {
                "content": list(rows.values()),
                "max_stars_repo_name": [path.split("/")[0] for path in rows],
                "max_stars_repo_path": list(rows),
                "max_stars_repo_licenses": [["MIT"]] * len(rows),
            }
        ),
        root / "raw" / "part-0.parquet",
    )
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "real", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "the_stack", "tier": 1}]
    )
    build(project)
    return project


def curated(project) -> dict[str, str]:
    return dict(project.query("select path, content from fct_curated_files"))


def edited(project) -> dict[str, str]:
    """The text after boilerplate removal, before redaction replaces e-mail addresses in it."""
    return dict(project.query("select path, content from int_files_deboilerplated"))


def test_a_license_header_shared_by_many_files_is_removed_and_the_rest_is_byte_identical(project):
    files, kept = edited(project), curated(project)
    assert ASF_FILES.keys() <= files.keys()
    for path, original in ASF_FILES.items():
        assert files[path] == without_leading_comments(original), path
        assert ASF_HEADER_START not in kept[path]
    [(n_documents, excerpt)] = project.query("select n_documents, excerpt from rpt_boilerplate_blocks")
    assert n_documents == len(ASF_FILES) + 1
    assert excerpt.startswith(ASF_HEADER_START)


def test_a_header_fewer_files_share_stays(project):
    files = edited(project)
    for path, original in DUAL_FILES.items():
        assert files[path] == original, path


def test_code_idioms_repeated_across_many_files_stay(project):
    files = edited(project)
    for idiom in IDIOMS:
        holders = [path for path, text in IDIOM_FILES.items() if idiom in text.split("\n")]
        for path in holders:
            assert idiom in files[path].split("\n"), (idiom, path)
    # The idioms are common enough to be removed if code lines were candidates.
    for idiom in ["import os", MAIN_GUARD]:
        assert sum(idiom in text.split("\n") for text in IDIOM_FILES.values()) > 10
    for path, original in IDIOM_FILES.items():
        assert files[path] == original, path


def test_a_file_left_with_too_little_is_dropped_into_the_ledger(project):
    rows = project.query("select stage, rule, value, threshold from fct_drop_ledger where path = ?", [ONLY_HEADER_PATH])
    assert rows == [("boilerplate", "boilerplate_only", float(len(ONLY_HEADER_TAIL)), 50.0)]
    assert ONLY_HEADER_PATH not in curated(project)


def test_the_edit_table_funnel_and_ledger_reconcile(project):
    [(edits, documents, removed_bytes, dropped)] = project.query(
        "select count(*), count(distinct doc_id), sum(n_bytes), count(*) filter (where is_document_dropped)"
        " from int_boilerplate_edits"
    )
    header_bytes = len(ASF_HEADER.encode())
    assert (edits, documents, dropped) == (len(ASF_FILES) + 1, len(ASF_FILES) + 1, 1)
    assert removed_bytes == header_bytes * (len(ASF_FILES) + 1)
    funnel = {
        stage: (files_remaining, bytes_remaining, files_removed, bytes_removed, bytes_edited)
        for stage, files_remaining, bytes_remaining, files_removed, bytes_removed, bytes_edited in project.query(
            "select stage, sum(files_remaining), sum(bytes_remaining), sum(files_removed), sum(bytes_removed),"
            " sum(bytes_edited) from fct_funnel group by stage"
        )
    }
    only_header_bytes = len((ASF_HEADER + ONLY_HEADER_TAIL).encode())
    assert funnel["boilerplate"][2:] == (1, only_header_bytes, header_bytes * len(ASF_FILES))
    assert funnel["near_dedup"][1] == funnel["boilerplate"][1] + only_header_bytes + header_bytes * len(ASF_FILES)
    [(curated_bytes,)] = project.query("select sum(n_bytes) from fct_curated_files")
    assert funnel["decontamination"][1] == curated_bytes
    [(raw_rows,)] = project.query("select count(*) from int_raw_files_checked")
    [(outcomes,)] = project.query(
        "select (select count(*) from fct_curated_files) + (select count(*) from fct_drop_ledger)"
    )
    assert raw_rows == outcomes == len(ASF_FILES) + 1 + len(DUAL_FILES) + len(IDIOM_FILES)


def test_one_thread_removes_what_two_remove(project):
    queries = {
        "edits": "select doc_id, block_hash, first_line, n_lines, n_bytes from int_boilerplate_edits order by all",
        "curated": "select doc_id, content_hash from fct_curated_files order by all",
        "ledger": "select doc_id, stage, rule, value from fct_drop_ledger order by all",
    }
    two_threads = {name: project.query(sql) for name, sql in queries.items()}
    build(project, "--full-refresh", env={"WINNOW_THREADS": "1"})
    assert {name: project.query(sql) for name, sql in queries.items()} == two_threads


def write_corpus(directory: Path, rows: dict[str, str]) -> None:
    directory.mkdir(parents=True)
    pq.write_table(
        pa.table(
            {
                "content": list(rows.values()),
                "max_stars_repo_name": [path.split("/")[0] for path in rows],
                "max_stars_repo_path": list(rows),
                "max_stars_repo_licenses": [["MIT"]] * len(rows),
            }
        ),
        directory / "part-0.parquet",
    )


def test_files_cached_before_their_header_became_boilerplate_lose_it_when_the_corpus_grows(tmp_path):
    """Ten files hold the header (not more than the threshold): kept. Two more arrive in a new
    source: the cached texts of the ten are redacted again without it, as a build from scratch."""
    first, second = dict(list(ASF_FILES.items())[:10]), dict(list(ASF_FILES.items())[10:12])
    write_corpus(tmp_path / "raw" / "first", first)
    write_corpus(tmp_path / "raw" / "second", second)
    sources = [
        {"source_name": name, "parquet_glob": f"{tmp_path}/raw/{name}/*.parquet", "flavour": "the_stack", "tier": 1}
        for name in ("first", "second")
    ]
    project = make_dbt_project(tmp_path / "project")
    project.write_sources(sources[:1])
    build(project)
    assert edited(project) == first
    assert all(text.startswith(ASF_HEADER_START) for text in curated(project).values())
    project.write_sources(sources)
    build(project)
    assert edited(project) == {path: without_leading_comments(text) for path, text in {**first, **second}.items()}
    grown = curated(project)
    assert grown.keys() == {**first, **second}.keys()
    assert not any(ASF_HEADER_START in text for text in grown.values())
    build(project, "--full-refresh")
    assert curated(project) == grown
