"""MinHash signatures of code documents for near-deduplication, bit-exact with datasketch.

The recipe is BigCode's near-deduplication (``near_deduplication/minhash_deduplication.py`` in
bigcode-project/bigcode-dataset, used for The Stack and StarCoder): tokens are the pieces of the
text between characters outside ``[A-Za-z_0-9]``, shingles are windows of 5 consecutive tokens
joined by one space, each shingle is hashed with ``datasketch.hashfunc.sha1_hash32`` (the first 4
bytes of its SHA-1, little-endian), and a signature has 256 permutations; near-duplicates are
pairs above Jaccard 0.7, found with LSH bands chosen by datasketch's ``_optimal_param``.

Prose (kinds text and docs) is shingled on words instead (``shingle_unit="words"``), as
datatrove's ``MinhashDedup`` does for web text: the text is lower-cased and split on runs of
characters that are not Unicode letters, digits or ``_``, so "The" and "the" are one word and
accented words stay whole. ``shingle_unit`` may be one unit for the whole batch or an array with
one unit per document (the SQL passes the unit of each document's kind).

One deliberate difference from BigCode: its ``re.split`` keeps the empty strings produced between
two consecutive separators (``"a  b"`` gives ``["a", "", "b"]``), so its shingles change with runs
of spaces and punctuation. Here empty tokens are dropped, so a shingle is always 5 real tokens.

datasketch's ``MinHash`` is the oracle (the tests compare every signature with it):

- ``scheme="legacy"`` (the only scheme datasketch had before 2.0, which BigCode used): ``a, b`` drawn in pairs from ``np.random.RandomState(seed)`` below the Mersenne prime
  ``2**61 - 1``, value ``((h * a + b) mod 2**64) mod (2**61 - 1)`` truncated to 32 bits;
- ``scheme="affine32"`` (datasketch 2.0's default): ``h`` pre-mixed with the MurmurHash3 32-bit
  finaliser, then ``a * h + b mod 2**32`` with odd ``a``; its permutation step is about 3 times
  cheaper (no 64-bit modulo), and it lacks legacy's bias on very large sets (datasketch #212).

A signature is the element-wise minimum over the document's distinct shingles, as
``MinHash.update_batch`` computes it.

- ``scheme="one_permutation"``: one-permutation hashing (Li, Owen and Zhang, NIPS 2012) with
  optimal densification (Shrivastava, ICML 2017). Each distinct shingle hash is mixed once with
  SplitMix64's finaliser; the high 32 bits pick one of ``num_perm`` bins, the low 32 bits are its
  value, and a bin keeps its minimum value. An empty bin (a document with few shingles) borrows
  the value of the first non-empty bin in a fixed pseudo-random probe sequence of its own,
  ``bin_hash(seed, bin, attempt)``, the same for every document, so two documents agree on a
  borrowed position exactly when they agree on the bin it was borrowed from. The fraction of equal
  positions estimates the Jaccard similarity with MinHash's variance, and banding behaves as
  MinHash's does; one mix per shingle instead of ``num_perm`` permutations makes it about 256
  times cheaper per shingle. No datasketch equivalent: its tests check the estimator and the
  banding probabilities instead. Documents with fewer tokens than the shingle size (and NULL
documents) get a NULL signature: the caller records them as skipped (``too_few_tokens``).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from .utils import as_array

__all__ = [
    "MINHASH_SIGNATURE_TYPE",
    "SCHEMES",
    "Scheme",
    "ShingleHash",
    "ShingleUnit",
    "estimated_jaccard",
    "minhash_signatures",
    "minhash_with_shingle_sets",
    "optimal_lsh_params",
    "shingle_hash_function",
    "shingle_hash_sets",
    "shingle_jaccard",
    "shingle_tokens",
]

# Every setting comes from the caller: the vars near_dedup_* (knobs.yml) in the pipeline.

MINHASH_SIGNATURE_TYPE = pa.list_(pa.uint32())

Scheme = Literal["legacy", "affine32", "one_permutation"]
SCHEMES = ("one_permutation", "affine32", "legacy")
# How a shingle becomes the 32-bit value the permutations see:
#   "sha1":      datasketch's sha1_hash32 of the shingle text (BigCode's choice), one SHA-1 per
#                distinct shingle;
#   "token_fnv": sha1_hash32 of each token, folded over the shingle's tokens with 64-bit FNV-1a
#                and xor-folded to 32 bits: one SHA-1 per distinct token, the rest in numpy.
#                About twice as fast end to end; as a set hash it is just as good.
ShingleHash = Literal["sha1", "token_fnv"]

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_LOW32 = np.uint64(0xFFFFFFFF)

_SEPARATOR = "[^A-Za-z_0-9]"
_SEPARATOR_RE = re.compile(_SEPARATOR)
# Words: Unicode letters, digits and "_" (RE2's \p classes; Python's str-mode \w is the same set).
_WORD_SEPARATOR = r"[^\p{L}\p{N}_]"
_WORD_SEPARATOR_RE = re.compile(r"\W")

# What a shingle is made of: "code_tokens" (BigCode: runs of [A-Za-z0-9_], case kept) or
# "words" (datatrove's prose MinHash: lower-cased Unicode words).
ShingleUnit = Literal["code_tokens", "words"]
SHINGLE_UNITS = ("code_tokens", "words")

# datasketch.minhash: _mersenne_prime, _max_hash and the 32-bit MurmurHash3 finaliser constants.
_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35), np.uint32(16))
# SplitMix64 (Steele, Lea and Flood, OOPSLA 2014): its golden-ratio increment and finaliser
# constants, the mix of one_permutation.
_SPLITMIX_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_SPLITMIX = (np.uint64(30), np.uint64(0xBF58476D1CE4E5B9), np.uint64(27), np.uint64(0x94D049BB133111EB), np.uint64(31))

# Shingles per round: bounds the shingle strings and Python bytes objects alive at once (~10 MB).
_ROUND_SHINGLES = 1 << 16
# (permutation, shingle) cells per block of arithmetic: 2 MB per uint64 buffer, which fits in
# cache (256 permutations x 1024 shingles ran fastest here).
_PERMUTE_BLOCK_CELLS = 1 << 18


def shingle_tokens(text: str, shingle_size: int, shingle_unit: ShingleUnit) -> list[str]:
    r"""The shingles of one document, in order (with repeats): the scalar reference.

    Tokens are the non-empty pieces of ``re.split("[^A-Za-z_0-9]", text)`` (``code_tokens``) or
    of ``re.split(r"\W", text.lower())`` (``words``); a shingle is ``shingle_size`` consecutive
    tokens joined by one space. Fewer tokens than ``shingle_size`` give no shingle.
    ``minhash_signatures`` computes the same set with Arrow kernels.
    """
    if shingle_unit == "words":
        pieces = _WORD_SEPARATOR_RE.split(text.lower())
    elif shingle_unit == "code_tokens":
        pieces = _SEPARATOR_RE.split(text)
    else:
        raise ValueError(f"unknown shingle unit {shingle_unit!r}; expected one of {', '.join(SHINGLE_UNITS)}")
    tokens = [token for token in pieces if token]
    return [" ".join(tokens[i : i + shingle_size]) for i in range(len(tokens) - shingle_size + 1)]


def minhash_signatures(
    content: pa.Array | pa.ChunkedArray,
    *,
    num_perm: int,
    shingle_size: int,
    seed: int,
    scheme: Scheme,
    shingle_hash: ShingleHash,
    shingle_unit: ShingleUnit | pa.Array | pa.ChunkedArray,
) -> pa.ListArray:
    """MinHash signature of every document, as ``list<uint32>`` of length ``num_perm``.

    Equal to ``datasketch.MinHash(num_perm, seed, scheme=scheme,
    hashfunc=shingle_hash_function(shingle_hash)).hashvalues`` after ``update_batch`` with the
    document's shingles encoded as UTF-8. NULL content, and content with fewer than
    ``shingle_size`` tokens, give NULL.

    The batch is processed in rounds of shingles: each distinct shingle of a round is hashed
    once with SHA-1 (the only per-shingle Python step), repeats inside a document are dropped,
    and the permutations are applied with numpy over bounded blocks of (permutation, shingle)
    cells, so beyond the per-token and per-shingle index arrays memory stays at ~10 MB whatever
    the batch size.
    """
    signatures, has_signature, _ = _signatures_and_keys(
        content, num_perm, shingle_size, seed, scheme, shingle_hash, shingle_unit, keep_keys=False
    )
    return _signature_array(signatures, has_signature, num_perm)


def minhash_with_shingle_sets(
    content: pa.Array | pa.ChunkedArray,
    *,
    num_perm: int,
    shingle_size: int,
    seed: int,
    scheme: Scheme,
    shingle_hash: ShingleHash,
    shingle_unit: ShingleUnit | pa.Array | pa.ChunkedArray,
) -> pa.StructArray:
    """``minhash_signatures`` and ``shingle_hash_sets`` of every document from one tokenisation
    and one hashing of its shingles: ``struct<signature, shingle_hashes>``, both NULL where the
    document has fewer tokens than a shingle. Near dedup keeps both (its exact check counts set
    intersections), so the text is read and shingled once."""
    signatures, has_signature, (keys, token_counts) = _signatures_and_keys(
        content, num_perm, shingle_size, seed, scheme, shingle_hash, shingle_unit, keep_keys=True
    )
    return pa.StructArray.from_arrays(
        [_signature_array(signatures, has_signature, num_perm), _hash_set_array(keys, token_counts, shingle_size)],
        names=["signature", "shingle_hashes"],
        mask=pa.array(~has_signature),
    )


def _shingle_rounds(content: pa.Array, shingle_size: int, shingle_hash: ShingleHash, shingle_unit):
    """Tokens per document, and the distinct ``(doc, hash32)`` shingle pairs of the batch in
    rounds of at most _ROUND_SHINGLES shingles (a generator, so memory stays per round)."""
    tokens, token_docs = _tokens(content, shingle_unit)
    token_counts = np.bincount(token_docs, minlength=len(content))
    # A shingle starts at every token followed by shingle_size - 1 more of the same document.
    starts = np.flatnonzero(np.arange(len(tokens)) + shingle_size <= np.cumsum(token_counts)[token_docs])
    hash_window = _shingle_hasher(tokens, shingle_size, shingle_hash)

    def rounds():
        for lo in range(0, len(starts), _ROUND_SHINGLES):
            window = starts[lo : lo + _ROUND_SHINGLES]
            yield _distinct_pairs(token_docs[window], hash_window(window))

    return token_counts, rounds()


def _signatures_and_keys(content, num_perm, shingle_size, seed, scheme, shingle_hash, shingle_unit, *, keep_keys):
    """The signature matrix, which documents have one, and (with keep_keys) the sorted distinct
    ``doc << 32 | hash32`` keys with the tokens per document, from one pass over the shingles."""
    if num_perm < 1 or shingle_size < 1:
        raise ValueError("num_perm and shingle_size must be positive")
    content = as_array(content)
    if scheme == "one_permutation":
        keys, token_counts = _distinct_shingle_keys(content, shingle_size, shingle_hash, shingle_unit)
        signatures = _one_permutation_signatures(keys, len(content), num_perm, seed)
        return signatures, token_counts >= shingle_size, ((keys, token_counts) if keep_keys else None)
    a, b = _permutations(num_perm, seed, scheme)
    token_counts, rounds = _shingle_rounds(content, shingle_size, shingle_hash, shingle_unit)
    signatures = np.full((len(content), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    keys = [np.zeros(0, np.uint64)]
    for docs, hashes in rounds:
        if keep_keys:
            keys.append((docs.astype(np.uint64) << np.uint64(32)) | hashes)
        if scheme == "affine32":
            hashes = _fmix32(hashes.astype(np.uint32))
        _fold_minima(signatures, docs, hashes, a, b)
    has_signature = token_counts >= shingle_size
    return (
        signatures,
        has_signature,
        ((_sorted_distinct(np.concatenate(keys), sorted_runs=True), token_counts) if keep_keys else None),
    )


def _signature_array(signatures: np.ndarray, has_signature: np.ndarray, num_perm: int) -> pa.ListArray:
    offsets = np.zeros(len(has_signature) + 1, dtype=np.int32)
    np.cumsum(has_signature * num_perm, out=offsets[1:])
    return pa.ListArray.from_arrays(
        pa.array(offsets, pa.int32()),
        pa.array(signatures[has_signature].ravel(), pa.uint32()),
        type=MINHASH_SIGNATURE_TYPE,
        mask=pa.array(~has_signature, pa.bool_()),
    )


def _hash_set_array(keys: np.ndarray, token_counts: np.ndarray, shingle_size: int) -> pa.ListArray:
    """Sorted distinct keys of a batch as one ``list<uint32>`` of hashes per document."""
    n = len(token_counts)
    docs = (keys >> np.uint64(32)).astype(np.int64)
    offsets = np.zeros(n + 1, np.int32)
    np.cumsum(np.bincount(docs, minlength=n), out=offsets[1:])
    values = pa.array((keys & np.uint64(0xFFFFFFFF)).astype(np.uint32), pa.uint32())
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values, mask=pa.array(token_counts < shingle_size))


def _distinct_shingle_keys(
    content: pa.Array, shingle_size: int, shingle_hash: ShingleHash, shingle_unit
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct ``doc << 32 | hash32(shingle)`` keys of a batch, and tokens per doc."""
    token_counts, rounds = _shingle_rounds(content, shingle_size, shingle_hash, shingle_unit)
    keys = [np.zeros(0, np.uint64)]
    for docs, hashes in rounds:
        keys.append((docs.astype(np.uint64) << np.uint64(32)) | hashes)
    return _sorted_distinct(np.concatenate(keys), sorted_runs=True), token_counts


