"""Packing: documents (token ids, in mixture order) into fixed windows of ``seq_len`` tokens.

Each document is followed by the EOS id, then documents go into windows by one of two strategies:

- ``concat`` (Megatron-LM's GPTDataset, datatrove, nanoGPT): the documents form one stream that is
  cut every ``seq_len`` tokens, so windows cross document boundaries. The incomplete last window
  is dropped (``tail="drop"``, as Megatron-LM and datatrove do) or padded (``tail="pad"``).
- ``best_fit``: best-fit decreasing (Ding et al. 2024, "Fewer Truncations Improve Language
  Modeling"). A document longer than ``seq_len`` is cut into ``seq_len`` chunks plus a remainder;
  the pieces, longest first, each go into the open window with the least room that still fits
  them, else into a new window; windows are padded. Pieces are packed in blocks of consecutive
  documents of about ``block_tokens`` tokens, so memory is bounded by the block, not the mixture.

Every window keeps its document boundaries: ``boundaries`` (where each piece of a document starts
in the window), ``document_positions`` (the mixture position of that document) and
``document_offsets`` (where in the document, EOS included, the piece starts; > 0 for the
continuation of a document cut by a window). Padding follows the real tokens (``n_tokens``), and
is not a piece.

Both functions consume an iterator of Arrow record batches (``position`` int64, ``input_ids``
list<int32>) and yield record batches of windows (``WINDOW_SCHEMA``); they keep one input batch,
one block (``best_fit``) and less than one window of carried tokens in memory. The output depends
only on the documents and the arguments, never on how the input is batched.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from typing import Literal

import numpy as np
import pyarrow as pa

__all__ = [
    "WINDOW_SCHEMA",
    "PackingStrategy",
    "Tail",
    "pack",
    "pack_best_fit",
    "pack_concat",
]


PackingStrategy = Literal["concat", "best_fit"]
Tail = Literal["drop", "pad"]

WINDOW_SCHEMA = pa.schema(
    [
        ("window_index", pa.int64()),
        ("input_ids", pa.list_(pa.int32())),
        ("n_tokens", pa.int32()),
        ("n_padding", pa.int32()),
        ("boundaries", pa.list_(pa.int32())),
        ("document_positions", pa.list_(pa.int64())),
        ("document_offsets", pa.list_(pa.int32())),
    ]
)


def _documents(batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions int64, lengths int64 without EOS, flat ids int32) of a batch of documents."""
    ids = batch.column("input_ids")
    if ids.null_count:
        raise ValueError("a document has NULL input_ids; fct_training_documents must give every copy its tokens")
    positions = np.asarray(batch.column("position").to_numpy(zero_copy_only=False), dtype=np.int64)
    offsets = np.asarray(ids.offsets.to_numpy(), dtype=np.int64)
    values = np.asarray(ids.values.to_numpy(zero_copy_only=False), dtype=np.int32)[offsets[0] : offsets[-1]]
    return positions, np.diff(offsets), values


def _with_eos(lengths: np.ndarray, values: np.ndarray, eos_id: int) -> tuple[np.ndarray, np.ndarray]:
    """The flat stream of the documents with EOS after each, and each document's start in it."""
    total = int(lengths.sum()) + len(lengths)
    stream = np.empty(total, dtype=np.int32)
    starts = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1] + 1, out=starts[1:])
    eos_at = starts + lengths
    is_eos = np.zeros(total, dtype=bool)
    is_eos[eos_at] = True
    stream[is_eos] = eos_id
    stream[~is_eos] = values
    return stream, starts


def _window_batch(
    first_index: int,
    tokens: np.ndarray,
    n_tokens: np.ndarray,
    seq_len: int,
    segment_window: np.ndarray,
    boundaries: np.ndarray,
    positions: np.ndarray,
    doc_offsets: np.ndarray,
) -> pa.RecordBatch:
    """A record batch of windows from flat arrays (``tokens``: windows x seq_len, row-major;
    segments sorted by window)."""
    n = len(n_tokens)
    window_offsets = pa.array(np.arange(n + 1, dtype=np.int32) * seq_len)
    counts = np.bincount(segment_window, minlength=n) if n else np.zeros(0, np.int64)
    segment_offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=segment_offsets[1:])
    segment_offsets = pa.array(segment_offsets)
    return pa.RecordBatch.from_arrays(
        [
            pa.array(np.arange(first_index, first_index + n, dtype=np.int64)),
            pa.ListArray.from_arrays(window_offsets, pa.array(tokens.astype(np.int32, copy=False))),
            pa.array(n_tokens.astype(np.int32)),
            pa.array((seq_len - n_tokens).astype(np.int32)),
            pa.ListArray.from_arrays(segment_offsets, pa.array(boundaries.astype(np.int32))),
            pa.ListArray.from_arrays(segment_offsets, pa.array(positions.astype(np.int64))),
            pa.ListArray.from_arrays(segment_offsets, pa.array(doc_offsets.astype(np.int32))),
        ],
        schema=WINDOW_SCHEMA,
    )


