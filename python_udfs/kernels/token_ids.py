"""Tokenisation of whole vectors of documents, as Arrow functions: ``{n_tokens, input_ids}``.

``token_ids`` encodes documents as they are; ``fim_token_ids`` encodes the FIM form of document
copies: each piece (prefix, middle, suffix from ``python_udfs.kernels.fim.fim_split``) is encoded on its
own as ordinary text and the sentinels are inserted as their special token ids, in the PSM or SPM
layout, as Megatron-LM does for StarCoder. Special-token strings inside a document are always
ordinary text, so no file can smuggle an EOS or a sentinel into the training data.

The tokenizer file is an argument (a column, so DuckDB never folds calls across tokenizers) and is
loaded once per process (``python_udfs.kernels.bpe_tokenizer.load_tokenizer``); ``engine`` chooses ``tiktoken``
or ``tokenizers``, which give identical ids when the pipeline chooses ``tiktoken``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .bpe_tokenizer import Engine, encode, load_tokenizer
from .fim import Sentinels, SpmVariant, fim_layout, fim_split
from .utils import as_array

__all__ = ["TOKENS_TYPE", "fim_token_ids", "token_ids"]

TOKENS_TYPE = pa.struct([("n_tokens", pa.int32()), ("input_ids", pa.list_(pa.int32()))])


def _tokens_array(lengths: np.ndarray, values: np.ndarray, valid: np.ndarray) -> pa.StructArray:
    """``{n_tokens, input_ids}`` rows from per-row lengths and flat ids; NULL where not ``valid``."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    mask = pa.array(~valid)
    ids = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, pa.int32()), mask=mask)
    n_tokens = pa.array(lengths.astype(np.int32), pa.int32(), mask=~valid)
    return pa.StructArray.from_arrays([n_tokens, ids], fields=list(TOKENS_TYPE), mask=mask)


def token_ids(
    content: pa.Array | pa.ChunkedArray, tokenizer_path: str, tokenizer_sha256: str | None, engine: Engine
) -> pa.StructArray:
    """Token ids and count of every document (no EOS: packing adds it). NULL content gives NULL."""
    content = as_array(content)
    tokenizer = load_tokenizer(tokenizer_path, tokenizer_sha256)
    valid = ~np.asarray(content.is_null().to_numpy(zero_copy_only=False))
    lengths, values = encode(tokenizer, content.fill_null("").to_pylist(), engine)
    lengths[~valid] = 0
    return _tokens_array(lengths, values, valid)


def fim_token_ids(
    content: pa.Array | pa.ChunkedArray,
    cut_a: pa.Array | pa.ChunkedArray,
    cut_b: pa.Array | pa.ChunkedArray,
    is_spm: pa.Array | pa.ChunkedArray,
    tokenizer_path: str,
    tokenizer_sha256: str | None,
    engine: Engine,
    *,
    sentinels: Sentinels,
    variant: SpmVariant,
) -> pa.StructArray:
    """Token ids of the FIM form of every document copy, cut where the two draws say.

    PSM: ``[prefix_id] prefix [suffix_id] suffix [middle_id] middle``; SPM in ``variant``'s order
    (see ``python_udfs.kernels.fim``). Pieces are encoded separately, so a copy has the three sentinels plus
    the pieces' tokens (a token that spanned a cut is split in two). NULL content gives NULL.
    """
    content = as_array(content)
    tokenizer = load_tokenizer(tokenizer_path, tokenizer_sha256)
    sentinel_ids = {
        "<prefix>": tokenizer.special_id(sentinels.prefix),
        "<middle>": tokenizer.special_id(sentinels.middle),
        "<suffix>": tokenizer.special_id(sentinels.suffix),
    }
    n = len(content)
    valid = ~np.asarray(content.is_null().to_numpy(zero_copy_only=False))
    spm = np.asarray(as_array(is_spm).fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    pieces = fim_split(content, cut_a, cut_b)
    # Encode all 3n pieces in one call: prefixes, then middles, then suffixes.
    texts = [text or "" for name in ("prefix", "middle", "suffix") for text in pieces.field(name).to_pylist()]
    piece_lengths, piece_values = encode(tokenizer, texts, engine)
    piece_starts = np.zeros(3 * n + 1, dtype=np.int64)
    np.cumsum(piece_lengths, out=piece_starts[1:])
    piece_index = {"prefix": 0, "middle": 1, "suffix": 2}

    lengths = np.where(valid, piece_lengths.reshape(3, n).sum(axis=0) + 3, 0)
    row_starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=row_starts[1:])
    values = np.empty(int(row_starts[-1]), dtype=np.int32)
    rows = np.flatnonzero(valid)
    for layout_spm in (False, True):
        selected = rows[spm[rows] == layout_spm]
        cursor = row_starts[selected].copy()  # where the next segment of each row goes
        for segment in fim_layout(layout_spm, variant):
            if segment in sentinel_ids:
                values[cursor] = sentinel_ids[segment]
                cursor += 1
                continue
            k = piece_index[segment] * n + selected
            seg_lengths, seg_starts = piece_lengths[k], piece_starts[k]
            total = int(seg_lengths.sum())
            if total:
                # Gather every row's piece in one step: source and destination index of each id.
                within = np.arange(total) - np.repeat(np.cumsum(seg_lengths) - seg_lengths, seg_lengths)
                values[np.repeat(cursor, seg_lengths) + within] = piece_values[
                    np.repeat(seg_starts, seg_lengths) + within
                ]
            cursor += seg_lengths
    return _tokens_array(lengths, values, valid)
