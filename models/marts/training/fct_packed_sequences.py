"""Every mixture's documents packed into windows of var seq_len tokens, per split.

The documents of a mixture (fct_training_documents, in mixture order) are separated by split
(fct_repo_splits: a repository's files all go to train or all to validation), and each split is
packed on its own, so no window mixes training and validation tokens. EOS follows every document;
var packing_strategy chooses concat (one stream cut every seq_len tokens, the incomplete tail
dropped or padded by var packing_tail, as Megatron-LM and datatrove) or best_fit (best-fit
decreasing over blocks of var packing_best_fit_block_tokens tokens; documents longer than seq_len
cut into chunks; every window padded with the pad token, or EOS when the tokenizer has none).

Packing is the engine-neutral step python_udfs.steps.packing (over python_udfs.kernels.packing; on Spark
a SQL model of the same name calls it through a UDTF) over record batches streamed from an ordered query on a cursor; the
windows stream back out as an Arrow reader, so neither side holds a mixture in memory. Knobs
arrive through model config (Python models cannot call var()).
"""

import pyarrow as pa

from python_udfs.kernels.utils import checked_in_order
from python_udfs.steps.packing import SCHEMA, PackingKnobs, pack_split

BATCH_ROWS = 256


def _batches(session, query, parameters, order_column="position"):
    """The rows of an ordered query as Arrow batches, read through a relation (which keeps the
    order) and checked to arrive in order (python_udfs.kernels.utils.checked_in_order)."""
    cursor = session.cursor()
    try:
        yield from checked_in_order(cursor.sql(query, params=parameters).to_arrow_reader(BATCH_ROWS), order_column)
    finally:
        cursor.close()


def model(dbt, session):
    dbt.config(materialized="memoized_table")
    documents = dbt.ref("fct_training_documents").sql_query()
    splits = dbt.ref("fct_repo_splits").sql_query()
    [(eos_id, pad_id)] = session.execute(
        f"select eos_token_id, coalesce(pad_token_id, eos_token_id) from ({dbt.ref('int_tokenizer_prepared').sql_query()})"
    ).fetchall()
    knobs = PackingKnobs(
        seq_len=int(dbt.config.get("seq_len")),
        strategy=dbt.config.get("packing_strategy"),
        tail=dbt.config.get("packing_tail"),
        block_tokens=int(dbt.config.get("packing_best_fit_block_tokens")),
        eos_id=eos_id,
        pad_id=pad_id,
    )
    split_documents = f"""
        select documents.mixture, splits.split, documents.position, documents.input_ids
        from ({documents}) as documents
        join ({splits}) as splits on splits.repo = documents.repo
    """
    groups = session.execute(
        f"select distinct mixture, split from ({split_documents}) order by mixture, split"
    ).fetchall()

    def windows():
        for mixture, split in groups:
            documents_in_order = _batches(
                session,
                f"select position, input_ids from ({split_documents}) where mixture = $1 and split = $2 order by position",
                [mixture, split],
            )
            yield from pack_split(mixture, split, documents_in_order, knobs)

    return pa.RecordBatchReader.from_batches(SCHEMA, windows())