def _check(seq_len: int, eos_id: int, pad_id: int) -> None:
    if int(seq_len) < 2:
        raise ValueError(f"seq_len = {seq_len}: a window must hold at least 2 tokens (var seq_len)")
    if eos_id < 0 or pad_id < 0:
        raise ValueError(f"eos_id = {eos_id} and pad_id = {pad_id} must be token ids (>= 0)")


def pack_concat(
    batches: Iterable[pa.RecordBatch],
    *,
    seq_len: int,
    eos_id: int,
    pad_id: int,
    tail: Tail,
) -> Iterator[pa.RecordBatch]:
    """Windows of the documents' stream (EOS after each) cut every ``seq_len`` tokens, in order.

    The last, incomplete window is dropped (``tail="drop"``) or padded with ``pad_id``
    (``tail="pad"``). A document that crosses a window boundary continues at offset 0 of the next
    window with its ``document_offsets`` entry giving where in the document it resumes.
    """
    _check(seq_len, eos_id, pad_id)
    if tail not in ("drop", "pad"):
        raise ValueError(f"packing_tail = {tail!r}: expected drop or pad")
    # The carried stream (< seq_len tokens) and its segments: start in the carry, position, offset.
    carry = np.zeros(0, dtype=np.int32)
    carry_starts = np.zeros(0, np.int64)
    carry_positions = np.zeros(0, np.int64)
    carry_offsets = np.zeros(0, np.int64)
    next_window = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        positions, lengths, values = _documents(batch)
        new_stream, new_starts = _with_eos(lengths, values, eos_id)
        stream = np.concatenate([carry, new_stream])
        starts = np.concatenate([carry_starts, new_starts + len(carry)])
        seg_positions = np.concatenate([carry_positions, positions])
        seg_offsets = np.concatenate([carry_offsets, np.zeros(len(positions), np.int64)])
        # Every window boundary inside the stream that is not already a document start begins a
        # continuation segment of the document that covers it.
        window_starts = np.arange(0, len(stream), seq_len, dtype=np.int64)
        continuation = window_starts[~np.isin(window_starts, starts)]
        covering = np.searchsorted(starts, continuation, side="right") - 1
        all_starts = np.concatenate([starts, continuation])
        all_positions = np.concatenate([seg_positions, seg_positions[covering]])
        all_offsets = np.concatenate([seg_offsets, seg_offsets[covering] + continuation - starts[covering]])
        order = np.argsort(all_starts, kind="stable")
        all_starts, all_positions, all_offsets = all_starts[order], all_positions[order], all_offsets[order]

        full = len(stream) // seq_len
        done = full * seq_len
        complete = all_starts < done
        if full:
            segment_window = all_starts[complete] // seq_len
            yield _window_batch(
                next_window,
                stream[:done],
                np.full(full, seq_len, dtype=np.int64),
                seq_len,
                segment_window,
                all_starts[complete] - segment_window * seq_len,
                all_positions[complete],
                all_offsets[complete],
            )
            next_window += full
        carry = stream[done:]
        carry_starts = all_starts[~complete] - done
        carry_positions = all_positions[~complete]
        carry_offsets = all_offsets[~complete]
    if len(carry) and tail == "pad":
        padded = np.full(seq_len, pad_id, dtype=np.int32)
        padded[: len(carry)] = carry
        yield _window_batch(
            next_window,
            padded,
            np.array([len(carry)]),
            seq_len,
            np.zeros(len(carry_starts), np.int64),
            carry_starts,
            carry_positions,
            carry_offsets,
        )


