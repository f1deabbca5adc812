"""winnow's tokenizer: train a byte-level BPE, load one, check its special tokens, and encode with
the fastest engine that gives the same ids.

- Training: a byte-level BPE (GPT-2's byte-to-unicode alphabet and pre-tokenizer regex, all 256
  bytes in the initial alphabet, so nothing is ever unknown) with ``tokenizers``' ``BpeTrainer``,
  ``vocab_size`` 32768 by default (2**15, as Mistral 7B v0.3's), special tokens first
  (``<|endoftext|>``, the FIM sentinels, ``<pad>``). Same texts in the same order give a
  byte-identical ``tokenizer.json`` whatever the thread count (tested with 1 and 2 rayon threads).
- Special tokens: the EOS token and the three FIM sentinels must each be one special token of the
  tokenizer, or ``check_special_tokens`` raises ``TokenizerError`` naming the token.
- Source text is always ordinary text: a file containing ``<|endoftext|>`` is encoded as the bytes
  it is made of. ``tokenizers`` matches added tokens inside raw text even with
  ``add_special_tokens=False``; ``Tokenizer.encode_special_tokens = True`` (tokenizers 0.20+)
  turns that off. Only the pipeline inserts special token ids.
- Engines: ``tokenizers`` is the reference. The same ranks in ``tiktoken`` (``mergeable_ranks``:
  token bytes -> id, GPT-2's pattern, special tokens never matched in text) encode several times
  faster; ``tiktoken_encoding`` converts a tokenizer when its pipeline is plain byte-level BPE and
  says why not otherwise, and ``first_engine_mismatch`` compares the two engines on real texts.

Loaded tokenizers are cached per process by path (reloaded if the file's mtime or size changes)
and checked against the SHA-256 the pipeline recorded, so each process loads a file once however
many vectors it encodes.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from .fim import Sentinels

__all__ = [
    "GPT2_PATTERN",
    "REPOSITORY_DOCUMENT_MARKERS",
    "ROUND_TRIP_PROBES",
    "Engine",
    "LoadedTokenizer",
    "SpecialTokens",
    "TokenizerError",
    "check_special_tokens",
    "encode",
    "first_engine_mismatch",
    "first_round_trip_difference",
    "load_tokenizer",
    "tiktoken_encoding",
    "train_tokenizer",
]

# Pairs seen once are not merged (tokenizers' and GPT-2's usual setting).
DEFAULT_MIN_FREQUENCY = 2

# GPT-2's pre-tokenizer regex: what tokenizers' ByteLevel(use_regex=True) splits with, and what
# tiktoken's "gpt2" encoding uses as pat_str.
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

Engine = Literal["tiktoken", "tokenizers"]


class TokenizerError(ValueError):
    """A tokenizer file that cannot be used: missing, unreadable, or lacking a special token
    (``role`` then says which: eos, fim_prefix, fim_middle, fim_suffix or a repository document marker)."""

    def __init__(self, message: str, role: str | None = None):
        super().__init__(message)
        self.role = role


# The special tokens that mark repository documents in each var repository_document_format
# (StarCoder2, arXiv:2402.19173 section 5.1); macros/repository_documents.sql spells the same
# (tests/python/test_repository_order.py checks that they agree).
REPOSITORY_DOCUMENT_MARKERS: dict[str, tuple[str, ...]] = {
    "path_comments": (),
    "starcoder2": ("<repo_name>", "<file_sep>"),
}


@dataclass(frozen=True)
class SpecialTokens:
    """Spellings of the special tokens the pipeline inserts (vars eos_token, pad_token, fim_*_token;
    ``repository``: the markers of repository documents, StarCoder2's ``<repo_name>`` and
    ``<file_sep>`` with var repository_document_format = starcoder2, else none)."""

    eos: str
    pad: str
    fim: Sentinels
    repository: tuple[str, ...] = ()

    def required(self) -> dict[str, str]:
        """Role -> spelling of the tokens every tokenizer must have as single special tokens."""
        return {
            "eos": self.eos,
            "fim_prefix": self.fim.prefix,
            "fim_middle": self.fim.middle,
            "fim_suffix": self.fim.suffix,
            **{f"repository document marker {token}": token for token in self.repository},
        }

    def in_vocabulary_order(self) -> list[str]:
        """The special tokens of a trained tokenizer, in id order (ids 0..4, then the repository
        markers, so adding them moves no other special token)."""
        return [self.eos, self.fim.prefix, self.fim.middle, self.fim.suffix, self.pad, *self.repository]


def train_tokenizer(
    batches: Iterable[list[str]],
    *,
    vocab_size: int,
    special_tokens: SpecialTokens,
    min_frequency: int = DEFAULT_MIN_FREQUENCY,
):
    """A byte-level BPE ``tokenizers.Tokenizer`` trained on the texts of ``batches``.

    ``batches`` is consumed once (a generator over a database cursor is fine: only one batch is
    alive at a time, the trainer keeps word counts). Deterministic for the same texts in the same
    order and the same settings.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    if vocab_size < 256 + len(special_tokens.in_vocabulary_order()):
        raise ValueError(f"vocab_size {vocab_size} is smaller than the 256 bytes plus the special tokens")
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        show_progress=False,
        special_tokens=special_tokens.in_vocabulary_order(),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(batches, trainer)
    return tokenizer


