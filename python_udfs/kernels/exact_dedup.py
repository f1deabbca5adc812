"""Exact dedup's key: the SHA-256 of each document's text after its whitespace normalisation.

The normalisations (var ``exact_dedup_normalisation``):

- ``none``: the exact text.
- ``strip_trailing_whitespace``: every run of spaces, tabs, carriage returns, form feeds and
  vertical tabs that ends a line (before ``\\n`` or at the end of the text) is removed.
- ``collapse_whitespace`` (the default): every run of whitespace becomes one space, and a leading
  or trailing one is removed.
- ``remove_whitespace``: all whitespace is removed, as codeparrot-clean's hash does.

Whitespace is ``[\\t\\n\\f\\r ]``, RE2's ``\\s`` (Java's also holds ``\\v``): not ``\\v``, not
Unicode spaces such as U+00A0, which stay as they are wherever they stand (DuckDB's ``trim``
would also strip U+00A0 and other Unicode spaces from the ends, Spark's would not: one definition
for both engines).
The key is the lowercase hex digest of the UTF-8 bytes, as DuckDB's ``sha256`` and Spark's
``sha2(..., 256)`` give it.

Each document's bytes are normalised with the bytes methods that run in C: ``split`` with no
separator splits at runs of ASCII whitespace and drops the ends, which is the collapse when the
text holds no ``\\v`` (``split`` counts it as whitespace; those few documents take a regular
expression instead). A whitespace character is one ASCII byte and no byte of a multi-byte
character is ASCII, so working on bytes splits no character.
"""

from __future__ import annotations

import hashlib
import re

import pyarrow as pa

from .utils import as_array

__all__ = ["DEDUP_NORMALISATIONS", "dedup_hashes", "normalised_for_dedup"]

_WHITESPACE = b"\t\n\f\r "
_VERTICAL_TAB = b"\x0b"
_WHITESPACE_RUN = re.compile(rb"[\t\n\f\r ]+")
_LINE_END_BLANKS = b" \t\r\f\x0b"


def _collapsed(text: bytes) -> bytes:
    if _VERTICAL_TAB in text:
        return _WHITESPACE_RUN.sub(b" ", text).strip(b" ")
    return b" ".join(text.split())


def _removed(text: bytes) -> bytes:
    return text.translate(None, _WHITESPACE)


def _stripped_line_ends(text: bytes) -> bytes:
    return b"\n".join([line.rstrip(_LINE_END_BLANKS) for line in text.split(b"\n")])


def _unchanged(text: bytes) -> bytes:
    return text


# The choices of var exact_dedup_normalisation (knobs.yml; a test holds the two equal).
DEDUP_NORMALISATIONS = {
    "none": _unchanged,
    "strip_trailing_whitespace": _stripped_line_ends,
    "collapse_whitespace": _collapsed,
    "remove_whitespace": _removed,
}


def _normalised_bytes(content: pa.Array | pa.ChunkedArray, normalisation: str):
    """Each document's normalised UTF-8 bytes, None for NULL, in order."""
    try:
        normalise = DEDUP_NORMALISATIONS[normalisation]
    except KeyError:
        raise ValueError(
            f"exact dedup normalisation {normalisation!r} is not one of: {', '.join(DEDUP_NORMALISATIONS)}"
        ) from None
    for text in as_array(content).cast(pa.large_binary()).to_pylist():
        yield None if text is None else normalise(text)


def normalised_for_dedup(content: pa.Array | pa.ChunkedArray, normalisation: str) -> pa.Array:
    """The text that exact dedup compares, per document (NULL stays NULL)."""
    return pa.array(
        [None if text is None else text.decode() for text in _normalised_bytes(content, normalisation)],
        type=pa.string(),
    )


def dedup_hashes(content: pa.Array | pa.ChunkedArray, normalisation: str) -> pa.Array:
    """The hex SHA-256 of each document's normalised text (NULL stays NULL)."""
    sha256 = hashlib.sha256
    return pa.array(
        [None if text is None else sha256(text).hexdigest() for text in _normalised_bytes(content, normalisation)],
        type=pa.string(),
    )
