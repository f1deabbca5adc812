"""Prose quality signals for natural-language documents (web text, docs), as measured values.

Every function here measures; none decides. ``int_files_filtered`` compares the values with the
thresholds (dbt vars) and records the first rule a document fails, so a dropped document carries
its value and threshold into the ledger. The measures and the defaults the vars carry follow:

- **Gopher quality** (Rae et al. 2021, "Scaling Language Models: Methods, Analysis & Insights from
  Training Gopher", appendix A; datatrove's ``GopherQualityFilter``): words 50..100,000, mean word
  length 3..10 characters, ``#`` and ellipsis to word ratios at most 0.1, at most 90% of lines
  starting with a bullet and 30% ending with an ellipsis, at least 80% of words with an alphabetic
  character, at least 2 of the stop words ``the be to of and that have with``.
- **Gopher repetition** (Rae et al. 2021, table A1; datatrove's ``GopherRepetitionFilter``):
  duplicate line and paragraph fractions at most 0.3, their character fractions at most 0.2,
  characters in the most frequent 2-, 3-, 4-gram at most 0.20, 0.18, 0.16, characters in
  duplicated 5- to 10-grams at most 0.15 .. 0.10.
- **C4** (Raffel et al. 2020, section 2.2; datatrove's ``C4QualityFilter``): lines ending in
  terminal punctuation, "lorem ipsum", lines mentioning javascript or cookie/terms-of-use
  boilerplate. C4 *removes* such lines from a page; winnow never edits text before redaction, so
  these are measured per document (see ``ProseSignals``) and the rules drop whole documents.

Words are a dependency-free approximation of NLTK's Treebank tokenizer (datatrove's English word
tokenizer): runs of word characters, with inner hyphens and apostrophes, and every other
non-space character as a token of its own, except that ``...`` stays one token. Counts therefore
differ from datatrove's by a few percent on punctuation-heavy text, not on prose.

Documents are measured one at a time in Python (the duplicate n-gram scan is sequential), the
n-grams of each as integer classes from numpy, and only one Arrow vector (2,048 documents) is
alive at a time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from .utils import as_array

__all__ = [
    "C4_POLICY_SUBSTRINGS",
    "C4_TERMINAL_PUNCTUATION",
    "DUPLICATE_NGRAM_SIZES",
    "GOPHER_STOP_WORDS",
    "PROSE_SIGNALS_TYPE",
    "TOP_NGRAM_SIZES",
    "ProseSignals",
    "measure_prose",
    "prose_signals",
    "words",
]

# Gopher's stop words (Rae et al. 2021, appendix A; datatrove STOP_WORDS).
GOPHER_STOP_WORDS = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})
# datatrove c4_filters.END_PUNCTUATION and POLICY_SUBSTRINGS (from TensorFlow Datasets' c4_utils).
C4_TERMINAL_PUNCTUATION = (".", "?", "!", '"', "'")
C4_POLICY_SUBSTRINGS = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
# Gopher table A1: top n-gram character fractions for n = 2..4, duplicate n-grams for n = 5..10.
TOP_NGRAM_SIZES = (2, 3, 4)
DUPLICATE_NGRAM_SIZES = (5, 6, 7, 8, 9, 10)
_BULLETS = ("•", "-")
_ELLIPSES = ("...", "…")

_WORD_RE = re.compile(r"\.\.\.|\w+(?:[.'’-]\w+)*|[^\w\s]")
_PARAGRAPH_RE = re.compile(r"\n{2,}")
_LINES_RE = re.compile(r"\n+")
_BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class ProseSignals:
    """What the prose rules compare with their thresholds, for one document.

    ``n_words`` and ``mean_word_length`` count Gopher's non-symbol words (tokens with a character
    that is not punctuation); the ratios divide by all tokens, as datatrove does. Line fractions
    use ``str.splitlines``; the C4 fractions count non-blank lines (``terminal_punct_line_fraction``)
    or non-blank paragraphs, a paragraph being the text between blank lines with its hard wraps
    joined (``terminal_punct_paragraph_fraction``): C4's web text has one paragraph per line, while
    Markdown, reStructuredText and docstrings wrap paragraphs at ~80 columns.
    """

    n_words: int
    mean_word_length: float
    hash_word_ratio: float
    ellipsis_word_ratio: float
    bullet_line_fraction: float
    ellipsis_line_fraction: float
    alphabetic_word_fraction: float
    n_stop_words: int
    duplicate_paragraph_fraction: float
    duplicate_paragraph_char_fraction: float
    duplicate_line_fraction: float
    duplicate_line_char_fraction: float
    top_2_gram_char_fraction: float
    top_3_gram_char_fraction: float
    top_4_gram_char_fraction: float
    duplicate_5_gram_char_fraction: float
    duplicate_6_gram_char_fraction: float
    duplicate_7_gram_char_fraction: float
    duplicate_8_gram_char_fraction: float
    duplicate_9_gram_char_fraction: float
    duplicate_10_gram_char_fraction: float
    terminal_punct_line_fraction: float
    terminal_punct_paragraph_fraction: float
    has_lorem_ipsum: bool
    boilerplate_line_fraction: float


_INT_FIELDS = {"n_words", "n_stop_words"}
PROSE_SIGNALS_TYPE = pa.struct(
    [
        (
            f.name,
            pa.int64() if f.name in _INT_FIELDS else pa.bool_() if f.name == "has_lorem_ipsum" else pa.float64(),
        )
        for f in fields(ProseSignals)
    ]
)


def words(text: str) -> list[str]:
    """The word tokens of a text (see the module docstring)."""
    return _WORD_RE.findall(text)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else 0.0


def _duplicates(items: list[str]) -> tuple[int, int]:
    """(repeated elements, characters in them): every occurrence after the first (datatrove)."""
    seen: set[str] = set()
    n_elements = n_chars = 0
    for item in items:
        if item in seen:
            n_elements += 1
            n_chars += len(item)
        else:
            seen.add(item)
    return n_elements, n_chars


class _Ngrams:
    """The n-grams of one document's words as integer classes (equal n-grams, equal class),
    found with numpy: the classes of n-grams are those of (n-1)-gram and next word pairs, so each
    n is one sort of integers instead of a tuple of strings hashed per position."""

    def __init__(self, tokens: list[str]):
        classes: dict[str, int] = {}
        ids = np.fromiter((classes.setdefault(t, len(classes)) for t in tokens), np.int64, len(tokens))
        self.words, self.vocabulary = ids, max(len(classes), 1)
        self.chars = np.concatenate(([0], np.cumsum(np.fromiter(map(len, tokens), np.int64, len(tokens)))))
        # n -> (class of the n-gram at each position, first position of each class, its count)
        self._classes = {1: (ids, None, None)}

    def classes(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(class of the n-gram at each position, first position of each class, its count)."""
        if n not in self._classes:
            shorter = self.classes(n - 1)[0]
            # Pairs as one integer: classes and words are below the number of words, so it fits.
            pairs = shorter[:-1] * self.vocabulary + self.words[n - 1 :]
            _, first, inverse, counts = np.unique(pairs, return_index=True, return_inverse=True, return_counts=True)
            self._classes[n] = (inverse.reshape(-1), first, counts)
        return self._classes[n]

    def gram_chars(self, n: int) -> np.ndarray:
        """Characters of the words of the n-gram at each position (no separators)."""
        return self.chars[n:] - self.chars[:-n]

    def top_chars(self, n: int) -> int:
        """Characters covered by the most frequent n-gram: its length (words joined by a space)
        times its count (datatrove's find_top_duplicate); of equally frequent n-grams, the one
        that occurs first."""
        if len(self.words) < n:
            return 0
        _, first, counts = self.classes(n)
        position = int(first[counts == counts.max()].min())
        return (int(self.gram_chars(n)[position]) + n - 1) * int(counts.max())

    def duplicate_chars(self, n: int) -> int:
        """Characters in n-grams that repeat an earlier one, skipping past each repeat so no
        character counts twice (datatrove's find_all_duplicate; n-grams joined without spaces)."""
        if len(self.words) < n:
            return 0
        inverse, _, counts = self.classes(n)
        if counts.max() == 1:
            return 0
        # The scan skips past a repeat, so which positions it visits depends on what it found:
        # sequential, over integer classes.
        grams, lengths = inverse.tolist(), self.gram_chars(n).tolist()
        seen = bytearray(len(counts))
        repeated, i, end = 0, 0, len(grams)
        while i < end:
            gram = grams[i]
            if seen[gram]:
                repeated += lengths[i]
                i += n
            else:
                seen[gram] = 1
                i += 1
        return repeated


