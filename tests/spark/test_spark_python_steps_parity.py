"""The steps of winnow's dbt Python models give the same results on Spark as on DuckDB: a DuckDB
build of a small real corpus (parts of the standard library and installed packages, two mixtures,
both splits) through fct_exported_shards, then on Spark (local[2], through `winnow spark`)
int_tokenizer_prepared, fct_packed_sequences and fct_exported_shards as SQL models over Python
UDTFs (python_udfs/engine/spark_steps.py), their upstream tables seeded from the DuckDB build,
writing the same output_dir after DuckDB's was moved aside. The trained tokenizer.json and every
shard file must be byte-identical, every row equal, and each manifest.json equal but for the
field that names the build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import make_dbt_project

if not os.environ.get("WINNOW_REQUIRE_SPARK"):
    pytest.importorskip("pyspark", reason="the spark extra is not installed (pip install -e '.[spark]')")
    if shutil.which("java") is None:
        pytest.skip("no java on PATH (Spark needs Java 17)", allow_module_level=True)

pytestmark = [pytest.mark.spark, pytest.mark.dbt]

# The models that are dbt Python models on DuckDB, in build order, and what they read.
STEP_MODELS = ("int_tokenizer_prepared", "fct_packed_sequences", "fct_exported_shards")
UPSTREAM = (
    "corpus_sources",
    "int_tokenizer_samples",
    "int_files_tokenized",
    "fct_training_documents",
    "fct_repo_splits",
    "fct_mixture_realised",
    "fct_packing_stats",
    "fct_funnel",
)
MIXTURES_BUILT = ("pretrain", "repeat")

SEQ_LEN = 128
VARS = {
    "tokenizer_train_bytes": 400_000,
    "tokenizer_vocab_size": 768,
    "tokenizer_engine_check_bytes": 60_000,
    "seq_len": SEQ_LEN,
    "packing_tail": "pad",
    "validation_fraction": 0.3,
    "export_tokens_per_shard": SEQ_LEN * 400,
}
PACKAGES = ["idna", "six", "iniconfig", "filelock", "termcolor", "sortedcontainers"]
MIXTURES = """mixture,source,weight,epochs,temperature,total_tokens,fim_rate,fim_spm_rate
pretrain,*,,,1,,0.5,0.5
repeat,*,,1.5,,,0.5,0.5
"""

# Its own process (one JVM, Derby metastore in the scratch directory): the upstream tables made
# from DuckDB's Parquet, the step models built through the runner, their rows written to Parquet.
SPARK_BUILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import pyarrow.parquet as pq
    from python_udfs.cli import spark as runner

    work, seeded, out, upstream, models, dbt_vars = sys.argv[1:7]
    spark = runner.spark_session(Path(work))
    spark.sql("create database if not exists winnow")
    for name in upstream.split(","):
        spark.sql(f"create table winnow.{name} using parquet as select * from parquet.`{seeded}/{name}.parquet`")
    models = models.split(",")
    if runner.main(["run", "--select", *models, "--vars", dbt_vars]) != 0:
        sys.exit("winnow spark run failed")
    for model in models:
        pq.write_table(spark.sql(f"select * from winnow.{model}").toArrow(), f"{out}/{model}.parquet")
    """
)


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    """The DuckDB and Spark rows (directories of <model>.parquet) and output directories: both
    engines write var output_dir = <base>/out, DuckDB's moved to <base>/out_duckdb before Spark's
    build (so paths in rows and manifests are the same and Spark starts from an empty directory)."""
    import duckdb

    from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input

    base = tmp_path_factory.mktemp("spark_steps")
    ingest([stdlib_input(["json", "tomllib"]), *distribution_inputs(PACKAGES)], base / "raw", progress=False)
    project = make_dbt_project(base / "project")
    project.write_sources(
        [{"source_name": "code", "parquet_glob": f"{base}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    (project.root / "seeds" / "mixtures.csv").write_text(MIXTURES)
    dbt_vars = json.dumps({**VARS, "output_dir": str(base / "out")})
    for args in (["seed"], ["run", "--select", "+fct_exported_shards", "--vars", dbt_vars]):
        result = project.dbt(*args)
        assert result.returncode == 0, result.stdout[-3000:]

    duckdb_rows, spark_rows = base / "duckdb_rows", base / "spark_rows"
    duckdb_rows.mkdir()
    spark_rows.mkdir()
    with duckdb.connect(str(project.root / "winnow.duckdb"), read_only=True) as con:
        for model in UPSTREAM + STEP_MODELS:
            con.execute(f"copy (select * from main.{model}) to '{duckdb_rows / model}.parquet' (format parquet)")
    (base / "out").rename(base / "out_duckdb")

    environment = {
        **os.environ,
        **project.environment(),
        "DBT_PROFILES_DIR": str(project.root),
        "WINNOW_SPARK_DIR": str(base / "spark"),
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            SPARK_BUILD,
            str(base / "spark"),
            str(duckdb_rows),
            str(spark_rows),
            ",".join(UPSTREAM),
            ",".join(STEP_MODELS),
            dbt_vars,
        ],
        cwd=project.root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-4000:])
    return {
        "duckdb_rows": duckdb_rows,
        "spark_rows": spark_rows,
        "duckdb_out": base / "out_duckdb",
        "spark_out": base / "out",
    }


def rows(directory: Path, model: str) -> list[dict]:
    import pyarrow.parquet as pq

    return pq.read_table(directory / f"{model}.parquet").to_pylist()


def test_the_trained_tokenizer_json_is_byte_identical(builds):
    duckdb_file, spark_file = builds["duckdb_out"] / "tokenizer.json", builds["spark_out"] / "tokenizer.json"
    assert spark_file.read_bytes() == duckdb_file.read_bytes()


def test_int_tokenizer_prepared_gives_the_same_row(builds):
    [expected] = rows(builds["duckdb_rows"], "int_tokenizer_prepared")
    [got] = rows(builds["spark_rows"], "int_tokenizer_prepared")
    # The fingerprints of the samples included.
    assert got == expected
    assert expected["origin"] == "trained" and expected["train_docs"] > 20 and expected["engine_check_docs"] > 5


def test_fct_packed_sequences_gives_every_window(builds):
    def ordered(directory):
        return sorted(
            rows(directory, "fct_packed_sequences"), key=lambda r: (r["mixture"], r["split"], r["window_index"])
        )

    expected, got = ordered(builds["duckdb_rows"]), ordered(builds["spark_rows"])
    assert len(got) == len(expected)
    first_difference = next((i for i, (a, b) in enumerate(zip(expected, got)) if a != b), None)
    assert first_difference is None, (expected[first_difference], got[first_difference])


def test_the_windows_cover_what_the_parity_is_about(builds):
    """Two mixtures, both splits, windows crossing documents and a padded tail."""
    windows = rows(builds["duckdb_rows"], "fct_packed_sequences")
    assert {(w["mixture"], w["split"]) for w in windows} == {
        (m, s) for m in ("pretrain", "repeat") for s in ("train", "validation")
    }
    assert len(windows) > 200
    assert any(w["n_padding"] > 0 for w in windows)
    assert any(len(w["boundaries"]) > 1 for w in windows)
    assert all(len(w["input_ids"]) == SEQ_LEN for w in windows)


def test_fct_exported_shards_gives_the_same_rows(builds):
    def ordered(directory):
        return sorted(rows(directory, "fct_exported_shards"), key=lambda r: r["path"])

    expected = ordered(builds["duckdb_rows"])
    assert ordered(builds["spark_rows"]) == expected
    assert {r["mixture"] for r in expected} == set(MIXTURES_BUILT)
    assert {r["format"] for r in expected} == {"parquet", "megatron", "npy", "nanogpt"}
    assert max(r["shard"] for r in expected) >= 1, "a split of several shards"


def written_files(out: Path) -> dict[str, bytes]:
    """Every file an export wrote under the mixtures' directories, by path (the lock aside)."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for mixture in MIXTURES_BUILT
        for path in sorted((out / mixture).rglob("*"))
        if path.is_file()
    }


def test_every_shard_file_is_byte_identical(builds):
    expected, got = written_files(builds["duckdb_out"]), written_files(builds["spark_out"])
    assert sorted(got) == sorted(expected)
    differing = [path for path in expected if not path.endswith("manifest.json") and got[path] != expected[path]]
    assert differing == []
    assert len(expected) > 20


def test_the_manifests_differ_only_in_the_build(builds):
    for mixture in MIXTURES_BUILT:
        expected = json.loads((builds["duckdb_out"] / mixture / "manifest.json").read_text())
        got = json.loads((builds["spark_out"] / mixture / "manifest.json").read_text())
        assert expected["build"] == {"database": str(builds["duckdb_out"].parent / "project" / "winnow.duckdb")}
        assert got["build"]["engine"] == "spark" and got["build"]["schema"] == "winnow"
        assert got["build"]["warehouse"].endswith("warehouse")
        assert {**got, "build": None} == {**expected, "build": None}
        provenance = expected["provenance"]
        assert provenance["raw_inputs"] and provenance["funnel"] and provenance["curated_tokens"]
        assert expected["packing_report"] and expected["mixture_tokens"]
