"""The tokenizer every later model encodes with, prepared before anything is tokenised.

With var tokenizer_path empty, trains winnow's byte-level BPE (python_udfs.kernels.bpe_tokenizer) on the
'train' sample of int_tokenizer_samples, streamed in batches, and writes it atomically to
<output_dir>/tokenizer.json; the same sample and settings give a byte-identical file. Otherwise it
uses the user's tokenizer.json as it is. Either way it checks that the EOS token, the FIM sentinels
and, with var repository_document_format = starcoder2, the repository document markers
(<repo_name>, <file_sep>) are single special tokens (stopping with
a message naming the var otherwise), and
chooses the encoding engine: tiktoken when the tokenizer converts and tiktoken gives the ids of
tokenizers on every document of the 'engine_check' sample, else tokenizers, with the reason.

Incremental in effect: training and the engine check are each fingerprinted (the SHA-256 of the
sample's texts in order, the settings, winnow's code version), and a build whose fingerprint
equals the one recorded in the previous build's row (with tokenizer.json still holding the recorded
hash) reuses the previous result instead of recomputing it.

The logic is the engine-neutral step python_udfs.steps.tokenizer; this model reads the samples
for it (on Spark a SQL model of the same name calls it through a UDTF). Python models cannot call
var(): the vars arrive through model config (as strings), set in _int_tokenization__models.yml.
"""

import pyarrow as pa

from python_udfs.steps.tokenizer import SCHEMA, TokenizerKnobs, prepare_tokenizer

BATCH_ROWS = 512


def _previous_row(dbt, session):
    """The row this model wrote in the previous build, as a dict, or None."""
    this = dbt.this
    [(exists,)] = session.sql(
        "select count(*) from information_schema.columns "
        f"where table_schema = '{this.schema}' and table_name = '{this.identifier}' and column_name = 'engine_fingerprint'"
    ).fetchall()
    if not exists:
        return None
    relation = session.sql(f'select * from "{this.schema}"."{this.identifier}"')
    rows = relation.fetchall()
    return dict(zip(relation.columns, rows[0])) if len(rows) == 1 else None


def model(dbt, session):
    dbt.config(materialized="table")
    # dbt passes only the config keys of plain dbt.config.get("...") calls to a Python model.
    knobs = TokenizerKnobs(
        tokenizer_path=dbt.config.get("tokenizer_path"),
        output_dir=dbt.config.get("output_dir"),
        tokenizer_vocab_size=int(dbt.config.get("tokenizer_vocab_size")),
        tokenizer_engine=dbt.config.get("tokenizer_engine"),
        eos_token=dbt.config.get("eos_token"),
        pad_token=dbt.config.get("pad_token"),
        fim_prefix_token=dbt.config.get("fim_prefix_token"),
        fim_middle_token=dbt.config.get("fim_middle_token"),
        fim_suffix_token=dbt.config.get("fim_suffix_token"),
        repository_document_format=dbt.config.get("repository_document_format"),
    )
    samples = dbt.ref("int_tokenizer_samples")

    def texts(purpose):
        """Batches of sample texts in sample order, one Arrow batch at a time."""
        relation = samples.filter(f"purpose = '{purpose}'").order("sample_rank").select("content")
        for batch in relation.to_arrow_reader(BATCH_ROWS):
            yield batch.column(0).to_pylist()

    row = prepare_tokenizer(texts, knobs, previous=_previous_row(dbt, session))
    return pa.Table.from_pylist([row], schema=SCHEMA)