def check_special_tokens(tokenizer, special_tokens: SpecialTokens) -> dict[str, int]:
    """Role -> id of each required special token; ``TokenizerError`` if one is not a single special
    token (unknown, an ordinary token, or split into several pieces)."""
    special = {t.content for t in tokenizer.get_added_tokens_decoder().values() if t.special}
    ids = {}
    for role, text in special_tokens.required().items():
        token_id = tokenizer.token_to_id(text)
        if token_id is None or text not in special:
            raise TokenizerError(f"the {role} token {text!r} is not a special token of this tokenizer", role)
        ids[role] = token_id
    pad = tokenizer.token_to_id(special_tokens.pad)
    ids["pad"] = pad if pad is not None and special_tokens.pad in special else None
    return ids


@dataclass
class LoadedTokenizer:
    """A tokenizer file loaded once per process: the ``tokenizers`` reference and, when it converts,
    the equivalent ``tiktoken`` encoding."""

    path: str
    sha256: str
    hf: object  # tokenizers.Tokenizer, with encode_special_tokens = True
    tiktoken: object | None  # tiktoken.Encoding or None
    tiktoken_reason: str  # why tiktoken is None, or "" when it converted
    special_ids: dict[str, int | None] = field(default_factory=dict)

    def special_id(self, text: str) -> int:
        token_id = self.hf.token_to_id(text)
        if token_id is None:
            raise TokenizerError(f"{self.path}: {text!r} is not a token of this tokenizer")
        return token_id


_LOCK = threading.Lock()


def load_tokenizer(path: str | os.PathLike, sha256: str | None = None) -> LoadedTokenizer:
    """The tokenizer at ``path``, loaded once per process (and again only if the file changes).

    With ``sha256``, the file must have exactly that digest: a tokenizer replaced after the
    pipeline checked it raises instead of silently giving other ids.
    """
    path = os.path.abspath(os.fspath(path))
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise TokenizerError(f"tokenizer file {path} does not exist") from None
    with _LOCK:
        loaded = _load_cached(path, stat.st_mtime_ns, stat.st_size)
    if sha256 and loaded.sha256 != sha256:
        raise TokenizerError(
            f"tokenizer file {path} changed after the pipeline prepared it (sha256 {loaded.sha256[:12]}, "
            f"expected {sha256[:12]}); rebuild from int_tokenizer_prepared"
        )
    return loaded


@lru_cache(maxsize=8)
def _load_cached(path: str, mtime_ns: int, size: int) -> LoadedTokenizer:
    from tokenizers import Tokenizer

    data = Path(path).read_bytes()
    try:
        hf = Tokenizer.from_str(data.decode("utf-8"))
    except Exception as error:  # tokenizers raises Exception subclasses of its own
        raise TokenizerError(f"{path} is not a tokenizers tokenizer.json: {error}") from None
    hf.encode_special_tokens = True
    encoding, reason = tiktoken_encoding(json.loads(data))
    return LoadedTokenizer(path, hashlib.sha256(data).hexdigest(), hf, encoding, reason)


