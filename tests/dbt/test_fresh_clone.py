"""A fresh clone has no data/: the first `dbt build` creates the DuckDB file's directory and the
temp directory that profiles.yml points at by default."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input
from tests.conftest import DBT, make_dbt_project

pytestmark = pytest.mark.dbt


def test_first_build_of_a_fresh_clone_creates_data(tmp_path):
    ingest([stdlib_input(["json"]), *distribution_inputs(["idna"])], tmp_path / "raw", progress=False)
    project = make_dbt_project(tmp_path / "project")
    project.write_sources(
        [{"source_name": "code", "parquet_glob": f"{tmp_path}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    assert not (project.root / "data").exists()
    # profiles.yml's own defaults: data/winnow.duckdb and data/tmp/duckdb.
    environment = {
        key: value
        for key, value in {**os.environ, **project.environment()}.items()
        if key not in ("WINNOW_DB", "WINNOW_TEMP_DIR")
    }
    result = subprocess.run(
        [
            str(DBT),
            "build",
            "--profiles-dir",
            str(project.root),
            "--project-dir",
            str(project.root),
            "--vars",
            json.dumps({"tokenizer_vocab_size": 1024, "tokenizer_train_bytes": 500_000, "seq_len": 256}),
        ],
        cwd=project.root,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert (project.root / "data" / "winnow.duckdb").is_file()
    assert (project.root / "data" / "tmp" / "duckdb").is_dir()
