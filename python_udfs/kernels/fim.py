"""Fill-in-the-middle (FIM) transformation of code documents, at character level.

The recipe is the FIM paper's (Bavarian et al. 2022, "Efficient Training of Language Models to
Fill in the Middle") as Megatron-LM's GPT dataset implements it for StarCoder (bigcode-project/
Megatron-LM ``permute``): with probability ``fim_rate`` a document is cut at two positions drawn
uniformly from ``0 .. len(document)`` (inclusive, sorted) into prefix, middle and suffix, and
rearranged with sentinel tokens; with probability ``fim_spm_rate`` the order is SPM instead of PSM:

- PSM: ``<fim_prefix> prefix <fim_suffix> suffix <fim_middle> middle``
- SPM, ``starcoder`` variant (Megatron-LM and StarCoder; the paper's appendix D "SPM variant"):
  ``<fim_prefix> <fim_suffix> suffix <fim_middle> prefix middle``
- SPM, ``paper`` variant (the paper's section 3): ``<fim_suffix> suffix <fim_prefix> prefix
  <fim_middle> middle``

Positions are Unicode code points (Megatron cuts the detokenised ``str``), so a cut never falls
inside a multi-byte UTF-8 character. Defaults: ``fim_rate`` 0.5 and ``fim_spm_rate`` 0.5 (StarCoder,
Li et al. 2023, section 5.1; Megatron-LM's ``--fim-rate`` / ``--fim-spm-rate``).

No randomness lives here: the cut points come from uniform draws in ``[0, 1)`` and the FIM/SPM
decisions are inputs. winnow's SQL (``fct_training_documents``) derives both from
``stable_hash(seed, doc_id, copy)``, so the result of a copy does not depend on batching, threads
or the engine. Tokenisation of the pieces (each piece on its own, sentinels as special token ids,
as Megatron does) is in ``python_udfs.kernels.token_ids``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa

from .utils import as_array

__all__ = [
    "FIM_PIECES_TYPE",
    "Sentinels",
    "SpmVariant",
    "cut_points",
    "fim_layout",
    "fim_split",
    "fim_text",
    "fim_transform",
    "restore_document",
]

SpmVariant = Literal["starcoder", "paper"]


@dataclass(frozen=True)
class Sentinels:
    """The sentinel strings (vars fim_prefix_token, fim_middle_token, fim_suffix_token); each is
    one special token."""

    prefix: str
    middle: str
    suffix: str


FIM_PIECES_TYPE = pa.struct([("prefix", pa.string()), ("middle", pa.string()), ("suffix", pa.string())])

# Each layout is the order of the six segments: a sentinel ("<prefix>", ...) or a piece.
_LAYOUTS: dict[tuple[bool, str], tuple[str, ...]] = {
    (False, "starcoder"): ("<prefix>", "prefix", "<suffix>", "suffix", "<middle>", "middle"),
    (False, "paper"): ("<prefix>", "prefix", "<suffix>", "suffix", "<middle>", "middle"),
    (True, "starcoder"): ("<prefix>", "<suffix>", "suffix", "<middle>", "prefix", "middle"),
    (True, "paper"): ("<suffix>", "suffix", "<prefix>", "prefix", "<middle>", "middle"),
}


def fim_layout(is_spm: bool, variant: SpmVariant) -> tuple[str, ...]:
    """The order of sentinels (``"<prefix>"``, ``"<middle>"``, ``"<suffix>"``) and pieces
    (``"prefix"``, ``"middle"``, ``"suffix"``) of a FIM document: PSM, or SPM in ``variant``."""
    try:
        return _LAYOUTS[(bool(is_spm), variant)]
    except KeyError:
        raise ValueError(f"unknown SPM variant {variant!r}; expected 'starcoder' or 'paper'") from None


def cut_points(n_chars: np.ndarray, cut_a: np.ndarray, cut_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted cut positions per document from two uniform draws in ``[0, 1)``.

    Each draw picks a position uniformly in ``0 .. n_chars`` (inclusive), like Megatron's
    ``np_rng.randint(0, len(contents) + 1, size=2)``; the pair is sorted.
    """
    n = np.asarray(n_chars, dtype=np.int64)
    a = np.minimum(np.floor(np.asarray(cut_a, dtype=np.float64) * (n + 1)).astype(np.int64), n)
    b = np.minimum(np.floor(np.asarray(cut_b, dtype=np.float64) * (n + 1)).astype(np.int64), n)
    return np.minimum(a, b), np.maximum(a, b)