def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-level alphabet, character -> byte (the inverse of ``bytes_to_unicode``)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    characters = printable[:]
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            characters.append(256 + extra)
            extra += 1
    return {chr(c): b for b, c in zip(printable, characters)}


def tiktoken_encoding(spec: dict):
    """``(tiktoken.Encoding, "")`` for a plain byte-level BPE ``tokenizer.json`` (parsed), else
    ``(None, reason)``.

    Ranks are token ids: a BPE trained by ``tokenizers`` numbers merged tokens in merge order, and
    tiktoken merges the pair whose concatenation has the lowest rank. Special tokens are kept out of
    the mergeable ranks and never matched in text (encode with ``allowed_special=set()``).
    """
    model, pre = spec.get("model") or {}, spec.get("pre_tokenizer") or {}
    checks = [
        (model.get("type") == "BPE", f"model is {model.get('type')}, not BPE"),
        (spec.get("normalizer") is None, "the tokenizer has a normalizer"),
        (
            pre.get("type") == "ByteLevel" and pre.get("use_regex", True) and not pre.get("add_prefix_space"),
            "pre-tokenizer is not ByteLevel(use_regex=True, add_prefix_space=False)",
        ),
        (not model.get("byte_fallback") and not model.get("dropout"), "BPE uses byte_fallback or dropout"),
        (
            not model.get("continuing_subword_prefix") and not model.get("end_of_word_suffix"),
            "BPE uses a subword prefix or suffix",
        ),
        (all(t.get("special") for t in spec.get("added_tokens", [])), "the tokenizer has non-special added tokens"),
    ]
    for ok, reason in checks:
        if not ok:
            return None, reason
    import tiktoken

    decoder = _byte_decoder()
    special = {t["content"]: t["id"] for t in spec.get("added_tokens", [])}
    ranks = {}
    for token, token_id in model["vocab"].items():
        if token in special:
            continue
        if any(c not in decoder for c in token):
            return None, f"vocabulary entry {token!r} is not in the byte-level alphabet"
        ranks[bytes(decoder[c] for c in token)] = token_id
    if len(ranks) != sum(1 for token in model["vocab"] if token not in special):
        return None, "two vocabulary entries have the same bytes"
    return tiktoken.Encoding("winnow", pat_str=GPT2_PATTERN, mergeable_ranks=ranks, special_tokens=special), ""


def encode(tokenizer: LoadedTokenizer, texts: list[str], engine: Engine) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of every text as ``(lengths int64, flat ids int32)``, special-token strings in the
    texts encoded as ordinary text. ``tokenizers`` encodes the whole list with ``encode_batch_fast``
    (parallel, GIL released); tiktoken one text at a time, each call releasing the GIL."""
    if engine == "tiktoken":
        if tokenizer.tiktoken is None:
            raise TokenizerError(f"{tokenizer.path} has no tiktoken equivalent: {tokenizer.tiktoken_reason}")
        encode_one = tokenizer.tiktoken.encode_to_numpy

        def encode_slice(bounds: tuple[int, int]) -> list[np.ndarray]:
            return [encode_one(text, allowed_special=set(), disallowed_special=()) for text in texts[slice(*bounds)]]

        # Like encode_batch's thread pool: slices of the vector on every core (the encoder releases
        # the GIL). DuckDB often hands a small table's vectors to one thread, so this is where the
        # cores get used; results keep the input order.
        workers = min(_WORKERS, max(1, len(texts) // 64))
        step = -(-len(texts) // workers) if texts else 1
        slices = [(lo, lo + step) for lo in range(0, len(texts), step)]
        arrays = [
            a
            for part in (_pool().map(encode_slice, slices) if workers > 1 else map(encode_slice, slices))
            for a in part
        ]
        lengths = np.fromiter((len(a) for a in arrays), np.int64, len(arrays))
        values = np.concatenate(arrays).astype(np.int32) if arrays else np.zeros(0, np.int32)
        return lengths, values
    if engine == "tokenizers":
        encodings = tokenizer.hf.encode_batch_fast(texts, add_special_tokens=False)
        id_lists = [e.ids for e in encodings]
        lengths = np.fromiter((len(ids) for ids in id_lists), np.int64, len(id_lists))
        values = np.fromiter(_chain(id_lists), np.int32, int(lengths.sum()))
        return lengths, values
    raise ValueError(f"unknown tokenizer engine {engine!r}; expected 'tiktoken' or 'tokenizers'")


_WORKERS = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
_POOL: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    """One thread pool per process for tiktoken, made on first use."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(_WORKERS, thread_name_prefix="winnow-tiktoken")
    return _POOL


