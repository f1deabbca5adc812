"""Counts of alphanumeric and alphabetic characters per document, exactly as Python sees them.

codeparrot-clean's ``alpha_frac`` and StarCoder's filters use ``str.isalnum``/``str.isalpha`` per
character. A regex with Unicode classes does the same in SQL but runs at ~15 MB/s; here the whole
vector's UTF-8 buffer is decoded to code points with numpy and looked up in tables built once from
``str.isalnum``/``str.isalpha`` over every code point, so the result is identical to Python's and
the cost is a few numpy passes over the bytes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa

from .utils import as_array

__all__ = ["CHARACTER_CLASSES_TYPE", "character_classes"]

CHARACTER_CLASSES_TYPE = pa.struct([("n_alphanumeric", pa.int64()), ("n_alphabetic", pa.int64())])

_MAX_CODE_POINT = 0x110000


@lru_cache(maxsize=1)
def _class_tables() -> tuple[np.ndarray, np.ndarray]:
    """(is_alnum, is_alpha) lookup tables over every code point; built once per process."""
    characters = "".join(map(chr, range(_MAX_CODE_POINT))).encode("utf-32-le", "surrogatepass")
    code_points = np.frombuffer(characters, dtype=np.uint32)
    text = characters.decode("utf-32-le", "surrogatepass")
    is_alnum = np.fromiter((c.isalnum() for c in text), dtype=bool, count=len(code_points))
    is_alpha = np.fromiter((c.isalpha() for c in text), dtype=bool, count=len(code_points))
    return is_alnum, is_alpha


@lru_cache(maxsize=1)
def _byte_tables() -> tuple[np.ndarray, np.ndarray]:
    """The same classes per byte value: ASCII bytes as their character, every other byte 0."""
    return tuple(np.where(np.arange(256) < 0x80, table[:256], False).astype(np.int32) for table in _class_tables())


def _non_ascii_code_points(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the lead bytes of multi-byte UTF-8 characters in ``data``, and their code points."""
    starts = np.flatnonzero(data >= 0xC0)
    lead = data[starts].astype(np.uint32)
    padded = np.concatenate([data, np.zeros(3, dtype=np.uint8)])
    b1 = padded[starts + 1].astype(np.uint32) & 0x3F
    b2 = padded[starts + 2].astype(np.uint32) & 0x3F
    b3 = padded[starts + 3].astype(np.uint32) & 0x3F
    code_points = np.where(
        lead < 0xE0,
        ((lead & 0x1F) << 6) | b1,
        np.where(
            lead < 0xF0,
            ((lead & 0x0F) << 12) | (b1 << 6) | b2,
            ((lead & 0x07) << 18) | (b1 << 12) | (b2 << 6) | b3,
        ),
    )
    return starts, np.minimum(code_points, _MAX_CODE_POINT - 1)


def character_classes(content: pa.Array | pa.ChunkedArray) -> pa.StructArray:
    """Struct of ``n_alphanumeric`` and ``n_alphabetic`` characters per document (NULL -> NULL)."""
    content = as_array(content)
    if pa.types.is_string(content.type):
        offset_type = np.int32
    elif pa.types.is_large_string(content.type):
        offset_type = np.int64
    else:
        content = content.cast(pa.large_string())
        offset_type = np.int64
    n = len(content)
    mask = ~np.asarray(content.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    buffers = content.buffers()
    offsets = np.frombuffer(buffers[1], dtype=offset_type)[content.offset : content.offset + n + 1].astype(np.int64)
    first, last = (int(offsets[0]), int(offsets[-1])) if n else (0, 0)
    data = np.frombuffer(buffers[2], dtype=np.uint8)[first:last] if buffers[2] is not None else np.zeros(0, np.uint8)
    starts, code_points = _non_ascii_code_points(data)
    counts = []
    for table, byte_table in zip(_class_tables(), _byte_tables()):
        # ASCII bytes are looked up directly; continuation bytes count 0; lead bytes of
        # multi-byte characters get their code point's class. A running sum then gives every
        # document's count as a difference of two positions (in place: no extra copy).
        flags = np.empty(len(data) + 1, dtype=np.int32)
        flags[0] = 0
        flags[1:] = byte_table[data]
        flags[starts + 1] = table[code_points]
        np.cumsum(flags, out=flags)
        counts.append(flags[offsets[1:] - first].astype(np.int64) - flags[offsets[:-1] - first])
    return pa.StructArray.from_arrays(
        [pa.array(counts[0], pa.int64()), pa.array(counts[1], pa.int64())],
        fields=list(CHARACTER_CLASSES_TYPE),
        mask=pa.array(mask, pa.bool_()),
    )
