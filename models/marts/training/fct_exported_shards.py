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
so out/ holds this build's mixtures and nothing else a trainer would trust. The writing is the
engine-neutral step python_udfs.steps.export (on Spark a SQL model of the same name calls it
through a UDTF); this model queries its inputs. Knobs arrive through model config (Python models
cannot call var()).
"""

import json
import os
from decimal import Decimal

import pyarrow as pa
from dbt.adapters.events.logging import AdapterLogger
from dbt_common.invocation import get_invocation_id

from python_udfs.export.shards import claim_output_dir
from python_udfs.kernels.utils import checked_in_order
from python_udfs.steps.export import (
    FUNNEL_ORDER,
    MIXTURE_TOKENS_ORDER,
    SCHEMA,
    ExportInputs,
    ExportKnobs,
    check_mixture_names,
    check_tokenizer_unchanged,
    export_mixtures,
    provenance,
    raw_inputs,
)

BATCH_ROWS = 256
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
    knobs = ExportKnobs(
        output_dir=dbt.config.get("output_dir"),
        formats=json.loads(dbt.config.get("export_formats")),
        tokens_per_shard=int(dbt.config.get("export_tokens_per_shard")),
        seq_len=int(dbt.config.get("seq_len")),
        packing={
            "strategy": dbt.config.get("packing_strategy"),
            "tail": dbt.config.get("packing_tail"),
            "best_fit_block_tokens": int(dbt.config.get("packing_best_fit_block_tokens")),
        },
    )
    every_var = json.loads(dbt.config.get("manifest_vars"))
    root = os.getcwd()
    [(database,)] = session.execute(DATABASE_PATH).fetchall()
    holder = claim_output_dir(knobs.output_dir, database, get_invocation_id())
    # No invocation id or time: the same inputs and vars must give a byte-identical manifest.
    build = {"database": holder["database"]}

    packed = dbt.ref("fct_packed_sequences").sql_query()
    [tokenizer] = _rows(
        session,
        f"""select tokenizer_path, tokenizer_sha256, vocab_size, eos_token_id, pad_token_id,
        engine from ({dbt.ref("int_tokenizer_prepared").sql_query()})""",
    )
    mixtures = [
        r["mixture"]
        for r in _rows(
            session, f"select distinct mixture from ({dbt.ref('fct_training_documents').sql_query()}) order by mixture"
        )
    ]
    check_mixture_names(mixtures, knobs.output_dir)
    check_tokenizer_unchanged(tokenizer)

    def duckdb_glob(pattern):
        return [path for (path,) in session.execute("select file from glob($1) order by file", [pattern]).fetchall()]

    sources = _rows(session, f"select source_name, parquet_glob from ({dbt.ref('corpus_sources').sql_query()})")
    inputs = ExportInputs(
        mixtures=mixtures,
        tokenizer=tokenizer,
        provenance=provenance(
            raw=raw_inputs(sources, root, duckdb_glob),
            tokenizer=tokenizer,
            every_var=every_var,
            funnel=_rows(
                session,
                f"""select source, stage, stage_order, files_remaining, bytes_remaining, files_removed,
                bytes_removed, bytes_edited from ({dbt.ref("fct_funnel").sql_query()})
                order by {", ".join(FUNNEL_ORDER)}""",
            ),
            curated_tokens=_rows(
                session,
                f"""select source, count(*) as files, sum(n_tokens) as tokens
                from ({dbt.ref("int_files_tokenized").sql_query()}) group by source order by source""",
            ),
            root=root,
        ),
        mixture_tokens=_rows(
            session,
            f"""select mixture, source, documents, score_bucket, copies, realised_tokens as tokens
            from ({dbt.ref("fct_mixture_realised").sql_query()}) order by {", ".join(MIXTURE_TOKENS_ORDER)}""",
        ),
        packing_report=_rows(
            session, f"select * from ({dbt.ref('fct_packing_stats').sql_query()}) order by mixture, split"
        ),
        splits=_rows(
            session,
            f"""select split, count(*) as repos, sum(files) as files
            from ({dbt.ref("fct_repo_splits").sql_query()}) group by split order by split""",
        ),
    )

    def split_totals(mixture, split):
        [(total, real_tokens)] = session.execute(
            f"select count(*), coalesce(sum(n_tokens), 0) from ({packed}) where mixture = $1 and split = $2",
            [mixture, split],
        ).fetchall()
        return total, real_tokens

    def windows(mixture, split):
        return _batches(
            session,
            f"select * exclude (mixture, split) from ({packed}) where mixture = $1 and split = $2 order by window_index",
            [mixture, split],
        )

    rows = export_mixtures(
        knobs,
        inputs,
        build=build,
        split_totals=split_totals,
        windows=windows,
        log=AdapterLogger("winnow").info,
    )
    return pa.Table.from_pylist(rows, schema=SCHEMA)
