"""Per-document line statistics over a whole Arrow vector at once.

Lines are the segments between ``\\n`` characters; a final newline does not start another line
(``"a\\nb\\n"`` has 2 lines), and an empty document has 0 lines. Lengths count characters (code
points), as codeparrot's ``line_mean``/``line_max`` and StarCoder's line-length filters do with
Python's ``len``. A comment line starts, after indentation, with a comment marker of Python,
C-like languages or SQL (``#``, ``//``, ``/*``, ``*``, ``--``). Everything is computed with pyarrow
kernels and numpy segment reductions: no Python loop over documents or lines.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .utils import as_array

__all__ = ["COMMENT_LINE_PATTERN", "LINE_STATS_TYPE", "line_stats"]

LINE_STATS_TYPE = pa.struct(
    [
        ("n_lines", pa.int64()),
        ("max_line_length", pa.int64()),
        ("mean_line_length", pa.float64()),
        ("n_comment_lines", pa.int64()),
    ]
)

# RE2 syntax (Arrow's regex engine, as DuckDB's): searched in each line on its own.
COMMENT_LINE_PATTERN = r"^\s*(#|//|/\*|\*|--)"


def line_stats(content: pa.Array | pa.ChunkedArray) -> pa.StructArray:
    """Struct of ``n_lines``, ``max_line_length``, ``mean_line_length`` and ``n_comment_lines``.

    NULL content gives a NULL struct. ``mean_line_length`` is characters excluding newlines
    divided by ``n_lines`` (0.0 for an empty document).
    """
    content = as_array(content)
    valid = pc.is_valid(content)
    filled = pc.fill_null(content, "")
    # Drop one trailing newline so it does not count as an extra, empty line.
    trimmed = pc.replace_substring_regex(filled, pattern=r"\n\z", replacement="")
    lines = pc.split_pattern(trimmed, pattern="\n")
    flat_lines = lines.flatten()
    line_lengths = pc.utf8_length(flat_lines).to_numpy(zero_copy_only=False).astype(np.int64)
    is_comment = pc.match_substring_regex(flat_lines, pattern=COMMENT_LINE_PATTERN).to_numpy(zero_copy_only=False)
    offsets = lines.offsets.to_numpy()
    counts = np.diff(offsets)

    def per_document(reduce: np.ufunc, values: np.ndarray) -> np.ndarray:
        # Every list has at least one element ("" splits to [""]), so reduceat's segments are
        # non-empty; an empty vector has no segments at all.
        return reduce.reduceat(values, offsets[:-1]) if len(values) else np.zeros(0, np.int64)

    max_lengths = per_document(np.maximum, line_lengths)
    total_chars = per_document(np.add, line_lengths)
    comment_lines = per_document(np.add, is_comment.astype(np.int64))
    is_empty = pc.equal(pc.utf8_length(filled), 0).to_numpy(zero_copy_only=False)
    n_lines = np.where(is_empty, 0, counts)
    mean = np.divide(total_chars, n_lines, out=np.zeros(len(n_lines), dtype=np.float64), where=n_lines > 0)
    mask = ~valid.to_numpy(zero_copy_only=False)
    return pa.StructArray.from_arrays(
        [
            pa.array(n_lines, pa.int64()),
            pa.array(np.where(is_empty, 0, max_lengths), pa.int64()),
            pa.array(mean, pa.float64()),
            pa.array(comment_lines, pa.int64()),
        ],
        fields=list(LINE_STATS_TYPE),
        mask=pa.array(mask, pa.bool_()),
    )
