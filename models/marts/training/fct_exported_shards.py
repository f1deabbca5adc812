"""The shards trainers read, written under <output_dir>/<mixture>/, one row per file written.

Per mixture and split (train, validation), fct_packed_sequences' windows stream in window order
from a cursor into python_udfs.export.shards, which writes every format of var export_formats (Parquet,
Megatron-LM .bin/.idx, .npy, nanoGPT's flat uint16 .bin) in shards of var export_tokens_per_shard
tokens (whole windows), each under a temporary name renamed when complete. The old manifest.json
is removed before the first file is touched, files of earlier runs that this run did not write
are deleted once the new ones are in place, and manifest.json is written last: it lists every
file with its sha256, sequences and tokens, and the provenance of the data (sha256 of every raw
input file and of tokenizer.json, package versions, the git commit, every var, the funnel's file,
byte and token counts), and the build: the DuckDB file's absolute path.
Token ids are checked against the tokenizer's vocabulary before each batch is written. Before any
of that, the output directory is claimed for this build (python_udfs.export.shards.claim_output_dir, also
on-run-start) and what earlier exports wrote for mixtures this build does not describe is removed,
so out/ holds this build's mixtures and nothing else a trainer would trust. Knobs arrive through
model config (Python models cannot call var()).
"""

import json
import os
import re
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
from dbt.adapters.events.logging import AdapterLogger
from dbt_common.invocation import get_invocation_id

import python_udfs
from python_udfs.export.provenance import display_path, file_sha256, git_commit, versions
from python_udfs.export.shards import (
    SPLITS,
    ExportError,
    claim_output_dir,
    finish_mixture,
    remove_other_mixtures,
    start_mixture,
    write_split,
)
from python_udfs.kernels.utils import checked_in_order

BATCH_ROWS = 256
MIXTURE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
MANIFEST_VERSION = 1
DATABASE_PATH = "select path from duckdb_databases() where database_name = current_database()"


def _rows(session, query, parameters=None):
    """A query's rows as dicts, integers as int (JSON-safe, identical however DuckDB sums)."""
    cursor = session.cursor()
    try:
        result = cursor.execute(query, parameters or [])
        names = [d[0] for d in result.description]
        return [{n: _plain(v) for n, v in zip(names, row)} for row in result.fetchall()]
    finally:
        cursor.close()