def measure_prose(text: str) -> ProseSignals:
    """Every prose signal of one document (the scalar reference ``prose_signals`` maps)."""
    tokens = words(text)
    n_tokens = len(tokens)
    # str methods on the whole word first: most words are all letters, or one punctuation mark.
    non_symbol = [w for w in tokens if w.isalnum() or any(c.isalnum() or c == "_" for c in w)]
    lines = text.splitlines()
    n_lines = len(lines)
    n_chars = len(text)

    paragraphs = _PARAGRAPH_RE.split(text.strip())
    paragraph_dups, paragraph_dup_chars = _duplicates(paragraphs)
    repetition_lines = _LINES_RE.split(text)
    line_dups, line_dup_chars = _duplicates(repetition_lines)

    non_blank_lines = [line.strip() for line in lines if line.strip()]
    joined_paragraphs = [" ".join(part.split()) for part in _BLANK_LINE_RE.split(text) if part.strip()]

    def ends_a_sentence(line: str) -> bool:
        return line.endswith(C4_TERMINAL_PUNCTUATION) and not line.endswith("...")

    lower_lines = [line.lower() for line in non_blank_lines]
    boilerplate = sum("javascript" in line or any(p in line for p in C4_POLICY_SUBSTRINGS) for line in lower_lines)
    ngrams = _Ngrams(tokens)
    top = {n: _ratio(ngrams.top_chars(n), n_chars) for n in TOP_NGRAM_SIZES}
    dup = {n: _ratio(ngrams.duplicate_chars(n), n_chars) for n in DUPLICATE_NGRAM_SIZES}
    return ProseSignals(
        n_words=len(non_symbol),
        mean_word_length=_ratio(sum(map(len, non_symbol)), len(non_symbol)),
        hash_word_ratio=_ratio(text.count("#"), n_tokens),
        ellipsis_word_ratio=_ratio(text.count("...") + text.count("…"), n_tokens),
        bullet_line_fraction=_ratio(sum(line.lstrip().startswith(_BULLETS) for line in lines), n_lines),
        ellipsis_line_fraction=_ratio(sum(line.rstrip().endswith(_ELLIPSES) for line in lines), n_lines),
        alphabetic_word_fraction=_ratio(sum(1 for w in tokens if w.isalpha() or any(c.isalpha() for c in w)), n_tokens),
        n_stop_words=sum(w in GOPHER_STOP_WORDS for w in tokens),
        duplicate_paragraph_fraction=_ratio(paragraph_dups, len(paragraphs)),
        duplicate_paragraph_char_fraction=_ratio(paragraph_dup_chars, n_chars),
        duplicate_line_fraction=_ratio(line_dups, len(repetition_lines)),
        duplicate_line_char_fraction=_ratio(line_dup_chars, n_chars),
        top_2_gram_char_fraction=top[2],
        top_3_gram_char_fraction=top[3],
        top_4_gram_char_fraction=top[4],
        duplicate_5_gram_char_fraction=dup[5],
        duplicate_6_gram_char_fraction=dup[6],
        duplicate_7_gram_char_fraction=dup[7],
        duplicate_8_gram_char_fraction=dup[8],
        duplicate_9_gram_char_fraction=dup[9],
        duplicate_10_gram_char_fraction=dup[10],
        terminal_punct_line_fraction=_ratio(sum(map(ends_a_sentence, non_blank_lines)), len(non_blank_lines)),
        terminal_punct_paragraph_fraction=_ratio(sum(map(ends_a_sentence, joined_paragraphs)), len(joined_paragraphs)),
        has_lorem_ipsum="lorem ipsum" in text.lower(),
        boilerplate_line_fraction=_ratio(boilerplate, len(non_blank_lines)),
    )


def prose_signals(content: pa.Array | pa.ChunkedArray) -> pa.StructArray:
    """``measure_prose`` of every document of a vector, as a struct (``PROSE_SIGNALS_TYPE``).

    NULL content gives a NULL struct.
    """
    content = as_array(content)
    names = [f.name for f in fields(ProseSignals)]
    columns: dict[str, list] = {name: [] for name in names}
    mask = []
    for text in content.to_pylist():
        mask.append(text is None)
        signals = measure_prose(text or "")
        for name in names:
            columns[name].append(getattr(signals, name))
    return pa.StructArray.from_arrays(
        [pa.array(columns[name], PROSE_SIGNALS_TYPE.field(name).type) for name in names],
        fields=list(PROSE_SIGNALS_TYPE),
        mask=pa.array(mask, pa.bool_()),
    )