def shingle_jaccard(
    left: pa.Array | pa.ChunkedArray,
    right: pa.Array | pa.ChunkedArray,
    *,
    shingle_size: int,
    shingle_hash: ShingleHash,
    left_unit: ShingleUnit | pa.Array | pa.ChunkedArray,
    right_unit: ShingleUnit | pa.Array | pa.ChunkedArray,
) -> pa.DoubleArray:
    """Exact Jaccard similarity of the shingle sets of ``left[i]`` and ``right[i]``, row by row.

    Same shingles and shingle hash as the signatures, compared by their 32-bit hashes (a
    collision inside one pair of files is vanishingly rare). Used to verify LSH candidate pairs, whose MinHash
    estimate has a standard deviation of ~0.03 at 256 permutations: exact verification keeps
    pairs just under the threshold out. NULL when either side has fewer tokens than a shingle.
    Each side is shingled with its own unit (``left_unit``, ``right_unit``).
    """
    left, right = as_array(left), as_array(right)
    n = len(left)
    left_keys, left_tokens = _distinct_shingle_keys(left, shingle_size, shingle_hash, left_unit)
    right_keys, right_tokens = _distinct_shingle_keys(right, shingle_size, shingle_hash, right_unit)
    common = np.intersect1d(left_keys, right_keys, assume_unique=True)
    intersection = np.bincount((common >> np.uint64(32)).astype(np.int64), minlength=n)
    left_sizes = np.bincount((left_keys >> np.uint64(32)).astype(np.int64), minlength=n)
    right_sizes = np.bincount((right_keys >> np.uint64(32)).astype(np.int64), minlength=n)
    union = left_sizes + right_sizes - intersection
    valid = (left_tokens >= shingle_size) & (right_tokens >= shingle_size)
    result = np.divide(intersection, union, out=np.zeros(n), where=union > 0)
    return pa.array(result, pa.float64(), mask=~valid)


