"""Tokenizer step of int_tokenizer_prepared: train (or take the user's) tokenizer, check its
special tokens and round trip, choose the encoding engine; one row describing the result.

The samples reach it as ``texts(purpose)``: a callable giving the texts of the 'train' or
'engine_check' sample of int_tokenizer_samples in sample_rank order, as batches of strings (it
may be called more than once per purpose). DuckDB's dbt Python model gives batches read from an
ordered query; on Spark a UDTF gives the sample rows it received (one partition, ordered by
purpose and sample_rank). ``previous`` is the row of the previous build (DuckDB reuses a result
whose fingerprint is unchanged; Spark passes None and recomputes).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from ..engine.code_version import code_version
from ..kernels.bpe_tokenizer import (
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
from ..kernels.fim import Sentinels

ROLE_VARS = {
    "eos": "eos_token",
    "fim_prefix": "fim_prefix_token",
    "fim_middle": "fim_middle_token",
    "fim_suffix": "fim_suffix_token",
}

SCHEMA = pa.schema(
    [
        ("tokenizer_path", pa.string()),
        ("tokenizer_sha256", pa.string()),
        ("origin", pa.string()),
        ("vocab_size", pa.int32()),
        ("eos_token_id", pa.int32()),
        ("pad_token_id", pa.int32()),
        ("fim_prefix_token_id", pa.int32()),
        ("fim_middle_token_id", pa.int32()),
        ("fim_suffix_token_id", pa.int32()),
        ("engine", pa.string()),
        ("engine_reason", pa.string()),
        ("train_docs", pa.int64()),
        ("train_bytes", pa.int64()),
        ("train_fingerprint", pa.string()),
        ("engine_check_docs", pa.int64()),
        ("engine_fingerprint", pa.string()),
    ]
)

Texts = Callable[[str], Iterator[list[str]]]


@dataclass(frozen=True)
class TokenizerKnobs:
    """The vars int_tokenizer_prepared reads (as the strings dbt gives)."""

    tokenizer_path: str | None
    output_dir: str
    tokenizer_vocab_size: int
    tokenizer_engine: str
    eos_token: str
    pad_token: str
    fim_prefix_token: str
    fim_middle_token: str
    fim_suffix_token: str
    repository_document_format: str

    @classmethod
    def from_json(cls, text: str) -> TokenizerKnobs:
        values = json.loads(text)
        return cls(**{**values, "tokenizer_vocab_size": int(values["tokenizer_vocab_size"])})

    def special_tokens(self) -> SpecialTokens:
        return SpecialTokens(
            eos=self.eos_token,
            pad=self.pad_token,
            fim=Sentinels(prefix=self.fim_prefix_token, middle=self.fim_middle_token, suffix=self.fim_suffix_token),
            repository=REPOSITORY_DOCUMENT_MARKERS[self.repository_document_format],
        )


def sample_digest(texts: Texts, purpose: str) -> str:
    """SHA-256 (hex) of a sample's texts in sample order: each text's UTF-8 hashed, the hex
    digests concatenated and hashed."""
    digest = hashlib.sha256()
    for batch in texts(purpose):
        for text in batch:
            digest.update(hashlib.sha256(text.encode("utf-8")).hexdigest().encode("ascii"))
    return digest.hexdigest()


def _fingerprint(**parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_round_trip(loaded, texts: Texts, user_path: str) -> list | None:
    """Stops unless decode(encode(text)) == text on the fixed probes and on the first batch of real
    curated text (the engine_check sample, or the train sample when that is empty): a lossy
    tokenizer (a Lowercase or NFKC normalizer, a pre-tokenizer that drops whitespace) would train
    the model on text other than the curated corpus. Returns tokenizers' encodings of the first
    engine_check batch (None when that sample is empty), which the engine check reuses."""
    engine_check = next(texts("engine_check"), None)
    real = engine_check or next(texts("train"), None) or []
    real_encodings = loaded.hf.encode_batch_fast(real, add_special_tokens=False)
    for name, probe, encodings in (
        ("probe", list(ROUND_TRIP_PROBES), None),
        ("curated sample document", real, real_encodings),
    ):
        difference = first_round_trip_difference(loaded, probe, encodings)
        if difference is None:
            continue
        index, at = difference
        text = probe[index]
        back = loaded.hf.decode(loaded.hf.encode(text, add_special_tokens=False).ids, skip_special_tokens=False)
        where = f"var tokenizer_path = {user_path!r}" if user_path else f"the trained tokenizer {loaded.path}"
        raise TokenizerError(
            f"{where} does not give text back: decode(encode(text)) differs from the text of {name} {index} "
            f"at character {at}: {text[max(0, at - 20) : at + 20]!r} became {back[max(0, at - 20) : at + 20]!r}. "
            "Training documents would not decode to the curated text; use a tokenizer without a normalizer "
            "and with a lossless pre-tokenizer and decoder (e.g. byte-level BPE), or leave tokenizer_path "
            "empty to train one."
        )
    return real_encodings if engine_check else None


def prepare_tokenizer(texts: Texts, knobs: TokenizerKnobs, previous: dict | None = None) -> dict:
    """The row of int_tokenizer_prepared (``SCHEMA``'s columns), writing
    <output_dir>/tokenizer.json when it trains one."""
    user_path = (knobs.tokenizer_path or "").strip()
    special = knobs.special_tokens()
    document_format = knobs.repository_document_format

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
        for batch in texts("train"):
            train_docs += len(batch)
            train_bytes += sum(len(text.encode("utf-8")) for text in batch)
        path = os.path.abspath(os.path.join(knobs.output_dir, "tokenizer.json"))
        train_fingerprint = _fingerprint(
            sample=sample_digest(texts, "train"),
            vocab_size=knobs.tokenizer_vocab_size,
            special=repr(special),
            code=code_version(),
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
            tokenizer = train_tokenizer(texts("train"), vocab_size=knobs.tokenizer_vocab_size, special_tokens=special)
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
    first_check_encodings = _check_round_trip(loaded, texts, user_path)

    engine_choice = knobs.tokenizer_engine
    engine, reason, check_docs = "tokenizers", loaded.tiktoken_reason, 0
    engine_fingerprint = _fingerprint(
        sample=sample_digest(texts, "engine_check"),
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
        for number, batch in enumerate(texts("engine_check")):
            index = first_engine_mismatch(loaded, batch, first_check_encodings if number == 0 else None)
            if index is not None:
                mismatch = offset + index
                break
            offset += len(batch)
        check_docs = offset
        if mismatch is None:
            engine, reason = "tiktoken", f"identical ids on {check_docs} documents of the engine_check sample"
        else:
            reason = f"tiktoken ids differ from tokenizers' on engine_check document {mismatch}"
    if engine_choice == "tiktoken" and engine != "tiktoken":
        raise TokenizerError(f"var tokenizer_engine = tiktoken, but {path} cannot use it: {reason}.")

    return {
        "tokenizer_path": path,
        "tokenizer_sha256": loaded.sha256,
        "origin": origin,
        "vocab_size": loaded.hf.get_vocab_size(with_added_tokens=True),
        "eos_token_id": ids["eos"],
        "pad_token_id": ids["pad"],
        "fim_prefix_token_id": ids["fim_prefix"],
        "fim_middle_token_id": ids["fim_middle"],
        "fim_suffix_token_id": ids["fim_suffix"],
        "engine": engine,
        "engine_reason": reason,
        "train_docs": train_docs,
        "train_bytes": train_bytes,
        "train_fingerprint": train_fingerprint,
        "engine_check_docs": check_docs,
        "engine_fingerprint": engine_fingerprint,
    }
