"""Redacting repository names, paths and URLs: the document detectors, plus any password in a URL's
user part and the values of token, key and signature query parameters."""

from __future__ import annotations

import re
from re import Pattern

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..utils import as_array
from .policy import PiiPolicy
from .redaction import find_pii

METADATA_REDACTION_TYPE = pa.struct([("value", pa.string()), ("kinds", pa.list_(pa.string()))])

# Credentials in repository names, paths and URLs, besides what ``redact_pii`` finds there: any
# password in a URL's user part (metadata is never code, so no placeholder heuristics), and the
# values of query parameters that carry tokens, keys and signatures (OAuth's access_token,
# presigned URLs' sig and X-Amz-Signature, API keys).
_URL_USERINFO_PASSWORD = re.compile(r"://[^/\s:@?#]*:([^/\s@]+)@")
_CREDENTIAL_PARAMETER = re.compile(
    r"(?i)[?&;#](?:access_?token|id_?token|refresh_?token|auth_?token|token|api_?key|apikey|key|sig|signature|"
    r"x-amz-signature|x-amz-credential|x-amz-security-token|password|passwd|pwd|pass|secret|client_secret)"
    r"=([^&#\s]+)"
)
_METADATA_PREFILTER = (
    r"(?i)@|[?&;#][a-z_-]*(?:token|key|sig|signature|credential|pass|pwd|secret)[a-z_-]*="
    r"|(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}|[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]|[23][0-9A-Fa-f]{0,3}:"
)


def _replace_groups(text: str, pattern: Pattern[str], placeholder: str) -> tuple[str, int]:
    """The text with group 1 of every match replaced, and how many were."""
    pieces, position, n = [], 0, 0
    for match in pattern.finditer(text):
        start, end = match.span(1)
        if text[start:end] == placeholder:
            continue
        pieces += [text[position:start], placeholder]
        position, n = end, n + 1
    return "".join(pieces) + text[position:], n


def redact_metadata(values: pa.Array | pa.ChunkedArray, policy: PiiPolicy) -> pa.StructArray:
    """Struct of each repository name, path or URL with its credentials replaced (``value``) and
    the kinds replaced (``kinds``, empty when none; never the values): what ``redact_pii``
    finds (e-mail addresses as path segments, AWS key ids, ...), passwords in a URL's user
    part and the values of token, key and signature query parameters. Only rows the RE2
    prefilter marks are decoded."""
    values = as_array(values)
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    kinds: list[list[str]] = [[] for _ in range(len(values))]
    marked = pc.match_substring_regex(pc.fill_null(values, ""), pattern=_METADATA_PREFILTER)
    candidates = np.flatnonzero(marked.to_numpy(zero_copy_only=False))
    if not len(candidates):
        return pa.StructArray.from_arrays(
            [values, pa.array(kinds, pa.list_(pa.string()))], fields=list(METADATA_REDACTION_TYPE)
        )
    # The URL's password and the credential parameters first: "user:pw@host" must not read as
    # an e-mail address below.
    first_pass, kinds_found = [], []
    for original in values.take(pa.array(candidates)).to_pylist():
        text, n_passwords = _replace_groups(original, _URL_USERINFO_PASSWORD, policy.placeholders["password"])
        text, n_keys = _replace_groups(text, _CREDENTIAL_PARAMETER, policy.placeholders["key"])
        first_pass.append(text)
        kinds_found.append(({"password"} if n_passwords else set()) | ({"key"} if n_keys else set()))
    # Path separators as spaces (same length, so the offsets hold): in code an address glued to
    # a "/" is part of a path, in metadata a segment may be one ("users/ana@corp.es/notes.py").
    findings = find_pii(pc.replace_substring(pa.array(first_pass, pa.string()), "/", " "), policy).to_pylist()
    new_values = []
    for row, text, found, row_findings in zip(candidates, first_pass, kinds_found, findings):
        pieces, position = [], 0
        for f in row_findings:
            pieces += [text[position : f["char_offset"]], policy.placeholders[f["kind"]]]
            position = f["char_offset"] + f["char_length"]
        new_values.append("".join(pieces) + text[position:])
        kinds[row] = sorted(found | {f["kind"] for f in row_findings})
    mask = np.zeros(len(values), dtype=bool)
    mask[candidates] = True
    values = pc.replace_with_mask(values, pa.array(mask), pa.array(new_values, pa.string()))
    return pa.StructArray.from_arrays(
        [values, pa.array(kinds, pa.list_(pa.string()))], fields=list(METADATA_REDACTION_TYPE)
    )