def _chain(lists: list[list[int]]) -> Iterator[int]:
    for ids in lists:
        yield from ids


def first_engine_mismatch(tokenizer: LoadedTokenizer, texts: list[str], reference: list | None = None) -> int | None:
    """Index of the first text whose tiktoken ids differ from tokenizers' ids, or None.
    ``reference``: tokenizers' encodings of ``texts``, when the caller has them already."""
    if tokenizer.tiktoken is None:
        raise TokenizerError(f"{tokenizer.path} has no tiktoken equivalent: {tokenizer.tiktoken_reason}")
    if reference is None:
        reference = tokenizer.hf.encode_batch_fast(texts, add_special_tokens=False)
    lengths, values = encode(tokenizer, texts, "tiktoken")
    ends = np.cumsum(lengths)
    for i, expected in enumerate(reference):
        if values[ends[i] - lengths[i] : ends[i]].tolist() != expected.ids:
            return i
    return None


# Strings where lossy tokenizers lose something: decode(encode(text)) must give each back exactly.
# Case (Lowercase normalizers), Unicode forms (NFC/NFD/NFKC/NFKD normalizers: composed and
# decomposed accents, a ligature, full-width letters, superscripts), whitespace runs, tabs, CRLF
# and unusual spaces (pre-tokenizers and decoders that drop or merge whitespace), and the special
# tokens' spellings, which source text keeps as ordinary text.
ROUND_TRIP_PROBES = (
    "MixedCase camelCase ALL_CAPS lower Title",
    "caf\u00e9 cafe\u0301 \u212b \u00c5 \ufb01le \uff26\uff55\uff4c\uff4c x\u00b2 \u00bd \u2460",
    "tabs\tbetween\t\twords\n\tindented with a tab\n",
    "line one\r\nline two\r\n\r\nlast\r",
    "  leading, runs    of     spaces, trailing   \n\n\n    \n",
    "no\u00a0break, em\u2003space, zero\u200bwidth, \u3000ideographic",
    "def f(x):\n    return {'\u03bb': x}  # \u4e2d\u6587 \u0627\u0644\u0639\u0631\u0628\u064a\u0629 \U0001f40d\n",
    "<|endoftext|> <fim_prefix><fim_middle><fim_suffix> <pad> in text",
)


def first_round_trip_difference(
    tokenizer: LoadedTokenizer, texts: list[str], encodings: list | None = None
) -> tuple[int, int] | None:
    """``(index of the first text that does not decode back to itself, first differing character)``,
    or None when ``decode(encode(text)) == text`` for every text (special-token strings encoded as
    ordinary text, as the pipeline does). ``encodings``: tokenizers' encodings of ``texts``, when
    the caller has them already."""
    if encodings is None:
        encodings = tokenizer.hf.encode_batch_fast(texts, add_special_tokens=False)
    decoded = tokenizer.hf.decode_batch([e.ids for e in encodings], skip_special_tokens=False)
    for i, (text, back) in enumerate(zip(texts, decoded)):
        if back != text:
            return i, next((k for k, (a, b) in enumerate(zip(text, back)) if a != b), min(len(text), len(back)))
    return None
