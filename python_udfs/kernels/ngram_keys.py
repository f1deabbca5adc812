"""Decontamination's n-gram keys: a 64-bit key of an n-gram's text, computed for every window of a
file's tokens at once, without building the text.

The decontamination scan joins each n-gram of the corpus with the benchmarks' n-grams. Built as
text, that is two strings for each of the corpus's millions of token positions; here each file's
tokens are hashed once and the keys of all its windows follow from the token hashes. A key is a
function of the n-gram's text alone (the same text has the same key, whatever produced it):
``ngram_text_keys`` gives the key of a joined n-gram, ``window_keys`` the keys of every window of
a token list, and both agree. Different texts may share a key: the scan compares the text of
every window whose key matches, so a collision costs a comparison, never a false match.

The n-gram forms are those of ``token_ngrams`` in macros/benchmarks.sql: the literal form, the n
tokens joined by one space, and the identifier-blind form, which keeps keywords, builtins
(``reserved``), attribute names (``.name``) and numbers as written and writes any other token as
``v`` on its first occurrence in the window and ``^d`` when it repeated d tokens back.

The key is a polynomial hash over the text's bytes (each byte first mapped to a fixed random
64-bit value), modulo 2**64, finished with SplitMix64's mixer: polynomial hashes compose, so the
key of ``a b`` follows from the hashes and lengths of ``a`` and ``b``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .utils import as_array

__all__ = ["WINDOW_KEYS_TYPE", "ngram_text_keys", "window_keys"]

WINDOW_KEYS_TYPE = pa.struct([("literal", pa.list_(pa.int64())), ("blind", pa.list_(pa.int64()))])

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(values: np.ndarray) -> np.ndarray:
    values = values + np.uint64(0x9E3779B97F4A7C15)
    values = (values ^ (values >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


with np.errstate(over="ignore"):
    _BYTE_VALUES = _splitmix64(np.arange(256, dtype=np.uint64) + np.uint64(0x5EED))


def _strings(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bytes, start offset, length) of each string of a string array, NULLs as empty."""
    if pa.types.is_string_view(values.type) or pa.types.is_binary_view(values.type):
        values = values.cast(pa.large_string())
    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    buffers = values.buffers()
    offsets = np.frombuffer(buffers[1], dtype=offset_type)[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    return data, offsets[:-1].astype(np.int64), np.diff(offsets).astype(np.int64)


def _byte_hashes(data: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Polynomial hash of each byte range, Horner's rule over the mapped bytes, modulo 2**64."""
    hashes = np.zeros(len(starts), dtype=np.uint64)
    if len(starts) == 0:
        return hashes
    # Longest first: the ranges still going at byte k are then a prefix of the order.
    longest = int(lengths.max())
    # Stable sorts of 16-bit keys are radix sorts: far cheaper than of 64-bit ones.
    shortfall = longest - lengths
    order = np.argsort(shortfall.astype(np.uint16) if longest < 1 << 16 else shortfall, kind="stable")
    sorted_starts, sorted_lengths = starts[order], lengths[order]
    going = np.searchsorted(-sorted_lengths, -np.arange(longest), side="left")
    sorted_hashes = np.zeros(len(starts), dtype=np.uint64)
    for k, count in enumerate(going):
        current = sorted_hashes[:count]
        current *= _MULTIPLIER
        current += _BYTE_VALUES[data[sorted_starts[:count] + k]]
    hashes[order] = sorted_hashes
    return hashes


def _hash_of(text: str) -> tuple[np.uint64, int]:
    encoded = np.frombuffer(text.encode(), dtype=np.uint8)
    return _byte_hashes(encoded, np.array([0]), np.array([len(encoded)]))[0], len(encoded)


_SPACE = _BYTE_VALUES[ord(" ")]
_RENAMED = _hash_of("v")


def ngram_text_keys(texts: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The key of each text (an n-gram joined by spaces): ``int64``, NULL for NULL."""
    texts = as_array(texts)
    data, starts, lengths = _strings(texts)
    with np.errstate(over="ignore"):
        keys = _splitmix64(_byte_hashes(data, starts, lengths)).view(np.int64)
    return pa.array(keys, pa.int64(), mask=np.asarray(texts.is_null().to_numpy(zero_copy_only=False), dtype=bool))


def _previous_occurrence(document: np.ndarray, tokens: pa.Array) -> np.ndarray:
    """For each token, how many tokens back the same token last occurred in its document (0: never)."""
    codes = np.asarray(pc.dictionary_encode(tokens).indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    grouped = np.argsort(document * (int(codes.max(initial=0)) + 1) + codes, kind="stable")
    back = np.zeros(len(codes), dtype=np.int64)
    repeat = (document[grouped[1:]] == document[grouped[:-1]]) & (codes[grouped[1:]] == codes[grouped[:-1]])
    back[grouped[1:][repeat]] = grouped[1:][repeat] - grouped[:-1][repeat]
    return back


def window_keys(tokens: pa.Array | pa.ChunkedArray, reserved: list[str], n: int) -> pa.Array:
    """For each token list, the keys of its n-grams in the literal and the identifier-blind form.

    One key per window that starts at each position and holds n tokens, in order (a list of
    fewer than n tokens has none); NULL for a NULL list. ``reserved``: the names the blind form
    keeps as written.
    """
    if n < 1:
        raise ValueError(f"the n-gram size must be at least 1, not {n}")
    tokens = as_array(tokens)
    valid = np.asarray(tokens.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    counts = np.asarray(pc.fill_null(pc.list_value_length(tokens), 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    flat = pc.list_flatten(tokens)
    data, starts, lengths = _strings(flat)
    document = np.repeat(np.arange(len(tokens), dtype=np.int64), counts)
    first_of_document = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)

    windows_per_document = np.maximum(counts - n + 1, 0)
    list_offsets = np.concatenate([[0], np.cumsum(windows_per_document)]).astype(np.int32)
    window_document = np.repeat(np.arange(len(tokens), dtype=np.int64), windows_per_document)
    window_start = first_of_document[window_document] + (
        np.arange(int(list_offsets[-1]), dtype=np.int64) - list_offsets[:-1][window_document]
    )

    with np.errstate(over="ignore"):
        hashes = _byte_hashes(data, starts, lengths)
        powers = np.concatenate(
            [[np.uint64(1)], np.cumprod(np.full(int(lengths.max(initial=0)) + 2, _MULTIPLIER, dtype=np.uint64))]
        )
        token_powers = powers[lengths]

        kept = np.zeros(len(flat), dtype=bool)
        first_byte = data[starts[lengths > 0]]
        kept[lengths > 0] = (first_byte == ord(".")) | ((first_byte >= ord("0")) & (first_byte <= ord("9")))
        reserved_names = pa.array(reserved, type=pa.string()).cast(flat.type)
        kept |= np.asarray(pc.is_in(flat, value_set=reserved_names).to_numpy(zero_copy_only=False), dtype=bool)
        # The blind form's element at offset k of a window: the token if kept, `^back` if it
        # repeats one within the window (back <= k), else `v`.
        back = _previous_occurrence(document, flat)
        back = np.where(kept | (back == 0) | (back >= n), n, back)
        repeats = [_hash_of(f"^{distance}") for distance in range(n + 1)]
        repeat_hashes = np.array([h for h, _ in repeats], dtype=np.uint64)[back]
        repeat_powers = powers[np.array([length for _, length in repeats], dtype=np.int64)][back]
        renamed_hash, renamed_length = _RENAMED
        element_hashes = np.where(kept, hashes, renamed_hash)
        element_powers = np.where(kept, token_powers, powers[renamed_length])

        # Keys of the windows that start at every token, the last ones spilling into the next
        # list (dropped below): the arrays shrink by one each step, so every operand is a view.
        literal = hashes.copy()
        blind = element_hashes.copy()
        for k in range(1, n):
            literal = literal[:-1]
            literal *= _MULTIPLIER
            literal += _SPACE
            literal *= token_powers[k:]
            literal += hashes[k:]
            is_repeat = back[k:] <= k
            blind = blind[:-1]
            blind *= _MULTIPLIER
            blind += _SPACE
            blind *= np.where(is_repeat, repeat_powers[k:], element_powers[k:])
            blind += np.where(is_repeat, repeat_hashes[k:], element_hashes[k:])
        literal = _splitmix64(literal[window_start]).view(np.int64)
        blind = _splitmix64(blind[window_start]).view(np.int64)

    offsets = pa.array(list_offsets, pa.int32())
    mask = pa.array(~valid)
    return pa.StructArray.from_arrays(
        [
            pa.ListArray.from_arrays(offsets, pa.array(literal, pa.int64()), mask=mask),
            pa.ListArray.from_arrays(offsets, pa.array(blind, pa.int64()), mask=mask),
        ],
        fields=list(WINDOW_KEYS_TYPE),
        mask=mask,
    )
