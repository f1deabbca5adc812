"""Decontamination's tokens of a text: lower-cased runs of ``[a-z0-9_]`` after removing ``#``
comments, a run right after a dot keeping the dot (``.split``, an attribute or method name).

Whitespace, punctuation, quotes and comments then never decide whether a file shares an n-gram
with a benchmark. The definition is the SQL
``regexp_extract_all(lower(regexp_replace(text, '#[^\\n]*', '', 'g')), '\\.?[a-z0-9_]+')`` of
DuckDB, computed here over the bytes of a whole vector of texts at once with numpy, so both
engines share one tokenizer and the corpus's tokens are never handed over as strings. Lower-casing
is DuckDB's: ASCII letters, and the two characters whose lower case is ASCII (U+0130, capital I
with dot, is ``i``; U+212A, the Kelvin sign, is ``k``); any other non-ASCII character separates
tokens.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .utils import as_array

__all__ = ["decontamination_tokens"]

_LOWER = np.arange(256, dtype=np.uint8)
_LOWER[ord("A") : ord("Z") + 1] += 32
_IS_TOKEN_BYTE = np.zeros(256, dtype=bool)
for _first, _last in (("a", "z"), ("A", "Z"), ("0", "9"), ("_", "_")):
    _IS_TOKEN_BYTE[ord(_first) : ord(_last) + 1] = True
# Non-ASCII characters whose lower case (DuckDB's lower()) is an ASCII token character.
_ASCII_LOWER_CASES = (("\u0130", "i"), ("\u212a", "k"))


def _has_sequence(data: np.ndarray, sequence: bytes) -> bool:
    ends = np.flatnonzero(data == sequence[-1])
    ends = ends[ends >= len(sequence) - 1]
    found = np.ones(len(ends), dtype=bool)
    for back, byte in enumerate(reversed(sequence[:-1]), start=1):
        found &= data[ends - back] == byte
    return bool(found.any())


def _bytes_and_offsets(texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The texts' bytes from their first one, and their offsets into them (NULL texts empty)."""
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)):
        texts = texts.cast(pa.large_string())
    offset_type = np.int64 if pa.types.is_large_string(texts.type) else np.int32
    _, offsets, data = texts.buffers()
    offsets = np.frombuffer(offsets, dtype=offset_type)[texts.offset : texts.offset + len(texts) + 1].astype(np.int64)
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    return data[offsets[0] : offsets[-1]], offsets - offsets[0]


def decontamination_tokens(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``list<string>`` of each text's tokens, in order; NULL for a NULL text."""
    texts = as_array(texts)
    data, offsets = _bytes_and_offsets(texts)
    for character, lower in _ASCII_LOWER_CASES:
        if _has_sequence(data, character.encode()):
            texts = pc.replace_substring(texts, character, lower)
            data, offsets = _bytes_and_offsets(texts)
    valid = np.asarray(texts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    size = len(data)
    nonempty = offsets[:-1] < offsets[1:]
    text_starts, text_ends = offsets[:-1][nonempty], offsets[1:][nonempty]

    # A comment runs from '#' to the end of its line or text.
    in_token = _IS_TOKEN_BYTE[data]
    hashes = np.flatnonzero(data == ord("#"))
    if len(hashes):
        newlines = np.flatnonzero(data == ord("\n"))
        next_newline = np.searchsorted(newlines, hashes)
        line_ends = np.append(newlines, size)[next_newline]
        comment_ends = np.minimum(line_ends, text_ends[np.searchsorted(text_ends, hashes, side="right")])
        # The first '#' of a line starts its comment: the comments are then disjoint.
        first = np.concatenate([[True], comment_ends[1:] != comment_ends[:-1]])
        bounds = np.empty(2 * int(first.sum()) + 2, dtype=np.int64)
        bounds[0], bounds[-1] = 0, size
        bounds[1:-1:2], bounds[2:-1:2] = hashes[first], comment_ends[first]
        outside = np.zeros(len(bounds) - 1, dtype=bool)
        outside[::2] = True
        in_token &= np.repeat(outside, np.diff(bounds))

    # Runs of token bytes, none across two texts.
    before = np.empty(size, dtype=bool)
    before[0:1] = False
    before[1:] = in_token[:-1]
    before[text_starts] = False
    after = np.empty(size, dtype=bool)
    after[-1:] = False
    after[:-1] = in_token[1:]
    after[text_ends - 1] = False
    run_starts = np.flatnonzero(in_token & ~before)
    run_ends = np.flatnonzero(in_token & ~after) + 1
    # A dot right before a run, in the same text, belongs to it.
    starts_text = np.zeros(size, dtype=bool)
    starts_text[text_starts] = True
    dotted = (data[np.maximum(run_starts - 1, 0)] == ord(".")) & ~starts_text[run_starts]
    run_starts = run_starts - dotted
    in_token[run_starts[dotted]] = True

    token_offsets = np.concatenate([[0], np.cumsum(run_ends - run_starts)])
    string_array, offset_type = (
        (pa.StringArray, np.int32) if token_offsets[-1] < 2**31 else (pa.LargeStringArray, np.int64)
    )
    tokens = string_array.from_buffers(
        len(run_starts), pa.py_buffer(token_offsets.astype(offset_type)), pa.py_buffer(_LOWER[data[in_token]])
    )
    list_offsets = np.searchsorted(run_starts, offsets, side="left").astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(list_offsets, pa.int32()), tokens, mask=pa.array(~valid))
