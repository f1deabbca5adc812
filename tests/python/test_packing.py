"""Packing: every token kept in order (concat) or placed once (best_fit), windows never overflow,
boundaries and offsets point at the right documents, batching never changes the result."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from python_udfs.kernels.bpe_tokenizer import SpecialTokens, train_tokenizer
from python_udfs.kernels.fim import Sentinels
from python_udfs.kernels.packing import WINDOW_SCHEMA, pack, pack_best_fit, pack_concat
from tests.conftest import stdlib_files

EOS, PAD = 0, 4


def batches_of(documents: list[list[int]], sizes: list[int], first_position: int = 1) -> list[pa.RecordBatch]:
    """The documents as record batches of the given sizes (cycled), positions from first_position."""
    batches, start, k = [], 0, 0
    while start < len(documents):
        size = max(1, sizes[k % len(sizes)]) if sizes else len(documents)
        chunk = documents[start : start + size]
        batches.append(
            pa.RecordBatch.from_pydict(
                {
                    "position": pa.array(
                        range(first_position + start, first_position + start + len(chunk)), pa.int64()
                    ),
                    "input_ids": pa.array(chunk, pa.list_(pa.int32())),
                }
            )
        )
        start, k = start + len(chunk), k + 1
    return batches


def windows(output) -> list[dict]:
    table = pa.Table.from_batches(list(output), schema=WINDOW_SCHEMA)
    return table.to_pylist()


def pieces(window: dict) -> list[tuple[int, int, list[int]]]:
    """(position, offset, tokens) of every document piece of a window."""
    ends = window["boundaries"][1:] + [window["n_tokens"]]
    return [
        (p, o, window["input_ids"][b:e])
        for p, o, b, e in zip(window["document_positions"], window["document_offsets"], window["boundaries"], ends)
    ]


def with_eos(documents: list[list[int]]) -> list[list[int]]:
    return [d + [EOS] for d in documents]


documents_strategy = st.lists(st.lists(st.integers(5, 999), max_size=40), max_size=30)
seq_lens = st.integers(2, 37)
batch_sizes = st.lists(st.integers(1, 7), min_size=1, max_size=4)


def check_pieces_restore_documents(result: list[dict], documents: list[list[int]], seq_len: int, complete: bool):
    """Pieces, gathered per document in offset order, give back every document with its EOS."""
    restored: dict[int, list[tuple[int, list[int]]]] = {}
    for window in result:
        assert len(window["input_ids"]) == seq_len
        assert window["n_tokens"] + window["n_padding"] == seq_len and window["n_tokens"] > 0
        assert window["input_ids"][window["n_tokens"] :] == [PAD] * window["n_padding"]
        assert window["boundaries"][0] == 0 and window["boundaries"] == sorted(set(window["boundaries"]))
        for position, offset, tokens in pieces(window):
            assert tokens, "a piece is never empty"
            restored.setdefault(position, []).append((offset, tokens))
    expected = with_eos(documents)
    for position, parts in restored.items():
        parts.sort()
        joined, at = [], 0
        for offset, tokens in parts:
            assert offset == at, "pieces of a document are contiguous"
            joined += tokens
            at += len(tokens)
        document = expected[position - 1]
        assert joined == document[: len(joined)]
        if complete:
            assert joined == document
    if complete:
        assert sorted(restored) == list(range(1, len(documents) + 1))


@settings(max_examples=300, deadline=None)
@given(documents_strategy, seq_lens, batch_sizes, st.sampled_from(["drop", "pad"]))
def test_concat_keeps_every_token_in_order_and_drops_or_pads_only_the_tail(documents, seq_len, sizes, tail):
    result = windows(pack_concat(batches_of(documents, sizes), seq_len=seq_len, eos_id=EOS, pad_id=PAD, tail=tail))
    stream = [t for d in with_eos(documents) for t in d]
    packed = [t for w in result for t in w["input_ids"][: w["n_tokens"]]]
    assert [w["window_index"] for w in result] == list(range(len(result)))
    if tail == "drop":
        assert packed == stream[: len(stream) // seq_len * seq_len]
        assert all(w["n_padding"] == 0 for w in result)
    else:
        assert packed == stream
        assert all(w["n_padding"] == 0 for w in result[:-1])
    check_pieces_restore_documents(result, documents, seq_len, complete=tail == "pad")


@settings(max_examples=300, deadline=None)
@given(documents_strategy, seq_lens, batch_sizes, st.integers(1, 200))
def test_best_fit_places_every_token_once_and_never_overflows(documents, seq_len, sizes, block_tokens):
    result = windows(
        pack_best_fit(batches_of(documents, sizes), seq_len=seq_len, eos_id=EOS, pad_id=PAD, block_tokens=block_tokens)
    )
    total = sum(len(d) + 1 for d in documents)
    assert sum(w["n_tokens"] for w in result) == total
    assert [w["window_index"] for w in result] == list(range(len(result)))
    check_pieces_restore_documents(result, documents, seq_len, complete=True)
    # A document that fits a window is never cut; a longer one is cut into seq_len chunks + rest.
    for window in result:
        for position, offset, tokens in pieces(window):
            length = len(documents[position - 1]) + 1
            if length <= seq_len:
                assert offset == 0 and len(tokens) == length
            else:
                assert offset % seq_len == 0 and len(tokens) == min(seq_len, length - offset)


@settings(max_examples=100, deadline=None)
@given(documents_strategy, seq_lens, batch_sizes, batch_sizes, st.sampled_from(["concat", "best_fit"]))
def test_batching_of_the_input_never_changes_the_windows(documents, seq_len, sizes_a, sizes_b, strategy):
    def run(sizes):
        return windows(
            pack(
                batches_of(documents, sizes),
                strategy,
                seq_len=seq_len,
                eos_id=EOS,
                pad_id=PAD,
                tail="pad",
                block_tokens=50,
            )
        )

    assert run(sizes_a) == run(sizes_b)


def test_best_fit_fills_the_window_with_the_least_room_that_fits():
    # Lengths with EOS: 6, 5, 4, 3, 2 into windows of 8. Decreasing: 6 -> w0 (room 2), 5 -> w1
    # (room 3), 4 -> w2 (room 4), 3 -> w1 (best fit: room 3, not w2's 4), 2 -> w0 (room 2).
    documents = [[9] * 5, [9] * 4, [9] * 3, [9] * 2, [9] * 1]
    result = windows(pack_best_fit(batches_of(documents, [5]), seq_len=8, eos_id=EOS, pad_id=PAD, block_tokens=2**23))
    assert [w["document_positions"] for w in result] == [[1, 5], [2, 4], [3]]
    assert [w["boundaries"] for w in result] == [[0, 6], [0, 5], [0]]
    assert [w["n_padding"] for w in result] == [0, 0, 4]


def test_best_fit_pads_less_than_concat_with_pad_on_real_files():
    texts = [p.read_text(encoding="utf-8") for package in ("json", "email", "tomllib") for p in stdlib_files(package)]
    tokenizer = train_tokenizer(
        iter([texts]),
        vocab_size=1000,
        special_tokens=SpecialTokens(
            eos="<|endoftext|>", pad="<pad>", fim=Sentinels("<fim_prefix>", "<fim_middle>", "<fim_suffix>")
        ),
    )
    documents = [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=False)]
    seq_len = 2048
    fit = windows(
        pack_best_fit(batches_of(documents, [3]), seq_len=seq_len, eos_id=EOS, pad_id=PAD, block_tokens=2**23)
    )
    cut = windows(pack_concat(batches_of(documents, [3]), seq_len=seq_len, eos_id=EOS, pad_id=PAD, tail="pad"))
    total = sum(len(d) + 1 for d in documents)
    assert sum(w["n_tokens"] for w in fit) == sum(w["n_tokens"] for w in cut) == total
    # best_fit cuts only documents longer than a window; concat cuts almost every document.
    cut_fit = {p for w in fit for p, o, _ in pieces(w) if o > 0}
    cut_concat = {p for w in cut for p, o, _ in pieces(w) if o > 0}
    assert cut_fit == {i + 1 for i, d in enumerate(documents) if len(d) + 1 > seq_len}
    assert len(cut_concat - cut_fit) >= 3
    assert sum(w["n_padding"] for w in fit) < 0.25 * len(fit) * seq_len


def test_empty_input_gives_no_windows():
    assert windows(pack_concat([], seq_len=8, eos_id=EOS, pad_id=PAD, tail="pad")) == []
    assert windows(pack_best_fit([], seq_len=8, eos_id=EOS, pad_id=PAD, block_tokens=2**23)) == []


@pytest.mark.parametrize("strategy", ["concat", "best_fit"])
def test_seq_len_below_two_is_refused_naming_the_var(strategy):
    with pytest.raises(ValueError, match="var seq_len"):
        list(
            pack(
                batches_of([[1, 2]], [1]), strategy, seq_len=1, eos_id=EOS, pad_id=PAD, tail="drop", block_tokens=2**23
            )
        )


def test_unknown_strategy_names_the_var():
    with pytest.raises(ValueError, match="packing_strategy = 'greedy'"):
        pack([], "greedy", seq_len=8, eos_id=EOS, pad_id=PAD, tail="drop", block_tokens=2**23)  # type: ignore[arg-type]