def fim_split(
    content: pa.Array | pa.ChunkedArray,
    cut_a: pa.Array | pa.ChunkedArray,
    cut_b: pa.Array | pa.ChunkedArray,
) -> pa.StructArray:
    """``(prefix, middle, suffix)`` of every document, cut at the code points the draws pick.

    ``prefix + middle + suffix == content`` always. NULL content gives NULL pieces.
    """
    content, cut_a, cut_b = as_array(content), as_array(cut_a), as_array(cut_b)
    texts = content.to_pylist()
    lengths = np.fromiter((len(t) if t is not None else 0 for t in texts), np.int64, len(texts))
    draws_a = cut_a.fill_null(0.0).to_numpy(zero_copy_only=False)
    draws_b = cut_b.fill_null(0.0).to_numpy(zero_copy_only=False)
    lo, hi = cut_points(lengths, draws_a, draws_b)
    prefix, middle, suffix = [], [], []
    for text, i, j in zip(texts, lo.tolist(), hi.tolist()):
        if text is None:
            prefix.append(None), middle.append(None), suffix.append(None)
        else:
            prefix.append(text[:i]), middle.append(text[i:j]), suffix.append(text[j:])
    return pa.StructArray.from_arrays(
        [pa.array(prefix, pa.string()), pa.array(middle, pa.string()), pa.array(suffix, pa.string())],
        fields=list(FIM_PIECES_TYPE),
    )


def fim_text(prefix: str, middle: str, suffix: str, is_spm: bool, sentinels: Sentinels, variant: SpmVariant) -> str:
    """The FIM document as text: pieces and sentinel strings in the layout's order."""
    values = {
        "prefix": prefix,
        "middle": middle,
        "suffix": suffix,
        "<prefix>": sentinels.prefix,
        "<middle>": sentinels.middle,
        "<suffix>": sentinels.suffix,
    }
    return "".join(values[segment] for segment in fim_layout(is_spm, variant))


def restore_document(text: str, is_spm: bool, sentinels: Sentinels, variant: SpmVariant) -> str:
    """The original document of a FIM text: sentinels removed and the pieces put back in order.

    Exact when the document itself contains no sentinel string (then a FIM text is ambiguous as
    text; the pipeline works on token ids, where sentinels are special ids and cannot be confused).
    """
    layout = fim_layout(is_spm, variant)
    names = {"<prefix>": sentinels.prefix, "<middle>": sentinels.middle, "<suffix>": sentinels.suffix}
    pieces: dict[str, str] = {}
    rest = text
    for k, segment in enumerate(layout):
        if segment in names:
            if not rest.startswith(names[segment]):
                raise ValueError(f"expected {names[segment]!r} at this point of the FIM text")
            rest = rest[len(names[segment]) :]
            continue
        following = layout[k + 1] if k + 1 < len(layout) else None
        if following is None:
            pieces[segment], rest = rest, ""
        elif following in names:
            end = rest.index(names[following])
            pieces[segment], rest = rest[:end], rest[end:]
        else:
            # SPM (starcoder): "prefix" is directly followed by "middle" with no sentinel between.
            # Nothing in the text marks the boundary; only their concatenation is recoverable.
            pieces[segment], rest = rest, ""
            pieces[following] = ""
    return pieces["prefix"] + pieces["middle"] + pieces["suffix"]


def fim_transform(
    content: pa.Array | pa.ChunkedArray,
    is_fim: pa.Array | pa.ChunkedArray,
    is_spm: pa.Array | pa.ChunkedArray,
    cut_a: pa.Array | pa.ChunkedArray,
    cut_b: pa.Array | pa.ChunkedArray,
    *,
    sentinels: Sentinels,
    variant: SpmVariant,
) -> pa.StringArray:
    """The text of every document copy: its FIM form (PSM, or SPM when ``is_spm``) where
    ``is_fim``, cut where the draws say, else the document unchanged.

    The readable form (SQL ``winnow_fim``) of what ``python_udfs.kernels.token_ids.fim_token_ids`` encodes;
    the pipeline encodes the pieces themselves so that a sentinel string inside a source file can
    never be mistaken for a sentinel.
    """
    _check_variant(variant)
    content = as_array(content)
    fim = as_array(is_fim).fill_null(False).to_pylist()
    spm = as_array(is_spm).fill_null(False).to_pylist()
    pieces = fim_split(content, cut_a, cut_b)
    texts = content.to_pylist()
    prefixes, middles, suffixes = (pieces.field(name).to_pylist() for name in ("prefix", "middle", "suffix"))
    return pa.array(
        [
            fim_text(prefixes[i], middles[i], suffixes[i], spm[i], sentinels, variant)
            if fim[i] and texts[i] is not None
            else texts[i]
            for i in range(len(texts))
        ],
        pa.string(),
    )


def _check_variant(variant: str) -> None:
    """Raise on an unknown SPM variant (checked once per call, not per row)."""
    fim_layout(True, variant)  # type: ignore[arg-type]
