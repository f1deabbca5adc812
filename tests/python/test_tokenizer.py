"""Tokenizer training, special tokens, the tiktoken engine and the tokenise UDFs, on real code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from python_udfs.engine.plugin import register_udfs
from python_udfs.kernels.bpe_tokenizer import (
    REPOSITORY_DOCUMENT_MARKERS,
    SpecialTokens,
    TokenizerError,
    check_special_tokens,
    first_engine_mismatch,
    load_tokenizer,
    tiktoken_encoding,
    train_tokenizer,
)
from python_udfs.kernels.fim import Sentinels, fim_split, fim_text
from python_udfs.kernels.token_ids import fim_token_ids, segmented_token_ids, token_ids
from tests.conftest import stdlib_files

# StarCoder's special tokens (the vars eos_token, pad_token, fim_*_token default to them); the
# tokenizer functions take them from the caller.
STARCODER_SENTINELS = Sentinels(prefix="<fim_prefix>", middle="<fim_middle>", suffix="<fim_suffix>")
STARCODER = SpecialTokens(eos="<|endoftext|>", pad="<pad>", fim=STARCODER_SENTINELS)

SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
# Real files of installed packages that contain special-token strings as text.
FILES_WITH_SPECIAL_STRINGS = {
    "tiktoken/core.py": "<|endoftext|>",
    "tokenizers/decoders/__init__.pyi": "<pad>",
}
TRAINING_PACKAGES = ("json", "email", "asyncio", "logging")
SPECIAL_IDS = {0, 1, 2, 3, 4}


def _corpus() -> list[str]:
    return [p.read_text(encoding="utf-8") for package in TRAINING_PACKAGES for p in stdlib_files(package)]


@pytest.fixture(scope="module")
def tokenizer_path(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("tokenizer") / "tokenizer.json"
    train_tokenizer(iter([_corpus()]), vocab_size=2048, special_tokens=STARCODER).save(str(path), pretty=True)
    return str(path)


@pytest.fixture(scope="module")
def real_texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in stdlib_files("unittest") + stdlib_files("http")]
    texts += [(SITE_PACKAGES / name).read_text(encoding="utf-8") for name in FILES_WITH_SPECIAL_STRINGS]
    return texts + ["", "x = '<|endoftext|><fim_prefix><fim_middle><fim_suffix><pad>'\n", "日本語 🐍 naïve\n"]


def test_training_is_byte_identical_whatever_the_thread_count(tokenizer_path, tmp_path):
    script = (
        "import sys; from tests.python.test_tokenizer import _corpus, STARCODER; from python_udfs.kernels.bpe_tokenizer import train_tokenizer;"
        "train_tokenizer(iter([_corpus()]), vocab_size=2048, special_tokens=STARCODER).save(sys.argv[1], pretty=True)"
    )
    for threads in ("1", "2"):
        out = tmp_path / f"tokenizer-{threads}.json"
        env = {**os.environ, "RAYON_NUM_THREADS": threads, "TOKENIZERS_PARALLELISM": "true"}
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env, cwd=Path(__file__).parents[2])
        assert out.read_bytes() == Path(tokenizer_path).read_bytes()


def test_trained_tokenizer_has_the_special_tokens_first(tokenizer_path):
    loaded = load_tokenizer(tokenizer_path)
    ids = check_special_tokens(loaded.hf, STARCODER)
    assert ids == {"eos": 0, "fim_prefix": 1, "fim_middle": 2, "fim_suffix": 3, "pad": 4}
    assert loaded.hf.get_vocab_size() == 2048


def test_special_token_strings_in_real_files_are_ordinary_text(tokenizer_path, real_texts):
    loaded = load_tokenizer(tokenizer_path)
    for name, special in FILES_WITH_SPECIAL_STRINGS.items():
        assert special in (SITE_PACKAGES / name).read_text(encoding="utf-8"), name
    for engine in ("tokenizers", "tiktoken"):
        result = token_ids(pa.array(real_texts), tokenizer_path, None, engine)
        for text, ids in zip(real_texts, result.field("input_ids").to_pylist()):
            assert not SPECIAL_IDS & set(ids), (engine, text[:80])
            assert loaded.hf.decode(ids, skip_special_tokens=False) == text
    # The library's default would have matched them as special tokens.
    from tokenizers import Tokenizer

    plain = Tokenizer.from_file(tokenizer_path)
    assert 0 in plain.encode(real_texts[-2], add_special_tokens=False).ids


def test_tiktoken_gives_the_ids_of_tokenizers(tokenizer_path, real_texts):
    loaded = load_tokenizer(tokenizer_path)
    assert loaded.tiktoken is not None, loaded.tiktoken_reason
    assert first_engine_mismatch(loaded, real_texts) is None
    a = token_ids(pa.array(real_texts), tokenizer_path, None, "tiktoken")
    b = token_ids(pa.array(real_texts), tokenizer_path, None, "tokenizers")
    assert a.equals(b)


def test_the_engine_check_names_the_first_text_whose_ids_differ(tokenizer_path, real_texts):
    loaded = load_tokenizer(tokenizer_path)
    reference = loaded.hf.encode_batch_fast(real_texts, add_special_tokens=False)
    assert first_engine_mismatch(loaded, real_texts, reference) is None
    # Reference ids of other texts: one with a word changed, one with a token more at its end.
    changed = real_texts[:3] + [real_texts[3].replace("def ", "class ", 1)] + real_texts[4:]
    other = loaded.hf.encode_batch_fast(changed, add_special_tokens=False)
    assert first_engine_mismatch(loaded, real_texts, other) == 3
    longer = loaded.hf.encode_batch_fast(
        real_texts[:1] + [real_texts[1] + " x"] + real_texts[2:], add_special_tokens=False
    )
    assert first_engine_mismatch(loaded, real_texts, longer) == 1


def test_tokenizers_that_tiktoken_cannot_express_are_named(tokenizer_path):
    spec = json.loads(Path(tokenizer_path).read_text())
    spec["normalizer"] = {"type": "NFC"}
    assert tiktoken_encoding(spec) == (None, "the tokenizer has a normalizer")
    spec["normalizer"] = None
    spec["pre_tokenizer"] = {"type": "Whitespace"}
    assert tiktoken_encoding(spec)[1].startswith("pre-tokenizer is not ByteLevel")


def test_a_tokenizer_without_the_sentinels_is_refused(tmp_path):
    other_sentinels = SpecialTokens(
        eos="<|endoftext|>", pad="<pad>", fim=Sentinels(prefix="<PRE>", middle="<MID>", suffix="<SUF>")
    )
    tokenizer = train_tokenizer(iter([_corpus()[:20]]), vocab_size=512, special_tokens=other_sentinels)
    with pytest.raises(TokenizerError, match="fim_prefix token '<fim_prefix>' is not a special token"):
        check_special_tokens(tokenizer, STARCODER)


def test_missing_or_changed_tokenizer_files_are_refused(tokenizer_path, tmp_path):
    with pytest.raises(TokenizerError, match="does not exist"):
        load_tokenizer(tmp_path / "nope.json")
    with pytest.raises(TokenizerError, match="changed after the pipeline prepared it"):
        load_tokenizer(tokenizer_path, "0" * 64)


@pytest.mark.parametrize("variant", ["starcoder", "paper"])
def test_fim_token_ids_are_the_pieces_and_three_sentinels(tokenizer_path, real_texts, variant):
    loaded = load_tokenizer(tokenizer_path)
    n = len(real_texts)
    rng = np.random.default_rng(3)
    a, b, spm = pa.array(rng.random(n)), pa.array(rng.random(n)), pa.array(rng.random(n) < 0.5)
    content = pa.array(real_texts)
    result = fim_token_ids(
        content, a, b, spm, tokenizer_path, None, "tiktoken", sentinels=STARCODER_SENTINELS, variant=variant
    )
    reference = fim_token_ids(
        content, a, b, spm, tokenizer_path, None, "tokenizers", sentinels=STARCODER_SENTINELS, variant=variant
    )
    assert result.equals(reference)
    pieces = fim_split(content, a, b).to_pylist()
    for row, piece, is_spm, _text in zip(result.to_pylist(), pieces, spm.to_pylist(), real_texts):
        ids = row["input_ids"]
        assert row["n_tokens"] == len(ids)
        assert sorted(t for t in ids if t in SPECIAL_IDS) == [1, 2, 3]  # only the pipeline's sentinels
        expected = fim_text(piece["prefix"], piece["middle"], piece["suffix"], is_spm, STARCODER_SENTINELS, variant)
        assert loaded.hf.decode(ids, skip_special_tokens=False) == expected


def test_tokenize_udf_gives_each_row_the_ids_of_its_own_text_over_many_vectors(tokenizer_path):
    # Distinct rows (each starts with its number) over more than two DuckDB vectors of 2,048 rows.
    sources = [p.read_text(encoding="utf-8") for p in stdlib_files("email")]
    texts = [f"# row {i}\n" + sources[i % len(sources)][: 200 + 37 * (i % 50)] for i in range(2 * 2048 + 100)]
    with duckdb.connect() as con:
        register_udfs(con)
        con.execute("create table files as select unnest(?) as content, generate_subscripts(?, 1) as i", [texts, texts])
        rows = con.execute(
            "select i, winnow_tokenize(content, ?, NULL::VARCHAR, 'tiktoken') from files order by i", [tokenizer_path]
        ).fetchall()
    assert [i for i, _ in rows] == list(range(1, len(texts) + 1))
    tokenizer = load_tokenizer(tokenizer_path).hf
    for (i, got), text in zip(rows, texts):
        expected = tokenizer.encode(text, add_special_tokens=False).ids
        assert got["input_ids"] == expected and got["n_tokens"] == len(expected), i


STARCODER2 = SpecialTokens(
    eos="<|endoftext|>", pad="<pad>", fim=STARCODER_SENTINELS, repository=REPOSITORY_DOCUMENT_MARKERS["starcoder2"]
)


@pytest.fixture(scope="module")
def starcoder2_tokenizer_path(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("starcoder2_tokenizer") / "tokenizer.json"
    train_tokenizer(iter([_corpus()]), vocab_size=2048, special_tokens=STARCODER2).save(str(path), pretty=True)
    return str(path)


def _repository_segments(files: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """A StarCoder2 repository document of real files as (texts, markers)."""
    texts = ["python/cpython"] + [f"{path}\n{content}" for path, content in files]
    return texts, ["<repo_name>"] + ["<file_sep>"] * len(files)


def _segmented(path, texts, markers, *, segment_fim=None, cuts=None, document_fim=False, draws=(0.0, 0.0), spm=False):
    n = len(texts)
    cuts = cuts or ([0.0] * n, [0.0] * n)
    row = segmented_token_ids(
        pa.array([texts], pa.list_(pa.string())),
        pa.array([markers], pa.list_(pa.string())),
        pa.array([segment_fim], pa.list_(pa.bool_())),
        pa.array([cuts[0]], pa.list_(pa.float64())),
        pa.array([cuts[1]], pa.list_(pa.float64())),
        pa.array([document_fim]),
        pa.array([draws[0]]),
        pa.array([draws[1]]),
        pa.array([spm]),
        path,
        None,
        "tokenizers",
        sentinels=STARCODER_SENTINELS,
        variant="starcoder",
    ).to_pylist()[0]
    assert row["n_tokens"] == len(row["input_ids"])
    return row["input_ids"]


def test_starcoder2_markers_are_special_ids_and_files_spelling_them_stay_text(starcoder2_tokenizer_path, real_texts):
    loaded = load_tokenizer(starcoder2_tokenizer_path)
    repo_name, file_sep = loaded.special_id("<repo_name>"), loaded.special_id("<file_sep>")
    # Added after the five pipeline tokens, so their ids do not move.
    assert (repo_name, file_sep) == (5, 6)
    spelling = "MARKERS = ['<repo_name>', '<file_sep>']\n"
    files = [(f"Lib/file{i}.py", text) for i, text in enumerate([*real_texts[:5], spelling])]
    texts, markers = _repository_segments(files)
    ids = _segmented(starcoder2_tokenizer_path, texts, markers)
    assert ids[0] == repo_name and ids.count(repo_name) == 1
    assert ids.count(file_sep) == len(files)
    assert loaded.hf.decode(ids, skip_special_tokens=False) == "".join(m + t for m, t in zip(markers, texts))


def test_file_level_fim_lays_out_each_chosen_file_after_its_marker(starcoder2_tokenizer_path, real_texts):
    loaded = load_tokenizer(starcoder2_tokenizer_path)
    files = [(f"Lib/file{i}.py", text) for i, text in enumerate(real_texts[:6])]
    texts, markers = _repository_segments(files)
    chosen = [False, True, False, True, True, False, True]
    rng = np.random.default_rng(5)
    cuts = (list(rng.random(len(texts))), list(rng.random(len(texts))))
    for spm in (False, True):
        ids = _segmented(starcoder2_tokenizer_path, texts, markers, segment_fim=chosen, cuts=cuts, spm=spm)
        expected = []
        for k, (marker, text) in enumerate(zip(markers, texts)):
            if chosen[k]:
                [piece] = fim_split(pa.array([text]), pa.array([cuts[0][k]]), pa.array([cuts[1][k]])).to_pylist()
                text = fim_text(
                    piece["prefix"], piece["middle"], piece["suffix"], spm, STARCODER_SENTINELS, "starcoder"
                )
            expected.append(marker + text)
        assert loaded.hf.decode(ids, skip_special_tokens=False) == "".join(expected)
        assert ids.count(loaded.special_id("<fim_middle>")) == sum(chosen)


def test_document_level_fim_cuts_the_files_as_one_text_and_keeps_the_header_first(
    starcoder2_tokenizer_path, real_texts
):
    loaded = load_tokenizer(starcoder2_tokenizer_path)
    files = [(f"Lib/file{i}.py", text) for i, text in enumerate(real_texts[:4])]
    texts, markers = _repository_segments(files)
    body = "".join(m + t for m, t in zip(markers[1:], texts[1:]))
    chars = sum(len(t) for t in texts[1:])
    for draws in ((0.1, 0.7), (0.55, 0.3), (0.0, 1.0 - 1e-9)):
        ids = _segmented(starcoder2_tokenizer_path, texts, markers, document_fim=True, draws=draws)
        decoded = loaded.hf.decode(ids, skip_special_tokens=False)
        header = markers[0] + texts[0]
        assert decoded.startswith(header + "<fim_prefix>")
        prefix, rest = decoded[len(header + "<fim_prefix>") :].split("<fim_suffix>", 1)
        suffix, middle = rest.split("<fim_middle>", 1)
        assert prefix + middle + suffix == body
        lo, hi = sorted(min(int(d * (chars + 1)), chars) for d in draws)
        assert len(prefix.replace("<file_sep>", "")) == lo and len(middle.replace("<file_sep>", "")) == hi - lo
        assert ids.count(loaded.special_id("<file_sep>")) == len(files)