def _plain(value):
    """JSON-ready: DuckDB's DECIMAL sums as int (or float when fractional), the rest as is."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _batches(session, query, parameters, order_column="window_index"):
    """The rows of an ordered query as Arrow batches, read through a relation (which keeps the
    order) and checked to arrive in order (python_udfs.kernels.utils.checked_in_order)."""
    cursor = session.cursor()
    try:
        yield from checked_in_order(cursor.sql(query, params=parameters).to_arrow_reader(BATCH_ROWS), order_column)
    finally:
        cursor.close()


def _raw_inputs(session, sources_sql, root):
    """Every raw Parquet file of every corpus source, with its size and sha256, in path order."""
    inputs = []
    for row in _rows(session, f"select source_name, parquet_glob from ({sources_sql}) order by source_name"):
        for (path,) in session.execute("select file from glob($1) order by file", [row["parquet_glob"]]).fetchall():
            inputs.append(
                {
                    "source": row["source_name"],
                    "path": display_path(path, root),
                    "bytes": os.path.getsize(path),
                    "sha256": file_sha256(path),
                }
            )
    return inputs


def model(dbt, session):
    # Memoized (macros/memoized_table.sql): a new git commit or package version writes again (the
    # manifest records both), and so do shards that are no longer as the manifest lists them:
    # intact means out/ holds this table's mixtures only, each manifest names this database, and
    # every file has the sha256 listed (content, not size or mtime).
    dbt.config(
        materialized="memoized_table",
        fingerprint_inputs=["winnow_environment_state()"],
        memo_outputs_intact="""select winnow_export_intact({literal:output_dir},
            (select path from duckdb_databases() where database_name = current_database()),
            coalesce((select to_json(list({'mixture': mixture, 'path': path, 'bytes': bytes, 'sha256': sha256}))::varchar
                      from {this}), '[]'))""",
    )
    output_dir = dbt.config.get("output_dir")
    formats = json.loads(dbt.config.get("export_formats"))
    tokens_per_shard = int(dbt.config.get("export_tokens_per_shard"))
    seq_len = int(dbt.config.get("seq_len"))
    packing = {
        "strategy": dbt.config.get("packing_strategy"),
        "tail": dbt.config.get("packing_tail"),
        "best_fit_block_tokens": int(dbt.config.get("packing_best_fit_block_tokens")),
    }
    every_var = json.loads(dbt.config.get("manifest_vars"))
    root = os.getcwd()
    [(database,)] = session.execute(DATABASE_PATH).fetchall()
    holder = claim_output_dir(output_dir, database, get_invocation_id())
    # No invocation id or time: the same inputs and vars must give a byte-identical manifest.
    build = {"database": holder["database"]}

    packed = dbt.ref("fct_packed_sequences").sql_query()
    [tokenizer] = _rows(
        session,
        f"""select tokenizer_path, tokenizer_sha256, vocab_size, eos_token_id, pad_token_id,
        engine from ({dbt.ref("int_tokenizer_prepared").sql_query()})""",
    )
    vocab_size = tokenizer["vocab_size"]
    mixtures = [
        r["mixture"]
        for r in _rows(
            session, f"select distinct mixture from ({dbt.ref('fct_training_documents').sql_query()}) order by mixture"
        )
    ]
    for mixture in mixtures:
        if not MIXTURE_NAME.fullmatch(mixture):
            raise ExportError(
                f"seeds/mixtures.csv: mixture {mixture!r} cannot name a directory under {output_dir}/; "
                "use letters, digits, '_', '.' and '-' (not starting with '.' or '-')"
            )

    if sha := tokenizer["tokenizer_sha256"]:
        if file_sha256(tokenizer["tokenizer_path"]) != sha:
            raise ExportError(
                f"{tokenizer['tokenizer_path']} changed since int_tokenizer_prepared read it; rebuild from there"
            )
    provenance = {
        "raw_inputs": _raw_inputs(session, dbt.ref("corpus_sources").sql_query(), root),
        "tokenizer": {
            "path": display_path(tokenizer["tokenizer_path"], root),
            "sha256": tokenizer["tokenizer_sha256"],
            "engine": tokenizer["engine"],
        },
        "versions": versions(),
        "git": git_commit(root, Path(python_udfs.__file__).resolve().parent),
        "vars": every_var,
        "funnel": _rows(
            session,
            f"""select source, stage, stage_order, files_remaining, bytes_remaining, files_removed,
            bytes_removed, bytes_edited from ({dbt.ref("fct_funnel").sql_query()}) order by source, stage_order""",
        ),
        "curated_tokens": _rows(
            session,
            f"""select source, count(*) as files, sum(n_tokens) as tokens
            from ({dbt.ref("int_files_tokenized").sql_query()}) group by source order by source""",
        ),
    }
    mixture_tokens = _rows(
        session,
        f"""select mixture, source, documents, score_bucket, copies, realised_tokens as tokens
        from ({dbt.ref("fct_mixture_realised").sql_query()}) order by mixture, source, documents, score_bucket""",
    )
    packing_report = _rows(
        session, f"select * from ({dbt.ref('fct_packing_stats').sql_query()}) order by mixture, split"
    )
    splits = _rows(
        session,
        f"""select split, count(*) as repos, sum(files) as files
        from ({dbt.ref("fct_repo_splits").sql_query()}) group by split order by split""",
    )

    cleared = remove_other_mixtures(output_dir, mixtures)
    if cleared:
        AdapterLogger("winnow").info(
            f"fct_exported_shards: removed the shards and manifests of {', '.join(cleared)} from {output_dir}/: "
            "mixtures this build does not describe"
        )
    shard_rows = []
    for mixture in mixtures:
        mixture_dir = Path(output_dir) / mixture
        start_mixture(mixture_dir)
        files, split_totals = [], {}
        for split in SPLITS:
            [(total, real_tokens)] = session.execute(
                f"select count(*), coalesce(sum(n_tokens), 0) from ({packed}) where mixture = $1 and split = $2",
                [mixture, split],
            ).fetchall()
            repos = next((s for s in splits if s["split"] == split), {"repos": 0, "files": 0})
            split_totals[split] = {
                "sequences": total,
                "tokens": total * seq_len,
                "real_tokens": int(real_tokens),
                "repos": repos["repos"],
                "curated_files": repos["files"],
            }
            windows = _batches(
                session,
                f"select * exclude (mixture, split) from ({packed}) where mixture = $1 and split = $2 order by window_index",
                [mixture, split],
            )
            files += write_split(
                windows,
                mixture_dir,
                split,
                total_windows=total,
                formats=formats,
                vocab_size=vocab_size,
                seq_len=seq_len,
                tokens_per_shard=tokens_per_shard,
            )
        files.sort(key=lambda f: f.path)
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "mixture": mixture,
            "seq_len": seq_len,
            "packing": packing,
            "formats": sorted(formats),
            "vocab_size": vocab_size,
            "eos_token_id": tokenizer["eos_token_id"],
            "pad_token_id": tokenizer["pad_token_id"]
            if tokenizer["pad_token_id"] is not None
            else tokenizer["eos_token_id"],
            "token_dtype": "uint16" if vocab_size <= 2**16 else "uint32",
            "files": [f.as_json() for f in files],
            "splits": split_totals,
            "packing_report": [r for r in packing_report if r["mixture"] == mixture],
            "mixture_tokens": [r for r in mixture_tokens if r["mixture"] == mixture],
            "provenance": provenance,
            "build": build,
        }
        finish_mixture(mixture_dir, files, manifest)
        for f in files:
            shard_rows.append({"mixture": mixture, **f.as_json(), "path": (mixture_dir / f.path).as_posix()})

    columns = ["mixture", "split", "format", "shard", "path", "sequences", "tokens", "real_tokens", "bytes", "sha256"]
    types = [
        pa.string(),
        pa.string(),
        pa.string(),
        pa.int32(),
        pa.string(),
        pa.int64(),
        pa.int64(),
        pa.int64(),
        pa.int64(),
        pa.string(),
    ]
    return pa.table({c: pa.array([r[c] for r in shard_rows], t) for c, t in zip(columns, types)})