def _best_fit_block(
    positions: np.ndarray,
    lengths: np.ndarray,
    stream: np.ndarray,
    starts: np.ndarray,
    *,
    seq_len: int,
    pad_id: int,
    first_index: int,
) -> pa.RecordBatch:
    """Best-fit decreasing of one block of documents (lengths include EOS; ``stream`` holds them
    back to back from ``starts``)."""
    # Pieces: seq_len chunks of long documents, then the remainder.
    chunks = -(-lengths // seq_len)
    doc_of_piece = np.repeat(np.arange(len(lengths)), chunks)
    chunk_no = np.arange(len(doc_of_piece)) - np.repeat(np.cumsum(chunks) - chunks, chunks)
    piece_offset = chunk_no * seq_len
    piece_length = np.minimum(seq_len, lengths[doc_of_piece] - piece_offset)
    # Longest first; ties in mixture order (document, then chunk), so the result is total.
    order = np.lexsort((chunk_no, doc_of_piece, -piece_length))

    free: list[tuple[int, int]] = []  # (room left, window) of open windows, sorted
    fill: list[int] = []  # tokens placed in each window so far
    window_of_piece = np.empty(len(order), dtype=np.int64)
    start_in_window = np.empty(len(order), dtype=np.int64)
    for piece in order.tolist():
        length = int(piece_length[piece])
        at = bisect.bisect_left(free, (length, -1))
        if at < len(free):
            room, window = free.pop(at)
        else:
            room, window = seq_len, len(fill)
            fill.append(0)
        window_of_piece[piece], start_in_window[piece] = window, fill[window]
        fill[window] += length
        if room - length:
            bisect.insort(free, (room - length, window))

    n_windows = len(fill)
    tokens = np.full(n_windows * seq_len, pad_id, dtype=np.int32)
    # Segments sorted by window, then by start in the window.
    segment_order = np.lexsort((start_in_window, window_of_piece))
    for piece in segment_order.tolist():
        source = starts[doc_of_piece[piece]] + piece_offset[piece]
        target = window_of_piece[piece] * seq_len + start_in_window[piece]
        tokens[target : target + piece_length[piece]] = stream[source : source + piece_length[piece]]
    return _window_batch(
        first_index,
        tokens,
        np.asarray(fill, dtype=np.int64),
        seq_len,
        window_of_piece[segment_order],
        start_in_window[segment_order],
        positions[doc_of_piece[segment_order]],
        piece_offset[segment_order],
    )


def pack_best_fit(
    batches: Iterable[pa.RecordBatch],
    *,
    seq_len: int,
    eos_id: int,
    pad_id: int,
    block_tokens: int,
) -> Iterator[pa.RecordBatch]:
    """Windows filled by best-fit decreasing over blocks of consecutive documents.

    A block closes with the first document that brings it to ``block_tokens`` tokens (EOS
    included), so blocks depend only on the documents. Windows of a block come out in the order
    they were opened; every window is padded to ``seq_len`` with ``pad_id``.
    """
    _check(seq_len, eos_id, pad_id)
    if block_tokens < 1:
        raise ValueError(f"packing_best_fit_block_tokens = {block_tokens} must be at least 1")
    held_positions: list[np.ndarray] = []
    held_lengths: list[np.ndarray] = []
    held_values: list[np.ndarray] = []
    held_tokens = 0
    next_window = 0

    def flush() -> pa.RecordBatch:
        nonlocal held_positions, held_lengths, held_values, held_tokens, next_window
        positions, lengths = np.concatenate(held_positions), np.concatenate(held_lengths)
        stream, starts = _with_eos(lengths, np.concatenate(held_values), eos_id)
        out = _best_fit_block(
            positions, lengths + 1, stream, starts, seq_len=seq_len, pad_id=pad_id, first_index=next_window
        )
        next_window += out.num_rows
        held_positions, held_lengths, held_values, held_tokens = [], [], [], 0
        return out

    for batch in batches:
        if batch.num_rows == 0:
            continue
        positions, lengths, values = _documents(batch)
        value_starts = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=value_starts[1:])
        first = 0
        while first < len(lengths):
            # Documents first.. that the block takes: up to the one that reaches block_tokens.
            running = held_tokens + np.cumsum(lengths[first:] + 1)
            reach = int(np.searchsorted(running, block_tokens, side="left"))
            last = min(first + reach, len(lengths) - 1)
            held_positions.append(positions[first : last + 1])
            held_lengths.append(lengths[first : last + 1])
            held_values.append(values[value_starts[first] : value_starts[last + 1]])
            held_tokens = int(running[last - first])
            first = last + 1
            if held_tokens >= block_tokens:
                yield flush()
    if held_positions:
        yield flush()


def pack(
    batches: Iterable[pa.RecordBatch],
    strategy: PackingStrategy,
    *,
    seq_len: int,
    eos_id: int,
    pad_id: int,
    tail: Tail,
    block_tokens: int,
) -> Iterator[pa.RecordBatch]:
    """``pack_concat`` or ``pack_best_fit`` by name (var packing_strategy)."""
    if strategy == "concat":
        return pack_concat(batches, seq_len=seq_len, eos_id=eos_id, pad_id=pad_id, tail=tail)
    if strategy == "best_fit":
        return pack_best_fit(batches, seq_len=seq_len, eos_id=eos_id, pad_id=pad_id, block_tokens=block_tokens)
    raise ValueError(f"packing_strategy = {strategy!r}: expected concat or best_fit")
