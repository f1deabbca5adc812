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
from .fim import Sentinels, SpmVariant, cut_points, fim_layout, fim_split
from .utils import as_array

__all__ = ["TOKENS_TYPE", "fim_token_ids", "segmented_token_ids", "token_ids"]

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


def _fim_parts(pieces: dict[str, list], is_spm: bool, sentinel_ids: dict[str, int], variant: SpmVariant) -> list:
    """The parts of a FIM layout: each piece's parts, the sentinels as ``int`` ids between them."""
    parts: list = []
    for segment in fim_layout(is_spm, variant):
        if segment in sentinel_ids:
            parts.append(sentinel_ids[segment])
        else:
            parts.extend(pieces[segment])
    return parts


def _split_stream(stream: list[tuple[int | None, str]], lo: int, hi: int) -> dict[str, list]:
    """(marker id or None, text) items cut at character positions ``lo <= hi`` of their texts into
    prefix, middle and suffix parts. A marker has no characters: it goes with the text after it."""
    pieces: dict[str, list] = {"prefix": [], "middle": [], "suffix": []}
    offset = 0
    for marker, text in stream:
        if marker is not None:
            pieces["prefix" if offset < lo else "middle" if offset < hi else "suffix"].append(marker)
        end = offset + len(text)
        for name, start, stop in (("prefix", 0, lo), ("middle", lo, hi), ("suffix", hi, end)):
            fragment = text[max(start - offset, 0) : max(min(stop, end) - offset, 0)]
            if fragment:
                pieces[name].append(fragment)
        offset = end
    return pieces


def segmented_token_ids(
    texts: pa.Array | pa.ChunkedArray,
    markers: pa.Array | pa.ChunkedArray,
    segment_fim: pa.Array | pa.ChunkedArray,
    segment_cuts_a: pa.Array | pa.ChunkedArray,
    segment_cuts_b: pa.Array | pa.ChunkedArray,
    document_fim: pa.Array | pa.ChunkedArray,
    document_cut_a: pa.Array | pa.ChunkedArray,
    document_cut_b: pa.Array | pa.ChunkedArray,
    is_spm: pa.Array | pa.ChunkedArray,
    tokenizer_path: str,
    tokenizer_sha256: str | None,
    engine: Engine,
    *,
    sentinels: Sentinels,
    variant: SpmVariant,
) -> pa.StructArray:
    """Token ids of documents made of segments (repository documents: a header, then one segment per
    file), each ordinary text after a special-token marker (or none: a NULL marker).

    A marker becomes its special token id and every text is encoded on its own as ordinary text, so
    a file that spells a marker or a sentinel stays text (as in ``fim_token_ids``). FIM, with the
    sentinels as special ids in the PSM or SPM layout of ``variant`` and cut points as in
    ``python_udfs.kernels.fim.cut_points``:

    - per segment (StarCoder2's repo-context file-level FIM): each segment whose ``segment_fim`` is
      true has its text cut at its own two draws and laid out after its marker;
    - per document (DeepSeek-Coder's document-level FIM): with ``document_fim``, everything after
      the first segment (the header) is cut at the two draws, counted in text characters (markers
      have none and go with the text after them), and laid out after the header.

    NULL ``texts`` gives NULL; a NULL text inside a row is empty.
    """
    markers, texts = as_array(markers).to_pylist(), as_array(texts).to_pylist()
    n = len(texts)
    segment_fim = as_array(segment_fim).to_pylist()
    cuts_a, cuts_b = as_array(segment_cuts_a).to_pylist(), as_array(segment_cuts_b).to_pylist()
    document_fim = as_array(document_fim).fill_null(False).to_pylist()
    document_a = as_array(document_cut_a).fill_null(0.0).to_pylist()
    document_b = as_array(document_cut_b).fill_null(0.0).to_pylist()
    spm = as_array(is_spm).fill_null(False).to_pylist()
    tokenizer = load_tokenizer(tokenizer_path, tokenizer_sha256)
    sentinel_ids = {
        "<prefix>": tokenizer.special_id(sentinels.prefix),
        "<middle>": tokenizer.special_id(sentinels.middle),
        "<suffix>": tokenizer.special_id(sentinels.suffix),
    }
    valid = np.array([t is not None for t in texts], dtype=bool)
    rows: list[list] = []  # per row: its parts, an int (a special id) or a str (text to encode)
    for i in range(n):
        if not valid[i]:
            rows.append([])
            continue
        row_markers = [None if m is None else tokenizer.special_id(m) for m in (markers[i] or [None] * len(texts[i]))]
        row_texts = [t or "" for t in texts[i]]
        flags = segment_fim[i] or [False] * len(row_texts)
        parts: list = []
        for k, (marker, text) in enumerate(zip(row_markers, row_texts)):
            if document_fim[i] and k == 1:
                stream = list(zip(row_markers[1:], row_texts[1:]))
                total = sum(len(t) for t in row_texts[1:])
                lo, hi = cut_points(np.array([total]), np.array([document_a[i]]), np.array([document_b[i]]))
                parts.extend(_fim_parts(_split_stream(stream, int(lo[0]), int(hi[0])), spm[i], sentinel_ids, variant))
                break
            if marker is not None:
                parts.append(marker)
            if flags[k]:
                lo, hi = cut_points(np.array([len(text)]), np.array([cuts_a[i][k]]), np.array([cuts_b[i][k]]))
                pieces = {"prefix": [text[: lo[0]]], "middle": [text[lo[0] : hi[0]]], "suffix": [text[hi[0] :]]}
                parts.extend(_fim_parts(pieces, spm[i], sentinel_ids, variant))
            elif text:
                parts.append(text)
        rows.append(parts)
    # Every text of every row in one encode call, then each row's ids in order.
    pieces_text = [part for parts in rows for part in parts if isinstance(part, str)]
    piece_lengths, piece_values = encode(tokenizer, pieces_text, engine)
    piece_starts = np.zeros(len(pieces_text) + 1, dtype=np.int64)
    np.cumsum(piece_lengths, out=piece_starts[1:])
    ids: list[np.ndarray] = []
    lengths = np.zeros(n, dtype=np.int64)
    piece = 0
    for i, parts in enumerate(rows):
        row_ids = []
        for part in parts:
            if isinstance(part, str):
                row_ids.append(piece_values[piece_starts[piece] : piece_starts[piece + 1]])
                piece += 1
            else:
                row_ids.append(np.array([part], dtype=np.int32))
        row = np.concatenate(row_ids) if row_ids else np.empty(0, dtype=np.int32)
        lengths[i] = len(row)
        ids.append(row)
    values = np.concatenate(ids) if ids else np.empty(0, dtype=np.int32)
    return _tokens_array(lengths, values, valid)
