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

Python models cannot call var(): the vars arrive through model config (as strings), set in
_intermediate__models.yml.
"""

import hashlib
import json
import os

import pyarrow as pa

from python_udfs.engine.code_version import code_version
from python_udfs.kernels.bpe_tokenizer import (
    REPOSITORY_DOCUMENT_MARKERS,
    ROUND_TRIP_PROBES,
    SpecialTokens,
    TokenizerError,
    check_special_tokens,
    first_engine_mismatch,
    first_round_trip_difference,
    load_tokenizer,
    train_tokenizer,
)
from python_udfs.kernels.fim import Sentinels

BATCH_ROWS = 512
ROLE_VARS = {
    "eos": "eos_token",
    "fim_prefix": "fim_prefix_token",
    "fim_middle": "fim_middle_token",
    "fim_suffix": "fim_suffix_token",
}


def _texts(samples, purpose):
    """Batches of sample texts in sample order, one Arrow batch at a time."""
    relation = samples.filter(f"purpose = '{purpose}'").order("sample_rank").select("content")
    for batch in relation.to_arrow_reader(BATCH_ROWS):
        yield batch.column(0).to_pylist()


def _sample_digest(samples, purpose):
    """SHA-256 of a sample's texts in sample order (each text hashed, the hashes hashed)."""
    [(digest,)] = (
        samples.filter(f"purpose = '{purpose}'")
        .aggregate("sha256(coalesce(string_agg(sha256(content), '' order by sample_rank), ''))")
        .fetchall()
    )
    return digest