def shingle_hash_sets(
    content: pa.Array | pa.ChunkedArray,
    *,
    shingle_size: int,
    shingle_hash: ShingleHash,
    shingle_unit: ShingleUnit | pa.Array | pa.ChunkedArray,
) -> pa.ListArray:
    """The distinct 32-bit shingle hashes of each text, sorted: the sets ``shingle_jaccard``
    compares, so that SQL can count intersections over unnested (fixed-width, spillable) rows
    instead of holding two texts per pair. NULL when a text has fewer tokens than a shingle.
    ``shingle_unit`` is one unit, or one per text, as in ``minhash_signatures``."""
    keys, token_counts = _distinct_shingle_keys(as_array(content), shingle_size, shingle_hash, shingle_unit)
    return _hash_set_array(keys, token_counts, shingle_size)


def estimated_jaccard(sig_a: npt.ArrayLike, sig_b: npt.ArrayLike) -> float:
    """Jaccard similarity estimated from two signatures: the fraction of equal positions."""
    a, b = np.asarray(sig_a), np.asarray(sig_b)
    if a.shape != b.shape or a.ndim != 1 or len(a) == 0:
        raise ValueError("signatures must be non-empty and of equal length")
    return float(np.count_nonzero(a == b) / len(a))


def optimal_lsh_params(
    threshold: float,
    num_perm: int,
    false_positive_weight: float = 0.5,
    false_negative_weight: float = 0.5,
) -> tuple[int, int]:
    """``(bands, rows)`` minimising the weighted false-positive and false-negative areas.

    Same search as ``datasketch.lsh._optimal_param`` (copied into BigCode's near-dedup script):
    over every ``bands * rows <= num_perm``, in the order ``bands`` then ``rows`` ascending and
    keeping the first minimum, minimise ``fp_weight * integral_0^t P(s) ds + fn_weight *
    integral_t^1 (1 - P(s)) ds`` with ``P(s) = 1 - (1 - s**rows)**bands``, the probability that
    a pair of Jaccard ``s`` shares a band. datasketch integrates with ``scipy.integrate.quad``;
    ``P`` is a polynomial of degree ``bands * rows <= num_perm``, so Gauss-Legendre quadrature
    with ``num_perm // 2 + 1`` nodes integrates it exactly (up to rounding) without scipy.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError("threshold must be in [0, 1]")
    if num_perm < 1:
        raise ValueError("num_perm must be positive")
    bands = np.concatenate([np.full(num_perm // b, b) for b in range(1, num_perm + 1)])
    rows = np.concatenate([np.arange(1, num_perm // b + 1) for b in range(1, num_perm + 1)])
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def band_hit_areas(low: float, high: float) -> np.ndarray:
        s = (high - low) / 2 * nodes + (high + low) / 2
        hit = 1.0 - (1.0 - s[None, :] ** rows[:, None]) ** bands[:, None]
        return (high - low) / 2 * (hit @ weights)

    false_positive = band_hit_areas(0.0, threshold)
    false_negative = (1.0 - threshold) - band_hit_areas(threshold, 1.0)
    error = false_positive_weight * false_positive + false_negative_weight * false_negative
    best = int(np.argmin(error))
    return int(bands[best]), int(rows[best])


def _unit_tokens(content: pa.Array, shingle_unit: str) -> tuple[pa.Array, np.ndarray]:
    """Every non-empty token of the batch under one unit, in order, and its document's index."""
    if shingle_unit == "code_tokens":
        pieces = pc.split_pattern_regex(content, pattern=_SEPARATOR + "+")
    elif shingle_unit == "words":
        pieces = pc.split_pattern_regex(pc.utf8_lower(content), pattern=_WORD_SEPARATOR + "+")
    else:
        raise ValueError(f"unknown shingle unit {shingle_unit!r}; expected one of {', '.join(SHINGLE_UNITS)}")
    tokens = pc.list_flatten(pieces)
    non_empty = pc.greater(pc.binary_length(tokens), 0)
    token_docs = pc.list_parent_indices(pieces).filter(non_empty)
    return tokens.filter(non_empty), token_docs.to_numpy()


