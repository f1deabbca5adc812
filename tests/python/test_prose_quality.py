"""Prose quality signals on real text: for every prose rule, real text whose signal fails the
rule's default threshold (dropped) and real text whose signal passes it (kept).

Real text every installation has: standard-library docstring pages (python_udfs.cli.text_corpus), the
CPython library, and files of the project's dependencies (dbt-core's docs site, its RECORD,
jinja2's lorem-ipsum word list, scipy's test data, pip's vendored rich). Three rules have no
natural example on a machine like this one (bullet lists, ellipsis lines, ellipsis ratio): their
drop cases are derived from real text in the way the rules target (a real page cut to teaser
snippets, the bullet lines of real READMEs), and say so.
"""

from __future__ import annotations

import importlib.metadata
import re
import sysconfig
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from python_udfs.cli.text_corpus import edu_score, stdlib_docstring_documents, unwrap_paragraphs
from python_udfs.kernels.prose_quality import measure_prose, prose_signals, words

STDLIB = Path(sysconfig.get_paths()["stdlib"])
SITE = Path(sysconfig.get_paths()["purelib"])

# The defaults of dbt_project.yml (Gopher, C4/FineWeb, FineWeb-Edu).
DEFAULTS = {
    "min_words": 50,
    "max_words": 100_000,
    "min_mean_word_length": 3,
    "max_mean_word_length": 10,
    "max_symbol_word_ratio": 0.1,
    "max_bullet_line_fraction": 0.9,
    "max_ellipsis_line_fraction": 0.3,
    "min_alphabetic_word_fraction": 0.8,
    "min_stop_words": 2,
    "max_duplicate_line_fraction": 0.3,
    "max_duplicate_paragraph_fraction": 0.3,
    "max_duplicate_line_char_fraction": 0.2,
    "max_duplicate_paragraph_char_fraction": 0.2,
    "top_ngram": {2: 0.20, 3: 0.18, 4: 0.16},
    "duplicate_ngram": {5: 0.15, 6: 0.14, 7: 0.13, 8: 0.12, 9: 0.11, 10: 0.10},
    "min_terminal_punct_fraction": 0.12,
    "max_boilerplate_line_fraction": 0.3,
}


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    """Standard-library docstring pages by module, as the text corpus writes them."""
    modules = ["sched", "graphlib", "zipapp", "bisect", "json", "pickletools", "email", "statistics"]
    return {d["url"].rsplit("/", 1)[1].removesuffix(".html"): d["text"] for d in stdlib_docstring_documents(modules)}


@pytest.fixture(scope="module")
def kept(pages) -> list[str]:
    """Real pages of prose that every prose rule keeps."""
    return [pages["sched"], pages["graphlib"], pages["zipapp"]]


