"""Finding PII in a vector of documents and replacing it with the policy's placeholders: one RE2
prefilter pass over the rows, each detector's regexes over the lines it picks, joined into one
string, matches mapped back to documents with ``numpy.searchsorted``."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..utils import as_array
from .detectors import _DETECTORS, _NAMED_VALUE_DETECTORS, Detector
from .policy import PII_FINDING_TYPE, PII_REDACTION_TYPE, Finding, PiiPolicy
from .secret_validators import _named_secret_kind

# Joins the candidate documents of a batch: no pattern below matches NUL, so none crosses it.
_SEPARATOR = "\n\x00\n"
_TOKEN_CHARACTER = re.compile(r"[A-Za-z0-9_\-]*")


def _joined(rows: pa.Array) -> tuple[str, np.ndarray]:
    """The rows as one string, separated by ``_SEPARATOR``, and each row's start (characters)."""
    with_separator = pc.binary_join_element_wise(rows, "", _SEPARATOR)
    lengths = pc.utf8_length(with_separator).to_numpy(zero_copy_only=False).astype(np.int64)
    starts = np.zeros(len(rows), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    _, offset_buffer, data = with_separator.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int32)[with_separator.offset :]
    first, last = int(offsets[0]), int(offsets[len(with_separator)])
    return data.to_pybytes()[first:last].decode("utf-8"), starts


def _detect(
    detector: Detector, rows: pa.Array, row_ids: np.ndarray, row_offsets: np.ndarray, policy: PiiPolicy
) -> list[Finding]:
    """Every finding of one detector in ``rows``: row ``i`` is document ``row_ids[i]`` from
    character ``row_offsets[i]`` on (a whole document, or one of its lines)."""
    text, starts = _joined(rows)
    ends = np.append(starts[1:] - len(_SEPARATOR), len(text) - len(_SEPARATOR))
    found = []
    for pattern in detector.patterns:
        group = detector.group if (detector.group == 0 or pattern.groups) else 0
        for match in pattern.finditer(text):
            start, end = match.span(group)
            if start < 0 or start == end:
                continue
            if detector.extend_token:
                end = _TOKEN_CHARACTER.match(text, end).end()
            if detector.trim is not None and detector.trim in text[start:end]:
                end = text.index(detector.trim, start, end)
            row = int(np.searchsorted(starts, start, side="right")) - 1
            if end > ends[row] or not detector.validate(text, start, end, policy, match):
                continue
            kind = _named_secret_kind(text, match) if detector.name in _NAMED_VALUE_DETECTORS else detector.kind
            found.append(
                Finding(
                    int(row_ids[row]),
                    start - int(starts[row]) + int(row_offsets[row]),
                    end - int(starts[row]) + int(row_offsets[row]),
                    kind,
                    detector.name,
                    detector.priority,
                )
            )
    return found


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """Per document, the findings left when each claims its span in priority order."""
    kept: list[Finding] = []
    by_doc: dict[int, list[tuple[int, int]]] = {}
    for finding in sorted(findings, key=lambda f: (f.doc, f.priority, f.start, -f.end)):
        spans = by_doc.setdefault(finding.doc, [])
        if any(finding.start < end and start < finding.end for start, end in spans):
            continue
        spans.append((finding.start, finding.end))
        kept.append(finding)
    return sorted(kept, key=lambda f: (f.doc, f.start))


@lru_cache(maxsize=16)
def _prefilters(min_length: int) -> tuple[str, tuple[str, ...]]:
    """Every detector's RE2 prefilter, and all of them as one alternation."""
    own = tuple(d.prefilter.replace("MIN", str(max(1, min_length))) for d in _DETECTORS)
    return "|".join(f"(?:{p})" for p in own), own


def _findings(content: pa.Array, policy: PiiPolicy) -> list[Finding]:
    """Every finding in the batch, sorted by document and offset, without overlaps.

    One RE2 pass of every prefilter at once over the batch picks the candidate rows (7.5% of the
    default corpus's Python files), then each detector's own prefilter runs over those only.
    """
    combined, own = _prefilters(policy.keyword_min_length)
    filled = pc.fill_null(content, "")
    candidate_ids = np.flatnonzero(pc.match_substring_regex(filled, pattern=combined).to_numpy(zero_copy_only=False))
    if not len(candidate_ids):
        return []
    candidates = filled.take(pa.array(candidate_ids))
    lines, line_candidates, line_offsets = _lines(candidates)
    line_docs = candidate_ids[line_candidates]
    findings: list[Finding] = []
    for detector, prefilter in zip(_DETECTORS, own):
        # The detector's prefilter over whole documents first: RE2 stops at a document's first
        # match, and most detectors match few documents, so few lines are scanned a second time.
        in_document = pc.match_substring_regex(candidates, pattern=prefilter).to_numpy(zero_copy_only=False)
        if not in_document.any():
            continue
        if detector.line_level:
            own_lines = np.flatnonzero(in_document[line_candidates])
            hits = pc.match_substring_regex(lines.take(pa.array(own_lines)), pattern=prefilter)
            selected = own_lines[hits.to_numpy(zero_copy_only=False)]
            rows, docs, offsets = lines, line_docs, line_offsets
        else:
            selected = np.flatnonzero(in_document)
            rows, docs, offsets = candidates, candidate_ids, np.zeros(len(candidates), np.int64)
        if len(selected):
            findings.extend(_detect(detector, rows.take(pa.array(selected)), docs[selected], offsets[selected], policy))
    return _without_overlaps(_outside_own_vocabulary(findings, filled))


