"""Hostile raw rows: each is curated or in the drop ledger exactly once (the build's reconciliation
tests), with the reason a reader would expect, and nothing crashes.

One source holds real standard-library files beside a 50 MB single-line file, NUL bytes inside
real code, bytes that Python's surrogate escapes produce (lone surrogates, not valid UTF-8), a
NULL path, and a million tiny files."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import STDLIB, make_dbt_project, stdlib_files
from tests.dbt.fixtures import string_array_with_raw_bytes

pytestmark = pytest.mark.dbt

REAL = (STDLIB / "textwrap.py").read_text()
N_TINY = 1_000_000

# path -> (content as bytes, expected (stage, rule), or None for kept)
HOSTILE = {
    "huge_single_line.py": (b"x = '" + b"a" * 50_000_000 + b"'\n", ("quality", "too_large")),
    "nul_bytes.py": (REAL.encode().replace(b"\n\n", b"\n\x00\n", 3), ("staging", "binary_content")),
    # '\udcff' as surrogateescape writes it back: a lone 0xFF byte.
    "surrogate_escape.py": (
        ("x = 'caf\udcff'\n" + REAL).encode("utf-8", "surrogateescape"),
        ("staging", "invalid_utf8"),
    ),
    # A lone high surrogate as CESU-8 / surrogatepass writes it: ED A0 80.
    "lone_surrogate.py": (("s = '\ud800'\n" + REAL).encode("utf-8", "surrogatepass"), ("staging", "invalid_utf8")),
    "real.py": (REAL.encode(), None),
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzzed")
    raw = root / "raw"
    raw.mkdir()
    paths = list(HOSTILE) + [None]
    contents = [content for content, _ in HOSTILE.values()] + [REAL.encode()]
    pq.write_table(
        pa.table(
            {
                "content": string_array_with_raw_bytes(contents),
                "max_stars_repo_name": ["fuzz/hostile"] * len(paths),
                "max_stars_repo_path": pa.array(paths, pa.string()),
                "max_stars_repo_licenses": [["MIT"]] * len(paths),
            }
        ),
        raw / "hostile.parquet",
        row_group_size=1,
    )
    # A million tiny files (one repo each), and real ones so that the later stages have work.
    tiny = pa.table(
        {
            "content": pa.array([f"x = {i}\n" for i in range(N_TINY)]),
            "max_stars_repo_name": pa.array([f"tiny/{i % 1000}" for i in range(N_TINY)]),
            "max_stars_repo_path": pa.array([f"f{i}.py" for i in range(N_TINY)]),
            "max_stars_repo_licenses": pa.array([["MIT"]] * N_TINY),
        }
    )
    pq.write_table(tiny, raw / "tiny.parquet", row_group_size=100_000)
    real_files = stdlib_files("json")
    pq.write_table(
        pa.table(
            {
                "content": [p.read_text() for p in real_files],
                "max_stars_repo_name": ["cpython/json"] * len(real_files),
                "max_stars_repo_path": [p.name for p in real_files],
                "max_stars_repo_licenses": [["PSF-2.0"]] * len(real_files),
            }
        ),
        raw / "real.parquet",
    )
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "fuzz", "parquet_glob": f"{raw}/*.parquet", "flavour": "the_stack", "tier": 1}]
    )
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-5000:]
    return project


def test_each_hostile_row_gets_its_verdict(project):
    dropped = dict(project.query("select path, (stage, rule) from fct_drop_ledger where repo = 'fuzz/hostile'"))
    kept = {p for (p,) in project.query("select path from fct_curated_files where repo = 'fuzz/hostile'")}
    for path, (_, expected) in HOSTILE.items():
        if expected is None:
            assert path in kept and path not in dropped
        else:
            assert dropped.get(path) == expected, (path, dropped.get(path))
    # The row without a path is named by its source file and row in the ledger.
    assert project.query("select rule from fct_drop_ledger where repo = 'fuzz/hostile' and path is null") == [
        ("missing_repo_or_path",)
    ]


def test_nul_bytes_are_counted(project):
    [(value, threshold)] = project.query("select value, threshold from fct_drop_ledger where rule = 'binary_content'")
    assert (value, threshold) == (3, 0)


def test_a_million_tiny_files_are_all_accounted_for(project):
    [(dropped, kept)] = project.query(
        """select count(*) filter (where l.doc_id is not null), count(*) filter (where c.doc_id is not null)
           from int_raw_files_checked r
           left join fct_drop_ledger l using (doc_id)
           left join fct_curated_files c using (doc_id)
           where r.repo like 'tiny/%'"""
    )
    assert dropped + kept == N_TINY
    assert dropped == N_TINY  # each is under the 50-character minimum
    assert project.query("select distinct rule from fct_drop_ledger where repo like 'tiny/%'") == [("too_small",)]
