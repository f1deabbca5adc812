"""Near dedup stays within memory_limit: the LSH band join spills to temp_directory instead of
failing when the band table is larger than the limit.

The signatures are synthetic so that the band table is large at little build cost: 100,000
signatures of 256 permutations (100 MB) in 50,000 identical pairs, giving 2.5 million band keys,
with DuckDB limited to 100 MB."""

from __future__ import annotations

import duckdb
import pytest

from tests.conftest import DirectoryPeak, make_dbt_project
from tests.dbt.fixtures import write_winnow_corpus

pytestmark = pytest.mark.dbt

N_SIGNATURES = 100_000
MEMORY_LIMIT_BYTES = 100 * 1000**2


def test_band_join_spills_below_the_band_table_size(tmp_path):
    write_winnow_corpus(tmp_path / "raw", ["json"], [])
    project = make_dbt_project(tmp_path / "project")
    project.write_sources(
        [{"source_name": "sample", "parquet_glob": f"{tmp_path}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]

    # Pairs 2k and 2k+1 share every permutation value, so they share all 25 bands.
    with duckdb.connect(str(project.root / "winnow.duckdb")) as con:
        con.execute(f"""
            create or replace table int_files_minhashed as
            select
                md5('synthetic-' || i) as doc_id,
                list_transform(range(256), lambda p: (hash(i // 2, p) % 4294967296)::uinteger) as signature,
                null::varchar as minhash_skip_reason
            from range({N_SIGNATURES}) as t(i)
        """)
        band_table_bytes = con.execute("""
            select sum(strlen(doc_id) + 16 + 8 + 8)
            from int_files_minhashed, range(25)
        """).fetchone()[0]
    assert band_table_bytes > MEMORY_LIMIT_BYTES

    with DirectoryPeak(project.root / "tmp") as temp:
        # --full-refresh: int_files_minhashed was replaced behind dbt's back, which a memoized
        # table does not notice (it trusts the row hash recorded when dbt built its input).
        # One thread: at 100 MB, two threads' vectors in flight and hash-table partitions left
        # too little room once (out of memory at 94 of 95 MiB, in a CI run with the suite's other
        # worker busy); the point here is that the band table, larger than the limit, spills.
        result = project.dbt(
            "run",
            "--full-refresh",
            "--select",
            "int_near_dup_candidates",
            "int_near_dup_edges",
            env={"WINNOW_MEMORY_LIMIT": f"{MEMORY_LIMIT_BYTES // 1000**2}MB", "WINNOW_THREADS": "1"},
        )
    assert result.returncode == 0, result.stdout[-4000:]
    assert temp.peak_bytes > MEMORY_LIMIT_BYTES, (
        f"the join was expected to spill to temp_directory: peak {temp.peak_bytes:,} bytes, "
        f"{len(temp.files_seen)} spill files seen"
    )

    edges, shared_bands, min_similarity = project.query(
        "select count(*), sum(shared_bands), min(estimated_similarity) from int_near_dup_edges"
    )[0]
    assert (edges, shared_bands, min_similarity) == (N_SIGNATURES // 2, N_SIGNATURES // 2 * 25, 1.0)