def _tokens(content: pa.Array, shingle_unit) -> tuple[pa.Array, np.ndarray]:
    """Every non-empty token of the batch, in order, and the index of its document.

    ``shingle_unit`` is one unit for every document, or an array of one unit per document
    (NULL = ``code_tokens``): each unit's documents are tokenised together, and the tokens are
    put back in document order.
    """
    if isinstance(shingle_unit, str):
        return _unit_tokens(content, shingle_unit)
    units = as_array(shingle_unit)
    if len(units) != len(content):
        raise ValueError("shingle_unit must be one unit or one per document")
    unit_names = np.array(pc.fill_null(units.cast(pa.string()), "code_tokens").to_pylist(), dtype=object)
    distinct = sorted(set(unit_names.tolist()))
    if len(distinct) <= 1:
        return _unit_tokens(content, distinct[0] if distinct else "code_tokens")
    token_parts, doc_parts = [], []
    for unit in distinct:
        rows = np.flatnonzero(unit_names == unit)
        tokens, docs = _unit_tokens(content.take(pa.array(rows)), unit)
        token_parts.append(tokens)
        doc_parts.append(rows[docs])
    token_docs = np.concatenate(doc_parts)
    order = np.argsort(token_docs, kind="stable")
    tokens = pa.concat_arrays([t.cast(content.type) for t in token_parts]).take(pa.array(order))
    return tokens, token_docs[order]