def _fingerprint(**parts):
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_round_trip(loaded, samples, user_path):
    """Stops unless decode(encode(text)) == text on the fixed probes and on the first batch of real
    curated text (the engine_check sample, or the train sample when that is empty): a lossy
    tokenizer (a Lowercase or NFKC normalizer, a pre-tokenizer that drops whitespace) would train
    the model on text other than the curated corpus."""
    real = next(_texts(samples, "engine_check"), None) or next(_texts(samples, "train"), None) or []
    for name, texts in (("probe", list(ROUND_TRIP_PROBES)), ("curated sample document", real)):
        difference = first_round_trip_difference(loaded, texts)
        if difference is None:
            continue
        index, at = difference
        text = texts[index]
        back = loaded.hf.decode(loaded.hf.encode(text, add_special_tokens=False).ids, skip_special_tokens=False)
        where = f"var tokenizer_path = {user_path!r}" if user_path else f"the trained tokenizer {loaded.path}"
        raise TokenizerError(
            f"{where} does not give text back: decode(encode(text)) differs from the text of {name} {index} "
            f"at character {at}: {text[max(0, at - 20) : at + 20]!r} became {back[max(0, at - 20) : at + 20]!r}. "
            "Training documents would not decode to the curated text; use a tokenizer without a normalizer "
            "and with a lossless pre-tokenizer and decoder (e.g. byte-level BPE), or leave tokenizer_path "
            "empty to train one."
        )


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
    user_path = dbt.config.get("tokenizer_path")
    user_path = (user_path or "").strip()
    output_dir = dbt.config.get("output_dir")
    vocab_size = int(dbt.config.get("tokenizer_vocab_size"))
    engine_choice = dbt.config.get("tokenizer_engine")
    document_format = dbt.config.get("repository_document_format")
    special = SpecialTokens(
        eos=dbt.config.get("eos_token"),
        pad=dbt.config.get("pad_token"),
        fim=Sentinels(
            prefix=dbt.config.get("fim_prefix_token"),
            middle=dbt.config.get("fim_middle_token"),
            suffix=dbt.config.get("fim_suffix_token"),
        ),
        repository=REPOSITORY_DOCUMENT_MARKERS[document_format],
    )
    samples = dbt.ref("int_tokenizer_samples")
    previous = _previous_row(dbt, session)

    train_docs = train_bytes = 0
    train_fingerprint = None
    if user_path:
        path, origin = os.path.abspath(user_path), "user"
        if not os.path.isfile(path):
            raise TokenizerError(
                f"var tokenizer_path = {user_path!r}: no such file ({path}). Give the path of a tokenizers "
                "tokenizer.json, or leave the var empty to train one on the curated corpus."
            )
    else:
        origin = "trained"
        [(train_docs, train_bytes)] = (
            samples.filter("purpose = 'train'").aggregate("count(*), coalesce(sum(strlen(content)), 0)").fetchall()
        )
        path = os.path.abspath(os.path.join(output_dir, "tokenizer.json"))
        train_fingerprint = _fingerprint(
            sample=_sample_digest(samples, "train"), vocab_size=vocab_size, special=repr(special), code=code_version()
        )
        reusable = (
            previous is not None
            and previous["train_fingerprint"] == train_fingerprint
            and previous["tokenizer_path"] == path
            and os.path.isfile(path)
            and _file_sha256(path) == previous["tokenizer_sha256"]
        )
        if not reusable:
            # An empty curated corpus gives a tokenizer of the 256 bytes and the special tokens:
            # nothing is left to encode, and the build goes on to its (empty) outputs.
            tokenizer = train_tokenizer(_texts(samples, "train"), vocab_size=vocab_size, special_tokens=special)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            temporary = f"{path}.{os.getpid()}.tmp"
            tokenizer.save(temporary, pretty=True)
            os.replace(temporary, path)

    loaded = load_tokenizer(path)
    try:
        ids = check_special_tokens(loaded.hf, special)
    except TokenizerError as error:
        if (error.role or "").startswith("repository document marker"):
            raise TokenizerError(
                f"{path}: {error}. var repository_document_format = {document_format} marks repository documents "
                f"with {' and '.join(special.repository)}, each one special token: add them to the tokenizer as "
                "special tokens, or set var repository_document_format to path_comments."
            ) from None
        raise TokenizerError(
            f"{path}: {error}. The EOS token and the FIM sentinels must each be one special token: add them to "
            f"the tokenizer as special tokens, or set var {ROLE_VARS.get(error.role, 'eos_token')} to the spelling it uses."
        ) from None
    _check_round_trip(loaded, samples, user_path)

    engine, reason, check_docs = "tokenizers", loaded.tiktoken_reason, 0
    engine_fingerprint = _fingerprint(
        sample=_sample_digest(samples, "engine_check"),
        tokenizer=loaded.sha256,
        choice=engine_choice,
        tiktoken=loaded.tiktoken is not None,
        code=code_version(),
    )
    if engine_choice == "tokenizers":
        reason = "var tokenizer_engine = tokenizers"
    elif previous is not None and previous["engine_fingerprint"] == engine_fingerprint:
        engine, reason, check_docs = previous["engine"], previous["engine_reason"], previous["engine_check_docs"]
    elif loaded.tiktoken is not None:
        mismatch, offset = None, 0
        for texts in _texts(samples, "engine_check"):
            index = first_engine_mismatch(loaded, texts)
            if index is not None:
                mismatch = offset + index
                break
            offset += len(texts)
        check_docs = offset
        if mismatch is None:
            engine, reason = "tiktoken", f"identical ids on {check_docs} documents of the engine_check sample"
        else:
            reason = f"tiktoken ids differ from tokenizers' on engine_check document {mismatch}"
    if engine_choice == "tiktoken" and engine != "tiktoken":
        raise TokenizerError(f"var tokenizer_engine = tiktoken, but {path} cannot use it: {reason}.")

    return pa.table(
        {
            "tokenizer_path": [path],
            "tokenizer_sha256": [loaded.sha256],
            "origin": [origin],
            "vocab_size": pa.array([loaded.hf.get_vocab_size(with_added_tokens=True)], pa.int32()),
            "eos_token_id": pa.array([ids["eos"]], pa.int32()),
            "pad_token_id": pa.array([ids["pad"]], pa.int32()),
            "fim_prefix_token_id": pa.array([ids["fim_prefix"]], pa.int32()),
            "fim_middle_token_id": pa.array([ids["fim_middle"]], pa.int32()),
            "fim_suffix_token_id": pa.array([ids["fim_suffix"]], pa.int32()),
            "engine": [engine],
            "engine_reason": [reason],
            "train_docs": pa.array([train_docs], pa.int64()),
            "train_bytes": pa.array([train_bytes], pa.int64()),
            "train_fingerprint": pa.array([train_fingerprint], pa.string()),
            "engine_check_docs": pa.array([check_docs], pa.int64()),
            "engine_fingerprint": pa.array([engine_fingerprint], pa.string()),
        }
    )
