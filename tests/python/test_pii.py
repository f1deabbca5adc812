"""PII and secret redaction: the labelled fixture set, the false-positive traps, and the UDF on
real standard-library code."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pytest

from python_udfs.pii import DEFAULT_PLACEHOLDERS, PiiPolicy, find_pii, redact_pii
from tests.conftest import stdlib_files

CASES_FILE = Path(__file__).with_name("pii_labelled_cases.jsonl")
CASES = [json.loads(line) for line in CASES_FILE.read_text().splitlines() if line.strip()]


def predicted(text: str, findings: list[dict]) -> set[tuple[str, str]]:
    return {(f["kind"], text[f["char_offset"] : f["char_offset"] + f["char_length"]]) for f in findings}


def test_labelled_set_reaches_precision_and_recall_targets():
    # Finding-level scores over the whole set: a prediction counts when kind and exact value match.
    assert len(CASES) >= 100
    results = find_pii(pa.array([case["text"] for case in CASES])).to_pylist()
    true_positives = false_positives = false_negatives = 0
    misses = []
    for case, findings in zip(CASES, results):
        got = predicted(case["text"], findings)
        want = {(e["kind"], e["value"]) for e in case["expected"]}
        true_positives += len(got & want)
        false_positives += len(got - want)
        false_negatives += len(want - got)
        if got != want:
            misses.append((case["id"], case["note"]))
    precision = true_positives / (true_positives + false_positives)
    recall = true_positives / (true_positives + false_negatives)
    print(f"\nPII labelled set: {len(CASES)} cases, {true_positives + false_negatives} findings expected, "
          f"precision {precision:.3f}, recall {recall:.3f}; wrong: {misses}")
    assert precision >= 0.95, misses
    assert recall >= 0.90, misses


@pytest.mark.parametrize(
    "text",
    [
        'Contact: user@example.com\n',
        '__version__ = "1.2.3.4"\n',
        'COMMIT = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"\n',
        'run_id = "550e8400-e29b-41d4-a716-446655440000"\n',
        'DATA = "U29tZSBiYXNlNjQgdGVzdCBmaXh0dXJlIGRhdGEgdGhhdCBpcyBub3QgYSBzZWNyZXQgYXQgYWxs"\n',
    ],
    ids=["example_email", "version_string", "git_sha", "uuid", "base64_fixture"],
)
def test_known_false_positive_traps_are_not_findings(text):
    assert find_pii(pa.array([text])).to_pylist() == [[]]


def test_example_domains_are_a_policy():
    text = "Contact: user@example.com\n"
    strict = PiiPolicy(example_domains=())
    [findings] = find_pii(pa.array([text]), strict).to_pylist()
    assert predicted(text, findings) == {("email", "user@example.com")}


INJECTED = {
    "email": "maria.garcia@fintech-ops.es",
    "ip_address": "52.94.236.248",
    "key": "ghp_" + "Zq4T8mW2xR7nK1vB5cY9pL3dF6hJ0sA2eG8u",
    "password": "Xk7#pQ2!vRm9",
}


def test_redaction_on_real_code_replaces_every_finding_and_only_them():
    originals = [p.read_text(encoding="utf-8") for p in stdlib_files("email")]
    injected = (
        f'\nADMIN = "{INJECTED["email"]}"\nUPSTREAM = "{INJECTED["ip_address"]}"\n'
        f'GITHUB_TOKEN = "{INJECTED["key"]}"\ndb_password = "{INJECTED["password"]}"\n'
    )
    texts = originals + [originals[0] + injected]
    result = redact_pii(pa.array(texts)).to_pylist()
    for text, row in zip(texts, result):
        rebuilt, position = [], 0
        for finding in row["findings"]:
            value = text[finding["char_offset"] : finding["char_offset"] + finding["char_length"]]
            # The hash is stable_hash(value): SHA-256's first 16 hex digits.
            assert finding["value_hash"] == hashlib.sha256(value.encode()).hexdigest()[:16]
            rebuilt += [text[position : finding["char_offset"]], DEFAULT_PLACEHOLDERS[finding["kind"]]]
            position = finding["char_offset"] + finding["char_length"]
        assert row["content"] == "".join(rebuilt) + text[position:]
    last = result[-1]
    assert {kind for kind, value in INJECTED.items()} <= {f["kind"] for f in last["findings"]}
    for kind, value in INJECTED.items():
        assert value not in last["content"]
        assert DEFAULT_PLACEHOLDERS[kind] in last["content"]
    # The stdlib's email package has its authors' addresses ("Contact: email-sig@python.org"),
    # which are redacted too; files without findings come back unchanged (checked above).
    assert any(row["findings"] for row in result[:-1])
    assert any(not row["findings"] for row in result[:-1])


def test_placeholders_are_configurable_and_validated():
    policy = PiiPolicy(placeholders={"email": "[email]", "ip_address": "[ip]", "key": "[key]", "password": "[pw]"})
    [row] = redact_pii(pa.array(['to = "ana@corp-mail.net"\n']), policy).to_pylist()
    assert row["content"] == 'to = "[email]"\n'
    with pytest.raises(ValueError, match="placeholders must name exactly"):
        PiiPolicy(placeholders={"email": "<EMAIL>"})


def test_private_key_block_is_replaced_whole_and_marker_code_is_left_alone():
    body = "\n".join(["MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi6Z7pLbCSyNe8M0kvJJ8Ub4z+f"] * 6)
    key = f"-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"
    parser = 'if line.startswith("-----BEGIN RSA PRIVATE KEY-----"):\n    start = True\n'
    rows = redact_pii(pa.array([f'KEY = """{key}"""\n', parser])).to_pylist()
    assert rows[0]["content"] == 'KEY = """<KEY>"""\n'
    assert rows[1]["content"] == parser and rows[1]["findings"] == []


def test_nulls_empty_strings_and_clean_batches_pass_through():
    rows = redact_pii(pa.chunked_array([pa.array([None, "", "x = 1\n"])])).to_pylist()
    assert rows == [{"content": None, "findings": []}, {"content": "", "findings": []}, {"content": "x = 1\n", "findings": []}]


def test_documents_never_match_across_their_boundaries():
    # The first document ends where an address would start; the next starts with its rest.
    rows = find_pii(pa.array(["send to maria.garcia", "@fintech-ops.es later", 'ip = "52.94.236.248"'])).to_pylist()
    assert rows[0] == [] and rows[1] == []
    assert [f["kind"] for f in rows[2]] == ["ip_address"]
