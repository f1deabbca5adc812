"""FIM at character level: reversible for any text, cuts on code points, Megatron's layouts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from python_udfs.kernels.fim import (
    Sentinels,
    cut_points,
    fim_layout,
    fim_split,
    fim_text,
    fim_transform,
    restore_document,
)
from tests.conftest import stdlib_files

# StarCoder's sentinels (the vars fim_*_token default to them); python_udfs.kernels.fim takes them from the caller.
STARCODER = Sentinels(prefix="<fim_prefix>", middle="<fim_middle>", suffix="<fim_suffix>")

draw = st.floats(min_value=0.0, max_value=1.0, exclude_max=True, allow_nan=False)


def _pieces(text: str, a: float, b: float) -> tuple[str, str, str]:
    row = fim_split(pa.array([text]), pa.array([a]), pa.array([b]))[0].as_py()
    return row["prefix"], row["middle"], row["suffix"]


def _no_sentinels(text: str) -> bool:
    return not any(s in text for s in (STARCODER.prefix, STARCODER.middle, STARCODER.suffix))


@settings(max_examples=300, deadline=None)
@given(st.text(), draw, draw)
def test_psm_roundtrip_restores_document(text, a, b):
    assume(_no_sentinels(text))
    prefix, middle, suffix = _pieces(text, a, b)
    fim = fim_text(prefix, middle, suffix, False, STARCODER, "starcoder")
    assert fim == f"<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>{middle}"
    assert restore_document(fim, False, STARCODER, "starcoder") == text


@settings(max_examples=300, deadline=None)
@given(st.text(), draw, draw, st.sampled_from(["starcoder", "paper"]))
def test_spm_roundtrip_restores_document(text, a, b, variant):
    assume(_no_sentinels(text))
    prefix, middle, suffix = _pieces(text, a, b)
    fim = fim_text(prefix, middle, suffix, True, STARCODER, variant)
    assert restore_document(fim, True, STARCODER, variant) == text


def test_spm_layouts_follow_megatron_and_the_paper():
    assert (
        fim_text("P", "M", "S", True, STARCODER, "starcoder") == "<fim_prefix><fim_suffix>S<fim_middle>PM"
    )  # Megatron / StarCoder
    assert fim_text("P", "M", "S", True, STARCODER, "paper") == "<fim_suffix>S<fim_prefix>P<fim_middle>M"
    assert fim_text("P", "M", "S", False, STARCODER, "starcoder") == "<fim_prefix>P<fim_suffix>S<fim_middle>M"
    custom = Sentinels(prefix="<PRE>", middle="<MID>", suffix="<SUF>")
    assert fim_text("P", "M", "S", False, custom, "starcoder") == "<PRE>P<SUF>S<MID>M"
    with pytest.raises(ValueError, match="unknown SPM variant"):
        fim_layout(True, "reversed")


def test_cuts_never_split_a_multibyte_character():
    # Two-, three- and four-byte UTF-8 characters, a combining accent and a ZWJ emoji sequence.
    text = "é = 'naïve'  # 日本語 🐍 e\u0301 👩\u200d💻\n"
    n = len(text)
    for i in range(n + 1):
        for j in range(n + 1):
            a, b = (i + 0.5) / (n + 1), (j + 0.5) / (n + 1)
            prefix, middle, suffix = _pieces(text, a, b)
            assert len(prefix) == min(i, j) and len(prefix) + len(middle) == max(i, j)
            # Every piece is valid UTF-8 on its own: no cut inside a character's bytes.
            assert (prefix.encode() + middle.encode() + suffix.encode()) == text.encode()


def test_cut_points_cover_both_ends_inclusively():
    lo, hi = cut_points(np.array([10, 10, 0]), np.array([0.0, 0.999999, 0.7]), np.array([0.999999, 0.0, 0.2]))
    assert lo.tolist() == [0, 0, 0] and hi.tolist() == [10, 10, 0]
    # Uniform over 0..n: 11 positions for n = 10, each with 1/11 of the draws.
    draws = (np.arange(11_000) + 0.5) / 11_000
    counts = np.bincount(cut_points(np.full(11_000, 10), draws, draws)[0], minlength=11)
    assert counts.tolist() == [1000] * 11


def test_fim_transform_on_real_files_roundtrips():
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("json")] + [None]
    n = len(texts)
    rng = np.random.default_rng(7)
    is_fim, is_spm = rng.random(n) < 0.5, rng.random(n) < 0.5
    a, b = rng.random(n), rng.random(n)
    out = fim_transform(
        pa.array(texts),
        pa.array(is_fim),
        pa.array(is_spm),
        pa.array(a),
        pa.array(b),
        sentinels=STARCODER,
        variant="starcoder",
    ).to_pylist()
    for text, fim, spm, result in zip(texts, is_fim, is_spm, out):
        if text is None:
            assert result is None
        elif fim:
            assert result != text and restore_document(result, bool(spm), STARCODER, "starcoder") == text
        else:
            assert result == text
