"""MinHash signatures against datasketch, on real code: the running interpreter's standard library."""

from __future__ import annotations

import itertools
import sysconfig
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from python_udfs.kernels import minhash
from python_udfs.kernels.minhash import MINHASH_SIGNATURE_TYPE, estimated_jaccard

# BigCode's near-dedup settings (minhash_deduplication.py: ngram_size 5, num_perm 256, SEED 42,
# threshold 0.7; datasketch < 2.0's permutations, sha1_hash32, code tokens): what these tests pass
# unless one says otherwise. minhash.py itself has no defaults: the pipeline passes the vars.
BIGCODE = {
    "num_perm": 256,
    "shingle_size": 5,
    "seed": 42,
    "scheme": "legacy",
    "shingle_hash": "sha1",
    "shingle_unit": "code_tokens",
}
BIGCODE_THRESHOLD = 0.7


def minhash_signatures(content, **settings):
    return minhash.minhash_signatures(content, **{**BIGCODE, **settings})


def minhash_with_shingle_sets(content, **settings):
    return minhash.minhash_with_shingle_sets(content, **{**BIGCODE, **settings})


def shingle_tokens(text, shingle_size=BIGCODE["shingle_size"], shingle_unit=BIGCODE["shingle_unit"]):
    return minhash.shingle_tokens(text, shingle_size, shingle_unit)


def shingle_jaccard(left, right, **settings):
    return minhash.shingle_jaccard(
        left,
        right,
        **{
            "shingle_size": BIGCODE["shingle_size"],
            "shingle_hash": "sha1",
            "left_unit": "code_tokens",
            "right_unit": "code_tokens",
            **settings,
        },
    )


def shingle_hash_sets(content, **settings):
    return minhash.shingle_hash_sets(
        content,
        **{"shingle_size": BIGCODE["shingle_size"], "shingle_hash": "sha1", "shingle_unit": "code_tokens", **settings},
    )


def optimal_lsh_params(threshold=BIGCODE_THRESHOLD, num_perm=BIGCODE["num_perm"], *weights):
    return minhash.optimal_lsh_params(threshold, num_perm, *weights)


STDLIB = Path(sysconfig.get_paths()["stdlib"])
N_FILES = 200
# Files above this size are left out to keep the per-document datasketch oracle quick.
MAX_FILE_BYTES = 30_000


