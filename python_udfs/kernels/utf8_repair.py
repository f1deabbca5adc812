"""Text from bytes that are not all valid UTF-8, repaired exactly as DuckDB's Parquet reader does.

DuckDB reads Parquet strings with ``utf8_validation = 'replace'`` (staging does, so one bad byte
does not refuse a whole file): each invalid sequence becomes one ``?`` per byte it spans, by the
rules of DuckDB's ``Utf8Proc::MakeValid`` (a lead byte claims its sequence; a sequence cut short by
the end of the value gives up its lead byte only; a non-continuation byte inside a sequence is
replaced with it, even when it is ASCII). Spark keeps the bytes, so its staging calls this kernel on
them: the staged text, its hash and the doc_id are then the same on both engines. Rows with
invalid bytes are dropped at staging either way (rule ``invalid_utf8``); the repair decides only
which doc_id their ledger row names.
"""

from __future__ import annotations

import pyarrow as pa

from .utils import as_array

__all__ = ["duckdb_replaced_text", "utf8_replaced"]

REPLACEMENT = ord("?")

# (continuation bytes, mask of the bits an overlong form leaves zero, payload bits of the lead byte)
_SEQUENCES = ((0xE0, 0xC0, 1, 0x000780, 0x1F), (0xF0, 0xE0, 2, 0x00F800, 0x0F), (0xF8, 0xF0, 3, 0x1F0000, 0x07))


def _sequence(lead: int) -> tuple[int, int, int] | None:
    for lead_mask, lead_bits, extra, overlong_mask, payload in _SEQUENCES:
        if lead & lead_mask == lead_bits:
            return extra, overlong_mask, lead & payload
    return None


def duckdb_replaced_text(data: bytes) -> str:
    """``data`` decoded as UTF-8, each invalid sequence replaced by DuckDB's rules (module doc)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    out = bytearray(data)
    i, n = 0, len(out)
    while i < n:
        if out[i] < 0x80:
            i += 1
            continue
        first = i
        sequence = _sequence(out[i])
        if sequence is None:
            out[i] = REPLACEMENT
            i += 1
            continue
        extra, overlong_mask, code_point = sequence
        valid = n - i >= extra + 1
        if valid:
            for _ in range(extra):
                i += 1
                if out[i] & 0xC0 != 0x80:
                    valid = False
                    break
                code_point = (code_point << 6) | (out[i] & 0x3F)
            else:
                is_surrogate = code_point & 0x1FFF800 == 0xD800
                valid = code_point & overlong_mask != 0 and code_point <= 0x10FFFF and not is_surrogate
        if not valid:
            out[first : i + 1] = bytes([REPLACEMENT]) * (i + 1 - first)
        i += 1
    return out.decode("utf-8")


def utf8_replaced(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Per value of a binary vector: its text, repaired as DuckDB's reader would (NULL stays NULL)."""
    return pa.array(
        [None if value is None else duckdb_replaced_text(value) for value in as_array(values).to_pylist()],
        pa.string(),
    )