def _outside_own_vocabulary(findings: list[Finding], content: pa.Array) -> list[Finding]:
    """The findings, less values assigned to secret-like names that the same document also uses
    as bare code (``tokenizer_class = "BertTokenizer"`` where ``BertTokenizer`` is imported or
    defined): a word of the code's own vocabulary, not a secret. Only documents with such a
    finding are decoded."""
    texts: dict[int, str] = {}
    kept = []
    for finding in findings:
        if finding.detector in _NAMED_VALUE_DETECTORS:
            if finding.doc not in texts:
                texts[finding.doc] = content[finding.doc].as_py()
            text = texts[finding.doc]
            value = text[finding.start : finding.end]
            if not value.isidentifier():
                kept.append(finding)
                continue
            bare = re.compile(r"(?<![\w'\"`$])" + re.escape(value) + r"(?![\w'\"`])")
            if any(m.start() != finding.start for m in bare.finditer(text)):
                continue
        kept.append(finding)
    return kept


def _lines(documents: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Every line of the documents, the index of its document, and its first character's offset."""
    split = pc.split_pattern(documents, pattern="\n")
    lines = split.flatten()
    docs = pc.list_parent_indices(split).to_numpy()
    lengths = pc.utf8_length(lines).to_numpy(zero_copy_only=False).astype(np.int64) + 1
    starts = np.cumsum(lengths) - lengths
    first_line = np.frombuffer(split.buffers()[1], dtype=np.int32)[split.offset : split.offset + len(split)]
    return lines, docs, starts - starts[first_line][docs]


def value_hash(value: str) -> str:
    """First 16 hex digits of SHA-256 over the UTF-8 value: SQL's ``stable_hash(value)``."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


def _finding_lists(n: int, findings: list[Finding], values: list[str]) -> pa.ListArray:
    docs = np.array([f.doc for f in findings], dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(docs, minlength=n), out=offsets[1:])
    structs = pa.StructArray.from_arrays(
        [
            pa.array([f.kind for f in findings], pa.string()),
            pa.array([f.detector for f in findings], pa.string()),
            pa.array([f.start for f in findings], pa.int64()),
            pa.array([f.end - f.start for f in findings], pa.int64()),
            pa.array([value_hash(v) for v in values], pa.string()),
        ],
        fields=list(PII_FINDING_TYPE),
    )
    return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), structs, type=pa.list_(PII_FINDING_TYPE))


def find_pii(content: pa.Array | pa.ChunkedArray, policy: PiiPolicy) -> pa.ListArray:
    """The findings of every document, as ``list<struct<kind, detector, char_offset,
    char_length, value_hash>>`` sorted by offset (empty for NULL content). Never the values."""
    return redact_pii(content, policy).field("findings")


def redact_pii(content: pa.Array | pa.ChunkedArray, policy: PiiPolicy) -> pa.StructArray:
    """Struct of the redacted ``content`` and its ``findings`` (see ``find_pii``) per document.

    Each finding's span is replaced by the placeholder of its kind. Documents without findings
    come back as they were (NULL stays NULL); only documents with findings are rebuilt.
    """
    content = as_array(content)
    if not pa.types.is_string(content.type):
        content = content.cast(pa.string())
    findings = _findings(content, policy)
    changed = sorted({f.doc for f in findings})
    values: list[str] = []
    redacted = content
    if changed:
        by_doc: dict[int, list[Finding]] = {}
        for finding in findings:
            by_doc.setdefault(finding.doc, []).append(finding)
        new_texts = []
        for doc in changed:
            text = content[doc].as_py()
            pieces, position = [], 0
            for finding in by_doc[doc]:
                values.append(text[finding.start : finding.end])
                pieces.append(text[position : finding.start])
                pieces.append(policy.placeholders[finding.kind])
                position = finding.end
            pieces.append(text[position:])
            new_texts.append("".join(pieces))
        mask = np.zeros(len(content), dtype=bool)
        mask[changed] = True
        redacted = pc.replace_with_mask(content, pa.array(mask), pa.array(new_texts, pa.string()))
    return pa.StructArray.from_arrays(
        [redacted, _finding_lists(len(content), findings, values)],
        fields=list(PII_REDACTION_TYPE),
    )