@pytest.fixture(scope="module")
def dbt_docs_site() -> str:
    """dbt-core's generated docs site: a real single-page JavaScript web app."""
    return (SITE / "dbt" / "task" / "docs" / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def dbt_record() -> str:
    """dbt-core's installed RECORD: paths and hashes, not prose."""
    return importlib.metadata.distribution("dbt-core").read_text("RECORD")


def passes_everything(text: str) -> bool:
    s = measure_prose(text)
    d = DEFAULTS
    return (
        d["min_words"] <= s.n_words <= d["max_words"]
        and d["min_mean_word_length"] <= s.mean_word_length <= d["max_mean_word_length"]
        and s.hash_word_ratio <= d["max_symbol_word_ratio"]
        and s.ellipsis_word_ratio <= d["max_symbol_word_ratio"]
        and s.bullet_line_fraction <= d["max_bullet_line_fraction"]
        and s.ellipsis_line_fraction <= d["max_ellipsis_line_fraction"]
        and s.alphabetic_word_fraction >= d["min_alphabetic_word_fraction"]
        and s.n_stop_words >= d["min_stop_words"]
        and s.duplicate_line_fraction <= d["max_duplicate_line_fraction"]
        and s.duplicate_paragraph_fraction <= d["max_duplicate_paragraph_fraction"]
        and s.duplicate_line_char_fraction <= d["max_duplicate_line_char_fraction"]
        and s.duplicate_paragraph_char_fraction <= d["max_duplicate_paragraph_char_fraction"]
        and all(getattr(s, f"top_{n}_gram_char_fraction") <= v for n, v in d["top_ngram"].items())
        and all(getattr(s, f"duplicate_{n}_gram_char_fraction") <= v for n, v in d["duplicate_ngram"].items())
        and s.terminal_punct_line_fraction > d["min_terminal_punct_fraction"]
        and not s.has_lorem_ipsum
        and s.boilerplate_line_fraction <= d["max_boilerplate_line_fraction"]
    )


def test_real_prose_pages_pass_every_rule(kept):
    for text in kept:
        assert passes_everything(text), asdict(measure_prose(text))


# --- Gopher quality ---------------------------------------------------------------------------


def test_word_count_drops_a_one_line_docstring_and_a_whole_docs_site(pages, dbt_docs_site, kept):
    one_liner = next(d["text"] for d in stdlib_docstring_documents(["json"]) if d["url"].endswith("json.scanner.html"))
    assert measure_prose(one_liner).n_words < DEFAULTS["min_words"]
    assert measure_prose(dbt_docs_site).n_words > DEFAULTS["max_words"]
    assert all(DEFAULTS["min_words"] <= measure_prose(t).n_words <= DEFAULTS["max_words"] for t in kept)


def test_mean_word_length_drops_a_digit_table_and_a_record_of_hashes(dbt_record, kept):
    digits = (SITE / "scipy" / "ndimage" / "tests" / "data" / "label_inputs.txt").read_text()
    assert measure_prose(digits).mean_word_length < DEFAULTS["min_mean_word_length"]
    assert measure_prose(dbt_record).mean_word_length > DEFAULTS["max_mean_word_length"]
    assert all(3 <= measure_prose(t).mean_word_length <= 10 for t in kept)


def test_hash_ratio_drops_comment_banner_source(kept):
    banners = (STDLIB / "ctypes" / "wintypes.py").read_text()
    assert measure_prose(banners).hash_word_ratio > DEFAULTS["max_symbol_word_ratio"]
    assert all(measure_prose(t).hash_word_ratio <= DEFAULTS["max_symbol_word_ratio"] for t in kept)


def teasers(text: str, n_words: int = 5) -> str:
    """A real page cut the way listing pages cut articles: each paragraph's first words and '...'."""
    return "\n".join(" ".join(p.split()[:n_words]) + "..." for p in text.split("\n\n") if p.strip())


def test_ellipsis_rules_drop_a_page_of_teasers_made_from_real_paragraphs(pages, kept):
    teaser_page = teasers(pages["statistics"])
    signals = measure_prose(teaser_page)
    assert signals.ellipsis_word_ratio > DEFAULTS["max_symbol_word_ratio"]
    assert signals.ellipsis_line_fraction > DEFAULTS["max_ellipsis_line_fraction"]
    for text in kept:
        assert measure_prose(text).ellipsis_word_ratio <= DEFAULTS["max_symbol_word_ratio"]
        assert measure_prose(text).ellipsis_line_fraction <= DEFAULTS["max_ellipsis_line_fraction"]


def test_bullet_rule_drops_the_bullet_lists_of_real_readmes_and_keeps_the_readmes():
    readmes = [
        importlib.metadata.distribution(name).metadata.get_payload()
        for name in ("dbt-core", "tiktoken", "numpy", "pyarrow")
    ]
    bullets = [line for readme in readmes for line in readme.splitlines() if line.lstrip().startswith("- ")]
    assert len(bullets) >= 10
    assert measure_prose("\n".join(bullets)).bullet_line_fraction > DEFAULTS["max_bullet_line_fraction"]
    for readme in readmes:
        assert measure_prose(readme).bullet_line_fraction <= DEFAULTS["max_bullet_line_fraction"]


def test_alphabetic_word_fraction_drops_a_doctest_heavy_page(pages, kept):
    assert measure_prose(pages["json"]).alphabetic_word_fraction < DEFAULTS["min_alphabetic_word_fraction"]
    assert all(measure_prose(t).alphabetic_word_fraction >= 0.8 for t in kept)


def test_stop_word_rule_drops_latin_placeholder_words(kept):
    from jinja2.constants import LOREM_IPSUM_WORDS

    latin = measure_prose(LOREM_IPSUM_WORDS)
    assert latin.n_words >= DEFAULTS["min_words"] and latin.n_stop_words < DEFAULTS["min_stop_words"]
    assert all(measure_prose(t).n_stop_words >= DEFAULTS["min_stop_words"] for t in kept)


# --- Gopher repetition ------------------------------------------------------------------------


def test_duplicate_line_and_paragraph_rules_drop_repetitive_real_pages(pages, kept):
    email_pages = {d["url"]: d["text"] for d in stdlib_docstring_documents(["email"])}
    parser_page = email_pages["https://docs.python.org/3/library/email.parser.html"]
    assert measure_prose(parser_page).duplicate_line_char_fraction > DEFAULTS["max_duplicate_line_char_fraction"]
    assert (
        measure_prose(parser_page).duplicate_paragraph_char_fraction > DEFAULTS["max_duplicate_paragraph_char_fraction"]
    )
    multipart = email_pages["https://docs.python.org/3/library/email.mime.multipart.html"]
    assert measure_prose(multipart).duplicate_paragraph_fraction > DEFAULTS["max_duplicate_paragraph_fraction"]
    assert measure_prose(pages["pickletools"]).duplicate_line_fraction > DEFAULTS["max_duplicate_line_fraction"]
    for text in kept:
        s = measure_prose(text)
        assert s.duplicate_line_fraction <= 0.3 and s.duplicate_paragraph_fraction <= 0.3
        assert s.duplicate_line_char_fraction <= 0.2 and s.duplicate_paragraph_char_fraction <= 0.2


def test_top_ngram_rules_drop_a_page_made_of_one_repeated_signature(kept):
    decoder = next(d["text"] for d in stdlib_docstring_documents(["json"]) if d["url"].endswith("json.decoder.html"))
    s = measure_prose(decoder)
    assert s.top_2_gram_char_fraction > 0.20 and s.top_3_gram_char_fraction > 0.18 and s.top_4_gram_char_fraction > 0.16
    for text in kept:
        s = measure_prose(text)
        assert all(getattr(s, f"top_{n}_gram_char_fraction") <= v for n, v in DEFAULTS["top_ngram"].items())


def test_duplicate_ngram_rule_drops_a_page_of_near_identical_docstrings(pages, kept):
    # bisect documents insort_left/insort_right and bisect_left/bisect_right in the same words.
    assert measure_prose(pages["bisect"]).duplicate_5_gram_char_fraction > DEFAULTS["duplicate_ngram"][5]
    for text in kept:
        s = measure_prose(text)
        assert all(getattr(s, f"duplicate_{n}_gram_char_fraction") <= v for n, v in DEFAULTS["duplicate_ngram"].items())


def test_duplicate_ngrams_count_each_character_once():
    """datatrove's find_all_duplicate skips past a repeat, so a text repeated k times counts at most
    its own length (k - 1) times: an exact edge case, kept as a toy string on purpose."""
    s = measure_prose("alpha beta gamma delta epsilon " * 4)
    assert 0 < s.duplicate_5_gram_char_fraction < 1


def _top_ngram_chars_by_definition(tokens: list[str], n: int) -> int:
    """datatrove's find_top_duplicate: the most frequent n-gram (the first seen of equally frequent
    ones) joined by spaces, times its count."""
    if len(tokens) < n:
        return 0
    counts = Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    gram, count = counts.most_common(1)[0]
    return len(" ".join(gram)) * count


def _duplicate_ngram_chars_by_definition(tokens: list[str], n: int) -> int:
    """datatrove's find_all_duplicate: characters of each n-gram seen before, skipping past it."""
    seen, repeated, i = set(), 0, 0
    while i < len(tokens) - n + 1:
        gram = tuple(tokens[i : i + n])
        if gram in seen:
            repeated += len("".join(gram))
            i += n
        else:
            seen.add(gram)
            i += 1
    return repeated


def test_ngram_signals_equal_their_definition_on_real_pages(pages, dbt_record):
    """The n-gram measures (integer classes sorted with numpy) give exactly what the tuple
    definitions give, on pages with many repeats (pickletools, bisect), ties between equally
    frequent n-grams of different lengths (a RECORD's paths) and texts shorter than n."""
    texts = [*pages.values(), dbt_record[:200_000], "", "one", "a b a b a b c", "x y " * 7]
    for text in texts:
        tokens, s = words(text), measure_prose(text)
        for n in (2, 3, 4):
            expected = _top_ngram_chars_by_definition(tokens, n) / len(text) if text else 0.0
            assert getattr(s, f"top_{n}_gram_char_fraction") == expected, (n, text[:80])
        for n in range(5, 11):
            expected = _duplicate_ngram_chars_by_definition(tokens, n) / len(text) if text else 0.0
            assert getattr(s, f"duplicate_{n}_gram_char_fraction") == expected, (n, text[:80])


# --- C4 ---------------------------------------------------------------------------------------


def test_terminal_punctuation_drops_a_file_list_and_keeps_prose(dbt_record, kept):
    assert measure_prose(dbt_record).terminal_punct_line_fraction <= DEFAULTS["min_terminal_punct_fraction"]
    assert all(measure_prose(t).terminal_punct_line_fraction > 0.12 for t in kept)


def test_paragraph_unit_reads_hard_wrapped_docs_as_c4_reads_web_paragraphs():
    architecture = (STDLIB / "email" / "architecture.rst").read_text()
    s = measure_prose(architecture)
    # Wrapped at ~80 columns most lines end mid-sentence; joined paragraphs mostly end one.
    assert s.terminal_punct_paragraph_fraction > 2 * s.terminal_punct_line_fraction
    assert measure_prose(unwrap_paragraphs(architecture)).terminal_punct_line_fraction > s.terminal_punct_line_fraction


def test_lorem_ipsum_drops_rich_demo_text_and_keeps_real_prose(kept):
    rich_demo = SITE / "pip" / "_vendor" / "rich" / "__main__.py"
    if not rich_demo.exists():
        pytest.skip("pip's vendored rich is not installed here")
    [lorem] = re.findall(r'lorem = "([^"]+)"', rich_demo.read_text())
    assert measure_prose(lorem).has_lorem_ipsum
    assert not any(measure_prose(t).has_lorem_ipsum for t in kept)


def test_boilerplate_lines_drop_a_javascript_app_page_but_not_a_page_naming_javascript(dbt_docs_site, pages, kept):
    assert measure_prose(dbt_docs_site).boilerplate_line_fraction > DEFAULTS["max_boilerplate_line_fraction"]
    # "JSON (JavaScript Object Notation) ..." mentions javascript on one line of a long page.
    json_page = measure_prose(pages["json"])
    assert 0 < json_page.boilerplate_line_fraction <= DEFAULTS["max_boilerplate_line_fraction"]
    assert all(measure_prose(t).boilerplate_line_fraction <= 0.3 for t in kept)


# --- FineWeb-Edu score stand-in and the vectorised UDF ----------------------------------------


def test_edu_score_stand_in_ranks_longer_pages_higher_and_rounds_half_up(pages):
    short, long_ = edu_score("Return the sum of two numbers."), edu_score(pages["statistics"])
    assert short[1] < 3 <= long_[1] <= 5
    for text in pages.values():
        score, int_score = edu_score(text)
        assert 0 <= score <= 5 and int_score == int(score + 0.5)


def test_vectorised_signals_equal_the_scalar_reference_and_null_stays_null(pages):
    texts = [*pages.values(), None, ""]
    result = prose_signals(pa.chunked_array([texts[:3], texts[3:]], pa.large_string())).to_pylist()
    for text, got in zip(texts, result):
        if text is None:
            assert got is None
        else:
            assert got == asdict(measure_prose(text))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_fractions_stay_between_zero_and_one_on_any_text(text):
    s = asdict(measure_prose(text))
    for name, value in s.items():
        # Top n-gram fractions count the n-gram with its joining spaces, as datatrove does, so on
        # a text shorter than that they exceed 1; every other fraction is a share.
        if name.endswith("fraction") and not name.startswith("top_"):
            assert 0.0 <= value <= 1.0, (name, value)
    assert s["n_words"] <= len(words(text))
    assert all(w.strip() == w and w for w in words(text))


# --- An independent reference -----------------------------------------------------------------
# Every signal written again from the definitions (Gopher appendix A and table A1, C4 section 2.2,
# as datatrove implements them; the word tokens as the module docstring defines them), with a
# character scanner instead of the module's regular expression, and compared with measure_prose
# on real documents.


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def reference_words(text: str) -> list[str]:
    """Runs of word characters joined by single inner . ' ’ or -, '...' as one token, and every
    other non-space character on its own."""
    tokens, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("...", i):
            tokens.append("...")
            i += 3
        elif _is_word_char(text[i]):
            j = i + 1
            while True:
                while j < n and _is_word_char(text[j]):
                    j += 1
                if j + 1 < n and text[j] in ".'’-" and _is_word_char(text[j + 1]):
                    j += 2
                    continue
                break
            tokens.append(text[i:j])
            i = j
        elif text[i].isspace():
            i += 1
        else:
            tokens.append(text[i])
            i += 1
    return tokens


def reference_signals(text: str) -> dict:
    from collections import Counter

    share = lambda part, whole: part / whole if whole else 0.0  # noqa: E731
    tokens = reference_words(text)
    words_ = [t for t in tokens if any(_is_word_char(c) for c in t)]
    lines = text.splitlines()
    stripped = [line.strip() for line in lines if line.strip()]

    def repeated(items):  # datatrove find_duplicates: every occurrence after the first
        seen, count, chars = set(), 0, 0
        for item in items:
            count, chars = (count + 1, chars + len(item)) if item in seen else (count, chars)
            seen.add(item)
        return count, chars

    paragraphs = re.split(r"\n{2,}", text.strip())
    repetition_lines = re.split(r"\n+", text)
    (par_dups, par_chars), (line_dups, line_chars) = repeated(paragraphs), repeated(repetition_lines)

    def top_ngram_chars(n):  # datatrove find_top_duplicate: n-grams joined by spaces
        grams = Counter(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return len(grams.most_common(1)[0][0]) * grams.most_common(1)[0][1] if grams else 0

    def duplicate_ngram_chars(n):  # datatrove find_all_duplicate: skip past a repeat
        seen, chars, i = set(), 0, 0
        while i <= len(tokens) - n:
            gram = "".join(tokens[i : i + n])
            if gram in seen:
                chars, i = chars + len(gram), i + n
            else:
                seen.add(gram)
                i += 1
        return chars

    ends_sentence = lambda s: s[-1:] in {".", "?", "!", '"', "'"} and not s.endswith("...")  # noqa: E731
    c4_paragraphs = [" ".join(p.split()) for p in re.split(r"\n[ \t]*\n", text) if p.strip()]
    policy = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")
    signals = {
        "n_words": len(words_),
        "mean_word_length": share(sum(len(w) for w in words_), len(words_)),
        "hash_word_ratio": share(text.count("#"), len(tokens)),
        "ellipsis_word_ratio": share(text.count("...") + text.count("…"), len(tokens)),
        "bullet_line_fraction": share(sum(line.lstrip()[:1] in {"•", "-"} for line in lines), len(lines)),
        "ellipsis_line_fraction": share(sum(line.rstrip().endswith(("...", "…")) for line in lines), len(lines)),
        "alphabetic_word_fraction": share(sum(any(c.isalpha() for c in t) for t in tokens), len(tokens)),
        "n_stop_words": sum(t in {"the", "be", "to", "of", "and", "that", "have", "with"} for t in tokens),
        "duplicate_paragraph_fraction": share(par_dups, len(paragraphs)),
        "duplicate_paragraph_char_fraction": share(par_chars, len(text)),
        "duplicate_line_fraction": share(line_dups, len(repetition_lines)),
        "duplicate_line_char_fraction": share(line_chars, len(text)),
        **{f"top_{n}_gram_char_fraction": share(top_ngram_chars(n), len(text)) for n in (2, 3, 4)},
        **{f"duplicate_{n}_gram_char_fraction": share(duplicate_ngram_chars(n), len(text)) for n in range(5, 11)},
        "terminal_punct_line_fraction": share(sum(map(ends_sentence, stripped)), len(stripped)),
        "terminal_punct_paragraph_fraction": share(sum(map(ends_sentence, c4_paragraphs)), len(c4_paragraphs)),
        "has_lorem_ipsum": "lorem ipsum" in text.lower(),
        "boilerplate_line_fraction": share(
            sum("javascript" in s.lower() or any(p in s.lower() for p in policy) for s in stripped), len(stripped)
        ),
    }
    return signals


def test_every_signal_equals_an_independent_reference_on_real_documents(pages, dbt_record):
    from jinja2.constants import LOREM_IPSUM_WORDS

    readmes = [importlib.metadata.distribution(name).metadata.get_payload() for name in ("dbt-core", "numpy")]
    documents = [
        *pages.values(),
        dbt_record,
        LOREM_IPSUM_WORDS,
        *readmes,
        teasers(pages["statistics"]),
        (STDLIB / "email" / "architecture.rst").read_text(),
    ]
    for document in documents:
        got, expected = asdict(measure_prose(document)), reference_signals(document)
        assert set(got) == set(expected)
        for name, value in expected.items():
            assert got[name] == pytest.approx(value, rel=1e-12, abs=1e-15), (name, document[:80])


def test_signals_of_a_real_docstring_line_counted_by_hand():
    sentence = "can be used to implement custom decoders (e.g. JSON-RPC class hinting)."
    assert sentence in (STDLIB / "json" / "__init__.py").read_text()
    # 'e.g.' keeps its inner period and gives its last one up; 'JSON-RPC' keeps its hyphen.
    expected = [
        "can",
        "be",
        "used",
        "to",
        "implement",
        "custom",
        "decoders",
        "(",
        "e.g",
        ".",
        "JSON-RPC",
        "class",
        "hinting",
        ")",
        ".",
    ]
    assert reference_words(sentence) == expected == words(sentence)
    s = measure_prose(sentence)
    assert (s.n_words, s.n_stop_words) == (11, 2)  # 'be', 'to'
    assert s.mean_word_length == pytest.approx(57 / 11)  # 3+2+4+2+9+6+8+3+8+5+7 characters
    assert s.alphabetic_word_fraction == pytest.approx(11 / 15)
    assert (s.terminal_punct_line_fraction, s.hash_word_ratio, s.duplicate_5_gram_char_fraction) == (1.0, 0.0, 0.0)