def _shingle_hashes(tokens: pa.Array, starts: np.ndarray, shingle_size: int) -> np.ndarray:
    """``sha1_hash32`` of the shingle starting at each token index in ``starts``, as uint64."""
    separator = pa.scalar(" ", tokens.type)
    shingles = pc.binary_join_element_wise(*(tokens.take(starts + k) for k in range(shingle_size)), separator)
    # SHA-1 each distinct shingle once (a fifth fewer calls on CPython's stdlib).
    distinct = shingles.dictionary_encode()
    return _sha1_hash32(distinct.dictionary)[distinct.indices.to_numpy()]


def _token_fnv_hashes(token_hashes: np.ndarray, starts: np.ndarray, shingle_size: int) -> np.ndarray:
    """ "token_fnv" shingle hashes: FNV-1a (64-bit) over the shingle's token hashes, xor-folded."""
    folded = np.full(len(starts), _FNV_OFFSET, dtype=np.uint64)
    for k in range(shingle_size):
        folded ^= token_hashes[starts + k]
        folded *= _FNV_PRIME
    return (folded >> np.uint64(32)) ^ (folded & _LOW32)


def _shingle_hasher(tokens: pa.Array, shingle_size: int, shingle_hash: ShingleHash):
    """A function from shingle start indices to their 32-bit hashes (as uint64)."""
    if shingle_hash == "sha1":
        return lambda window: _shingle_hashes(tokens, window, shingle_size)
    if shingle_hash == "token_fnv":
        distinct = tokens.dictionary_encode()
        token_hashes = _sha1_hash32(distinct.dictionary)[distinct.indices.to_numpy()]
        return lambda window: _token_fnv_hashes(token_hashes, window, shingle_size)
    raise ValueError(f"unknown shingle hash {shingle_hash!r}; expected 'sha1' or 'token_fnv'")


