"""Decontamination's n-gram keys: the key of every window of a file's tokens equals the key of the
window's text, in the literal and the identifier-blind form, as macros/benchmarks.sql
(token_ngrams) writes them; checked on real code against a reference written from that definition."""

from __future__ import annotations

import csv

import pyarrow as pa
import pytest

from python_udfs.kernels.decontamination_tokens import decontamination_tokens
from python_udfs.kernels.ngram_keys import ngram_text_keys, window_keys
from tests.conftest import PROJECT_ROOT, stdlib_files

with open(PROJECT_ROOT / "seeds" / "python_reserved_names.csv", newline="") as seed:
    RESERVED = [row["name"] for row in csv.DictReader(seed)]


def reference_ngrams(tokens: list[str], n: int) -> tuple[list[str], list[str]]:
    """The literal and blind n-gram texts of token_ngrams, one pair per full window."""
    last, back = {}, []
    for position, token in enumerate(tokens):
        back.append(position - last[token] if token in last else None)
        last[token] = position
    kept = [token in RESERVED or token[0] in "0123456789" or token[0] == "." for token in tokens]
    literal, blind = [], []
    for start in range(len(tokens) - n + 1):
        literal.append(" ".join(tokens[start : start + n]))
        parts = []
        for k in range(n):
            at = start + k
            if kept[at]:
                parts.append(tokens[at])
            elif k >= 1 and back[at] is not None and back[at] <= k:
                parts.append(f"^{back[at]}")
            else:
                parts.append("v")
        blind.append(" ".join(parts))
    return literal, blind


@pytest.mark.parametrize("n", [10, 3])
def test_every_windows_key_is_the_key_of_its_text(n):
    texts = [path.read_text(errors="replace") for path in stdlib_files("json") + stdlib_files("email", 12)]
    tokens = decontamination_tokens(pa.array(texts))
    keys = window_keys(tokens, RESERVED, n).to_pylist()
    windows = 0
    for file_tokens, file_keys in zip(tokens.to_pylist(), keys):
        literal, blind = reference_ngrams(file_tokens, n)
        assert file_keys["literal"] == ngram_text_keys(pa.array(literal, pa.string())).to_pylist()
        assert file_keys["blind"] == ngram_text_keys(pa.array(blind, pa.string())).to_pylist()
        windows += len(literal)
    assert windows > 10_000
    assert any("^" in text for file_tokens in tokens.to_pylist()[:3] for text in reference_ngrams(file_tokens, n)[1])


def test_renaming_variables_keeps_the_blind_key_only():
    pasted = "for i in range(len(l)):\n    for j in range(i): total += l[j]"
    renamed = "for a in range(len(xs)):\n    for b in range(a): total += xs[b]"
    keys = window_keys(decontamination_tokens(pa.array([pasted, renamed])), RESERVED, 10).to_pylist()
    assert keys[0]["blind"] == keys[1]["blind"]
    assert keys[0]["literal"] != keys[1]["literal"]
    # The second window: `i in range len l for j in range i`, its last `i` nine tokens back.
    [expected] = ngram_text_keys(pa.array(["v in range len v for v in range ^9"])).to_pylist()
    assert keys[0]["blind"][1] == expected


def test_short_empty_and_null_lists():
    tokens = pa.array([["a"] * 9, ["a"] * 10, [], None], pa.list_(pa.string()))
    keys = window_keys(tokens, RESERVED, 10).to_pylist()
    assert [None if k is None else len(k["literal"]) for k in keys] == [0, 1, 0, None]
    assert ngram_text_keys(pa.array(["a", None])).to_pylist()[1] is None


def test_a_window_never_spans_two_files():
    # The same tokens split across two lists have no window in common with the joined list.
    keys = window_keys(pa.array([["x", "y"], ["z", "w"], ["x", "y", "z", "w"]]), RESERVED, 3).to_pylist()
    assert keys[0]["literal"] == [] and keys[1]["literal"] == []
    assert len(keys[2]["literal"]) == 2