@pytest.fixture(scope="module")
def stdlib_files() -> list[tuple[Path, str]]:
    """About 200 standard-library modules, evenly spread over the sorted tree (deterministic)."""
    paths = [
        path
        for path in sorted(STDLIB.rglob("*.py"))
        if "site-packages" not in path.relative_to(STDLIB).parts and path.stat().st_size <= MAX_FILE_BYTES
    ]
    chosen = paths[:: max(1, len(paths) // N_FILES)][:N_FILES]
    assert len(chosen) >= 100
    return [(path, path.read_bytes().decode("utf-8", errors="replace")) for path in chosen]


@pytest.fixture(scope="module")
def texts(stdlib_files: list[tuple[Path, str]]) -> list[str]:
    return [text for _, text in stdlib_files]


@pytest.fixture(scope="module")
def shingle_sets(texts: list[str]) -> list[set[bytes]]:
    return [{shingle.encode("utf-8") for shingle in shingle_tokens(text)} for text in texts]


def datasketch_signature(shingles: set[bytes], num_perm: int, seed: int, scheme: str) -> list[int] | None:
    """The oracle: datasketch's MinHash over the same shingles; None when there are none."""
    if not shingles:
        return None
    sketch = MinHash(num_perm=num_perm, seed=seed, scheme=scheme)
    sketch.update_batch(sorted(shingles))
    return [int(value) for value in sketch.hashvalues]


def test_shingle_tokens_splits_on_non_identifier_characters() -> None:
    text = "def f(x):\n    return x+1  # naïve"
    assert shingle_tokens(text, 3) == [
        "def f x",
        "f x return",
        "x return x",
        "return x 1",
        "x 1 na",
        "1 na ve",
    ]
    assert shingle_tokens("a b c d") == []
    assert shingle_tokens("a b c d e") == ["a b c d e"]


@pytest.mark.parametrize("scheme", ["legacy", "affine32"])
@pytest.mark.parametrize("num_perm", [256, 128])
@pytest.mark.parametrize("seed", [42, 1])
def test_signatures_equal_datasketch(
    texts: list[str], shingle_sets: list[set[bytes]], scheme: str, num_perm: int, seed: int
) -> None:
    signatures = minhash_signatures(pa.array(texts), num_perm=num_perm, seed=seed, scheme=scheme)
    assert signatures.type == MINHASH_SIGNATURE_TYPE
    expected = [datasketch_signature(shingles, num_perm, seed, scheme) for shingles in shingle_sets]
    assert signatures.to_pylist() == expected
    assert sum(signature is not None for signature in expected) > 150


@pytest.mark.parametrize("scheme", ["legacy", "affine32"])
def test_permutations_are_datasketchs_and_cached(scheme: str) -> None:
    a, b = minhash._permutations(256, 42, scheme)
    oracle_a, oracle_b = MinHash(num_perm=256, seed=42, scheme=scheme).permutations
    np.testing.assert_array_equal(a, oracle_a)
    np.testing.assert_array_equal(b, oracle_b)
    assert minhash._permutations(256, 42, scheme)[0] is a
    assert not a.flags.writeable


def test_mersenne_reduction_is_exact_at_the_edges() -> None:
    """The division-free ``mod 2**61 - 1`` equals numpy's ``%`` where it is easiest to get wrong."""
    p = (1 << 61) - 1
    edges = [0, 1, p - 1, p, p + 1, 2 * p - 1, 2 * p, 2 * p + 1, (1 << 61) - 2, 1 << 61, (1 << 62) - 1]
    edges += [k * p + d for k in (3, 7, 8) for d in (-1, 0, 1, 6, 7)]
    edges += [(1 << 64) - 1 - d for d in range(10)]
    rng = np.random.default_rng(0)
    # Products: h < 2**32 times a < 2**61 wrap around 2**64, as datasketch's do.
    hashes = np.concatenate([[1], rng.integers(0, 1 << 32, 999, dtype=np.uint64)]).astype(np.uint64)
    a = np.concatenate([np.array(edges, dtype=np.uint64), rng.integers(1, p, 200, dtype=np.uint64)])
    b = np.concatenate([np.zeros(len(edges), np.uint64), rng.integers(0, p, 200, dtype=np.uint64)])
    expected = np.bitwise_and((hashes * a[:, None] + b[:, None]) % np.uint64(p), np.uint64((1 << 32) - 1))
    cells = np.empty((len(a), len(hashes)), dtype=np.uint64)
    np.testing.assert_array_equal(minhash._permute(hashes, a, b, cells), expected.astype(np.uint32))


def test_null_and_too_few_tokens_give_null(stdlib_files: list[tuple[Path, str]]) -> None:
    tiny_files = [text for _, text in stdlib_files if len(shingle_tokens(text)) == 0]
    assert tiny_files, "the sample should hold some near-empty modules (__init__.py files)"
    content = pa.array([*tiny_files, None, "", " ;; ", "a b c d", "a b c d e"], pa.string())
    signatures = minhash_signatures(content).to_pylist()
    assert signatures[:-1] == [None] * (len(content) - 1)
    assert signatures[-1] is not None and len(signatures[-1]) == BIGCODE["num_perm"]


def test_chunked_input_and_batching_do_not_change_signatures(texts: list[str]) -> None:
    whole = minhash_signatures(pa.array(texts))
    bounds = [0, 1, 37, 38, 120, len(texts)]
    chunked = pa.chunked_array([pa.array(texts[lo:hi]) for lo, hi in itertools.pairwise(bounds)])
    assert minhash_signatures(chunked).equals(whole)
    per_batch = [minhash_signatures(pa.array(texts[lo:hi])) for lo, hi in itertools.pairwise(bounds)]
    assert pa.concat_arrays(per_batch).equals(whole)
    assert minhash_signatures(pa.array(texts, pa.large_string())).equals(whole)


def test_small_rounds_and_blocks_give_the_same_signatures(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents spanning several hashing rounds and permutation blocks fold to the same minima."""
    whole = minhash_signatures(pa.array(texts), num_perm=64)
    monkeypatch.setattr(minhash, "_ROUND_SHINGLES", 997)
    monkeypatch.setattr(minhash, "_PERMUTE_BLOCK_CELLS", 64 * 13)
    assert minhash_signatures(pa.array(texts), num_perm=64).equals(whole)


def test_estimated_jaccard_tracks_exact_jaccard(
    stdlib_files: list[tuple[Path, str]], shingle_sets: list[set[bytes]]
) -> None:
    """Pairs of neighbouring modules of one package, and modules against edited copies."""
    texts = [text for _, text in stdlib_files]
    pairs = [
        (texts[i], texts[i + 1], shingle_sets[i], shingle_sets[i + 1])
        for i in range(len(texts) - 1)
        if stdlib_files[i][0].parent == stdlib_files[i + 1][0].parent and shingle_sets[i] and shingle_sets[i + 1]
    ]
    for text, shingles in list(zip(texts, shingle_sets))[::10]:
        lines = text.splitlines()
        for every in (3, 10):
            edited = "\n".join(line for n, line in enumerate(lines) if n % every)
            edited_shingles = {s.encode("utf-8") for s in shingle_tokens(edited)}
            if shingles and edited_shingles:
                pairs.append((text, edited, shingles, edited_shingles))
    left = minhash_signatures(pa.array([pair[0] for pair in pairs])).to_pylist()
    right = minhash_signatures(pa.array([pair[1] for pair in pairs])).to_pylist()
    exact = np.array([len(a & b) / len(a | b) for _, _, a, b in pairs])
    estimated = np.array([estimated_jaccard(a, b) for a, b in zip(left, right)])
    assert len(pairs) >= 50
    assert exact.min() < 0.2 and exact.max() > 0.6, "the pairs should cover a range of similarities"
    assert np.abs(estimated - exact).mean() < 0.05


def test_estimated_jaccard() -> None:
    assert estimated_jaccard([1, 2, 3, 4], [1, 2, 3, 4]) == 1.0
    assert estimated_jaccard(np.array([1, 2, 3, 4]), [1, 0, 3, 0]) == 0.5
    with pytest.raises(ValueError):
        estimated_jaccard([1, 2], [1, 2, 3])


@pytest.mark.parametrize("num_perm", [128, 256])
@pytest.mark.parametrize("threshold", [0.5, 0.6, 0.7, 0.8, 0.85, 0.9])
def test_optimal_lsh_params_match_datasketch(threshold: float, num_perm: int) -> None:
    assert optimal_lsh_params(threshold, num_perm) == _optimal_param(threshold, num_perm, 0.5, 0.5)


def test_optimal_lsh_params_with_uneven_weights() -> None:
    assert optimal_lsh_params(0.7, 256, 0.3, 0.7) == _optimal_param(0.7, 256, 0.3, 0.7)
    # BigCode's setting: 25 bands of 10 rows.
    assert optimal_lsh_params() == (25, 10)


def test_invalid_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        minhash_signatures(pa.array(["a b c d e"]), scheme="affine64")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        minhash_signatures(pa.array(["a b c d e"]), num_perm=0)
    with pytest.raises(ValueError):
        optimal_lsh_params(1.5)


def test_shingle_jaccard_equals_exact_set_jaccard_on_real_file_pairs():

    texts = [p.read_text(encoding="utf-8") for p in sorted((STDLIB / "email").glob("*.py"))]
    left = texts + [None, "a b", texts[0]]
    right = texts[1:] + texts[:1] + [texts[0], texts[0], texts[0] + "\nextra = 1\n"]
    got = shingle_jaccard(pa.array(left), pa.chunked_array([right[:5], right[5:]])).to_pylist()
    for l_text, r_text, value in zip(left, right, got):
        if l_text is None or len(shingle_tokens(l_text)) == 0 or len(shingle_tokens(r_text)) == 0:
            assert value is None
            continue
        a, b = set(shingle_tokens(l_text)), set(shingle_tokens(r_text))
        assert value == pytest.approx(len(a & b) / len(a | b))


@pytest.mark.parametrize("scheme", ["legacy", "affine32"])
def test_token_fnv_signatures_equal_datasketch_with_the_same_hashfunc(scheme):
    from python_udfs.kernels.minhash import shingle_hash_function

    texts = [p.read_text(encoding="utf-8") for p in sorted((STDLIB / "json").glob("*.py"))]
    got = minhash_signatures(pa.array(texts), num_perm=128, seed=7, scheme=scheme, shingle_hash="token_fnv")
    for text, signature in zip(texts, got.to_pylist()):
        shingles = [s.encode() for s in shingle_tokens(text)]
        if not shingles:
            assert signature is None
            continue
        reference = MinHash(num_perm=128, seed=7, scheme=scheme, hashfunc=shingle_hash_function("token_fnv"))
        reference.update_batch(shingles)
        assert signature == reference.hashvalues.astype(np.uint32).tolist()


def test_token_fnv_jaccard_equals_exact_set_jaccard():

    texts = [p.read_text(encoding="utf-8") for p in sorted((STDLIB / "json").glob("*.py"))]
    got = shingle_jaccard(pa.array(texts), pa.array(texts[1:] + texts[:1]), shingle_hash="token_fnv").to_pylist()
    for left, right, value in zip(texts, texts[1:] + texts[:1], got):
        a, b = set(shingle_tokens(left)), set(shingle_tokens(right))
        if a and b:
            assert value == pytest.approx(len(a & b) / len(a | b))


def readme_texts() -> list[str]:
    """Real prose: installed distributions' README bodies (Markdown and reST)."""
    import importlib.metadata

    names = ["dbt-core", "numpy", "tiktoken", "datasketch", "pyarrow", "duckdb", "hypothesis", "tqdm"]
    return [importlib.metadata.distribution(n).metadata.get_payload() for n in names]


def test_word_shingles_lower_case_and_keep_unicode_words_whole() -> None:
    text = "The naïve Café served THE best crème brûlée in town"
    assert shingle_tokens(text, 3, "words")[:3] == ["the naïve café", "naïve café served", "café served the"]
    assert shingle_tokens(text, 3)[:2] == ["The na ve", "na ve Caf"]


@pytest.mark.parametrize("scheme", ["legacy", "affine32"])
def test_word_shingle_signatures_equal_datasketch_on_real_prose(scheme: str) -> None:
    texts = readme_texts()
    got = minhash_signatures(pa.array(texts), num_perm=128, seed=42, scheme=scheme, shingle_unit="words")
    expected = [
        datasketch_signature({s.encode() for s in shingle_tokens(t, 5, "words")}, 128, 42, scheme) for t in texts
    ]
    assert got.to_pylist() == expected
    assert all(signature is not None for signature in expected)


def test_one_unit_per_document_equals_each_unit_alone(texts: list[str]) -> None:
    """Mixed batches (code next to text) give every document the signature of its own unit."""
    prose = readme_texts()
    mixed = texts[:20] + prose
    units = ["code_tokens"] * 20 + ["words"] * len(prose)
    order = np.random.RandomState(0).permutation(len(mixed))
    shuffled, shuffled_units = [mixed[i] for i in order], pa.array([units[i] for i in order])
    got = minhash_signatures(pa.array(shuffled), num_perm=64, shingle_unit=shuffled_units).to_pylist()
    for i, signature in zip(order, got):
        alone = minhash_signatures(pa.array([mixed[i]]), num_perm=64, shingle_unit=units[i]).to_pylist()[0]
        assert signature == alone


def test_jaccard_shingles_each_side_with_its_unit() -> None:

    prose = readme_texts()
    upper = [t.upper() for t in prose]
    same = shingle_jaccard(pa.array(prose), pa.array(upper), left_unit="words", right_unit="words").to_pylist()
    assert same == [1.0] * len(prose)  # words are lower-cased: case changes nothing
    code = shingle_jaccard(
        pa.array(prose), pa.array(upper), left_unit="code_tokens", right_unit="code_tokens"
    ).to_pylist()
    assert all(value < 0.1 for value in code)


def test_unknown_shingle_unit_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown shingle unit"):
        minhash_signatures(pa.array(["a b c d e f"]), shingle_unit="sentences")


@pytest.mark.parametrize("unit", ["code_tokens", "words"])
def test_shingle_hash_sets_give_shingle_jaccards_result_by_set_arithmetic(texts: list[str], unit: str) -> None:
    # Near-dup verification in SQL counts intersections of these sets; it must equal the UDF.

    sample = texts[:60] + ["two words", None, ""]
    left, right = pa.array(sample), pa.array(sample[1:] + sample[:1])
    expected = shingle_jaccard(left, right, shingle_hash="token_fnv", left_unit=unit, right_unit=unit).to_pylist()
    sets = shingle_hash_sets(
        pa.chunked_array([left[:30], left[30:]]), shingle_hash="token_fnv", shingle_unit=unit
    ).to_pylist()
    assert all(s == sorted(set(s)) for s in sets if s is not None)
    got = []
    for a, b in zip(sets, sets[1:] + sets[:1]):
        if a is None or b is None:
            got.append(None)
            continue
        common = len(set(a) & set(b))
        got.append(common / (len(a) + len(b) - common))
    assert got == expected
    assert sum(value is None for value in got) == 4 and any(0 < value < 1 for value in got if value is not None)


def test_one_pass_gives_the_signatures_and_the_shingle_sets_of_the_two_functions(texts: list[str]) -> None:

    sample = pa.array(texts[:40] + ["too short", None])
    units = pa.array(["code_tokens", "words"] * 21)
    both = minhash_with_shingle_sets(
        sample, num_perm=64, scheme="affine32", shingle_hash="token_fnv", shingle_unit=units
    )
    assert both.field("signature").equals(
        minhash_signatures(sample, num_perm=64, scheme="affine32", shingle_hash="token_fnv", shingle_unit=units)
    )
    assert both.field("shingle_hashes").equals(shingle_hash_sets(sample, shingle_hash="token_fnv", shingle_unit=units))
    assert both.is_null().to_pylist()[-2:] == [True, True] and both.null_count == 2


# one_permutation: no library computes it, so a scalar reference written from the papers (Li,
# Owen and Zhang 2012; Shrivastava 2017, Algorithm 2) is the oracle, and its accuracy is measured
# against exact Jaccard next to datasketch's affine32 on the same pairs.
_MASK64 = (1 << 64) - 1
_GAMMA = 0x9E3779B97F4A7C15


def _splitmix64(x: int) -> int:
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def one_permutation_reference(shingles: set[bytes], num_perm: int, seed: int, hashfunc) -> list[int] | None:
    """One document, one shingle at a time: bin minima, then each empty bin probes bins
    ``bin_hash(seed, bin, attempt)`` for attempt = 1, 2, ... and takes the first non-empty one's value."""
    if not shingles:
        return None
    seed_key = _splitmix64((seed * _GAMMA) & _MASK64)
    bins: dict[int, int] = {}
    for shingle in shingles:
        mixed = _splitmix64(hashfunc(shingle) ^ seed_key)
        slot = ((mixed >> 32) * num_perm) >> 32
        bins[slot] = min(bins.get(slot, 1 << 32), mixed & 0xFFFFFFFF)
    signature = []
    for slot in range(num_perm):
        if slot in bins:
            signature.append(bins[slot])
            continue
        bin_key = _splitmix64(((slot * _GAMMA) & _MASK64) ^ seed_key)
        attempt = 1
        while True:
            probe = _splitmix64((bin_key + attempt * _GAMMA) & _MASK64)
            donor = ((probe >> 32) * num_perm) >> 32
            if donor in bins:
                signature.append(bins[donor])
                break
            attempt += 1
    return signature


@pytest.mark.parametrize(("num_perm", "seed", "shingle_hash"), [(256, 42, "token_fnv"), (128, 1, "sha1")])
def test_one_permutation_equals_its_scalar_reference(
    texts: list[str], shingle_sets: list[set[bytes]], num_perm: int, seed: int, shingle_hash: str
) -> None:
    from python_udfs.kernels.minhash import shingle_hash_function

    # Tiny documents leave most bins empty: densification does most of their signature.
    content = [*texts, "a b c d e", "a b c d e f", "x y z w v " * 3]
    sets = [*shingle_sets, *({s.encode() for s in shingle_tokens(t)} for t in content[len(texts) :])]
    got = minhash_signatures(
        pa.array(content), num_perm=num_perm, seed=seed, scheme="one_permutation", shingle_hash=shingle_hash
    ).to_pylist()
    hashfunc = shingle_hash_function(shingle_hash)
    assert got == [one_permutation_reference(s, num_perm, seed, hashfunc) for s in sets]
    assert len(set(got[len(texts)])) == 1, "one shingle fills every bin with its value"


def test_one_permutation_signature_depends_on_the_document_alone(texts: list[str]) -> None:
    settings = {"scheme": "one_permutation", "shingle_hash": "token_fnv"}
    whole = minhash_signatures(pa.array(texts), **settings)
    bounds = [0, 1, 37, 38, 120, len(texts)]
    per_batch = [minhash_signatures(pa.array(texts[lo:hi]), **settings) for lo, hi in itertools.pairwise(bounds)]
    assert pa.concat_arrays(per_batch).equals(whole)
    assert not minhash_signatures(pa.array(texts), **{**settings, "seed": 7}).equals(whole)


def edited_pairs(count: int) -> tuple[list[str], list[str]]:
    """Standard-library modules against copies with a share of their lines dropped (2 to 50%,
    by a fixed pattern): pairs spread over Jaccard 0.3 to 1, many near the 0.7 threshold."""
    paths = sorted(STDLIB.rglob("*.py"))[::7][:count]
    left, right = [], []
    for n, path in enumerate(paths):
        text = path.read_text(encoding="utf-8", errors="replace")
        lines = text.splitlines()
        every = (50, 20, 10, 5, 3, 2)[n % 6]
        edited = "\n".join(line for i, line in enumerate(lines) if (i * 7919 + n) % every)
        if len(shingle_tokens(edited)) >= 20:
            left.append(text)
            right.append(edited)
    return left, right


def test_one_permutation_estimates_jaccard_as_well_as_minhash_and_bands_alike() -> None:
    left, right = edited_pairs(1200)
    settings = {"shingle_hash": "token_fnv", "num_perm": 256}
    exact = np.array(shingle_jaccard(pa.array(left), pa.array(right), shingle_hash="token_fnv").to_pylist())
    bands, rows = optimal_lsh_params()
    errors, band_hits = {}, {}
    for scheme in ("affine32", "one_permutation"):
        a = np.array(minhash_signatures(pa.array(left), scheme=scheme, **settings).to_pylist())
        b = np.array(minhash_signatures(pa.array(right), scheme=scheme, **settings).to_pylist())
        errors[scheme] = (a == b).mean(axis=1) - exact
        banded = (a[:, : bands * rows] == b[:, : bands * rows]).reshape(len(a), bands, rows)
        band_hits[scheme] = banded.all(axis=2).any(axis=1)
    assert len(exact) >= 500 and exact.min() < 0.4 and ((exact > 0.6) & (exact < 0.8)).sum() >= 80
    rmse = {scheme: float(np.sqrt((e**2).mean())) for scheme, e in errors.items()}
    # 256 permutations: MinHash's standard deviation is at most 0.031 (J = 0.5).
    assert rmse["affine32"] < 0.031
    assert rmse["one_permutation"] < 1.1 * rmse["affine32"]
    assert abs(errors["one_permutation"].mean()) < 0.005
    # Banding: over all pairs, the band hits should match MinHash's theory, P(J) = 1 - (1 - J**rows)**bands,
    # as a z-score (sum of hits minus expected, over its standard deviation).
    expected = 1 - (1 - exact**rows) ** bands
    for scheme, hits in band_hits.items():
        z = (hits.sum() - expected.sum()) / np.sqrt((expected * (1 - expected)).sum())
        assert abs(z) < 3.5, (scheme, z)