def shingle_hash_function(shingle_hash: ShingleHash):
    """The scalar ``bytes -> int`` shingle hash, for ``datasketch.MinHash(hashfunc=...)``."""
    from datasketch.hashfunc import sha1_hash32

    if shingle_hash == "sha1":
        return sha1_hash32

    def token_fnv_hash32(shingle: bytes) -> int:
        folded = int(_FNV_OFFSET)
        for token in shingle.split(b" "):
            folded = ((folded ^ sha1_hash32(token)) * int(_FNV_PRIME)) & 0xFFFFFFFFFFFFFFFF
        return (folded >> 32) ^ (folded & 0xFFFFFFFF)

    return token_fnv_hash32


def _sorted_distinct(values: np.ndarray, *, sorted_runs: bool = False) -> np.ndarray:
    """``np.unique`` by sorting: numpy 2.4's hash-table ``unique`` takes seconds on a few million
    distinct integers, a hundred times longer than a sort. ``sorted_runs``: the values are a few
    sorted runs (rounds of keys), which the stable sort (timsort) merges in near-linear time."""
    values = np.sort(values, kind="stable" if sorted_runs else None)
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def _distinct_pairs(docs: np.ndarray, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``(doc, hash)`` pairs, sorted by doc then hash.

    Dropping repeats by hash value rather than by text is exact: equal hashes permute equally.
    """
    keys = _sorted_distinct((docs.astype(np.uint64) << np.uint64(32)) | hashes)
    return (keys >> np.uint64(32)).astype(np.int64), keys & np.uint64(0xFFFFFFFF)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser of each uint64 (wrapping arithmetic)."""
    s1, m1, s2, m2, s3 = _SPLITMIX
    x = x ^ (x >> s1)
    x = x * m1
    x = x ^ (x >> s2)
    x = x * m2
    return x ^ (x >> s3)


def _one_permutation_signatures(keys: np.ndarray, n_docs: int, num_perm: int, seed: int) -> np.ndarray:
    """The ``(n_docs, num_perm)`` one_permutation signatures from the batch's distinct
    ``doc << 32 | hash32`` keys: bin minima, then optimal densification of the empty bins."""
    with np.errstate(over="ignore"):
        seed_key = _splitmix64(np.array([seed], np.uint64) * _SPLITMIX_GAMMA)
        mixed = _splitmix64((keys & _LOW32) ^ seed_key)
    docs = (keys >> np.uint64(32)).astype(np.int64)
    # (high 32 bits * num_perm) >> 32 is a bin in [0, num_perm) without a modulo's bias.
    cells = docs * num_perm + ((mixed >> np.uint64(32)) * np.uint64(num_perm) >> np.uint64(32)).astype(np.int64)
    signatures = np.full(n_docs * num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
    np.minimum.at(signatures, cells, (mixed & _LOW32).astype(np.uint32))
    filled = np.zeros(n_docs * num_perm, dtype=bool)
    filled[cells] = True
    signatures, filled = signatures.reshape(n_docs, num_perm), filled.reshape(n_docs, num_perm)
    # Only documents with at least one shingle have a signature to densify.
    empty_docs, empty_bins = np.nonzero(~filled & filled.any(axis=1, keepdims=True))
    attempt = np.uint64(0)
    with np.errstate(over="ignore"):
        bin_keys = _splitmix64(np.arange(num_perm, dtype=np.uint64) * _SPLITMIX_GAMMA ^ seed_key)
        while len(empty_docs):
            attempt += np.uint64(1)
            probe = _splitmix64(bin_keys[empty_bins] + attempt * _SPLITMIX_GAMMA)
            donors = ((probe >> np.uint64(32)) * np.uint64(num_perm) >> np.uint64(32)).astype(np.int64)
            found = filled[empty_docs, donors]
            signatures[empty_docs[found], empty_bins[found]] = signatures[empty_docs[found], donors[found]]
            empty_docs, empty_bins = empty_docs[~found], empty_bins[~found]
    return signatures


def _fold_minima(signatures: np.ndarray, docs: np.ndarray, hashes: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    """Lower ``signatures[doc]`` to the permuted values of each ``(doc, hash)`` pair, in place.

    ``docs`` must be sorted. Works through blocks of ``_PERMUTE_BLOCK_CELLS`` cells; a
    document's pairs may span two blocks, hence the fold into what is already there.
    """
    rows = max(1, _PERMUTE_BLOCK_CELLS // len(a))
    scratch = np.empty((len(a), min(rows, len(hashes))), dtype=a.dtype)
    for start in range(0, len(hashes), rows):
        block_docs = docs[start : start + rows]
        permuted = _permute(hashes[start : start + rows], a, b, scratch[:, : len(block_docs)])
        run_starts = np.flatnonzero(np.r_[True, block_docs[1:] != block_docs[:-1]])
        run_docs = block_docs[run_starts]
        minima = np.minimum.reduceat(permuted, run_starts, axis=1)
        signatures[run_docs] = np.minimum(signatures[run_docs], minima.T)


def _sha1_hash32(shingles: pa.Array) -> np.ndarray:
    """``datasketch.hashfunc.sha1_hash32`` of each string: SHA-1's first 4 bytes, little-endian."""
    sha1 = hashlib.sha1
    digests = b"".join([sha1(s).digest() for s in shingles.cast(pa.binary()).to_pylist()])
    prefixes = np.frombuffer(digests, dtype=np.uint8).reshape(-1, 20)[:, :4]
    return np.ascontiguousarray(prefixes).view("<u4").ravel().astype(np.uint64)


@lru_cache(maxsize=16)
def _permutations(num_perm: int, seed: int, scheme: Scheme) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` drawn exactly as ``datasketch.MinHash._init_permutations``; read-only, shared."""
    gen = np.random.RandomState(seed)
    if scheme == "legacy":
        pairs = np.array(
            [
                (
                    gen.randint(1, _MERSENNE_PRIME, dtype=np.uint64),
                    gen.randint(0, _MERSENNE_PRIME, dtype=np.uint64),
                )
                for _ in range(num_perm)
            ],
            dtype=np.uint64,
        )
        a, b = pairs[:, 0].copy(), pairs[:, 1].copy()
    elif scheme == "affine32":
        a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    else:
        raise ValueError(f"unknown MinHash scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (``datasketch.minhash._fmix``), wrapping as uint32."""
    s1, m1, s2, m2, s3 = _FMIX32
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s3)


def _permute(hashes: np.ndarray, a: np.ndarray, b: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """``(num_perm, len(hashes))`` uint32 permuted hash values, computed in ``cells``.

    The scheme follows from the dtype of the permutations: uint32 for affine32, uint64 for legacy.
    Permutations are rows so that the per-document minima reduce along contiguous memory.
    """
    np.multiply(a[:, None], hashes, out=cells)
    np.add(cells, b[:, None], out=cells)
    if a.dtype == np.uint32:
        # uint32 arithmetic wraps: this is affine32's a * h + b mod 2**32.
        return cells
    # uint64 arithmetic wrapped like legacy's (h * a + b); now reduce modulo the Mersenne prime
    # p = 2**61 - 1 without a division: x = hi * 2**61 + lo is congruent to hi + lo, which is
    # below 2p, so at most one subtraction of p remains.
    high = cells >> np.uint64(61)
    np.bitwise_and(cells, _MERSENNE_PRIME, out=cells)
    np.add(cells, high, out=cells)
    np.subtract(cells, _MERSENNE_PRIME, out=cells, where=cells >= _MERSENNE_PRIME)
    # Casting keeps the low 32 bits: datasketch's "& _max_hash".
    return cells.astype(np.uint32)
