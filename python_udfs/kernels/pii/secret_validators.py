"""Validators for secrets: values assigned to secret-like names judged by length, entropy,
character classes and shape (a secret, or a name, path, placeholder, default password?), and
the checks on detect-secrets' token, URL-password, JWT and private key matches.

Every validator takes ``(text, start, end, policy, match)``: ``text`` is the joined batch,
``text[start:end]`` the value."""

from __future__ import annotations

import math
import re
from collections import Counter

from detect_secrets.filters.heuristic import is_potential_uuid, is_sequential_string, is_templated_secret
from detect_secrets.plugins.jwt import JwtTokenDetector

from .policy import PiiPolicy

# detect-secrets' KeywordDetector list, plus "token" and "access key", names
# secrets commonly go by in configuration.
_SECRET_NAME = (
    r"api_?key|apikey|api-key|auth_?key|service_?key|account_?key|access_?key|secret_?key|"
    r"db_?key|database_?key|priv_?key|private_?key|client_?key|client_?secret|"
    r"db_?pass|database_?pass|key_?pass|password|passwd|pwd|secret|token|credentials?|"
    r"(?<![A-Za-z])pass(?![A-Za-z])"  # a "pass" key, not "passthrough" or "compass"
)
# The same words for RE2 prefilters, which have no lookarounds (a superset: any "pass").
_SECRET_NAME_RE2 = _SECRET_NAME.replace("(?<![A-Za-z])pass(?![A-Za-z])", "pass")
_PASSWORD_NAME = re.compile(r"pass|pwd", re.IGNORECASE)
_PLACEHOLDER_WORDS = re.compile(
    r"^(?:(?:my|your|the|some|fake|dummy|test)?[_-]?(?:pass(?:word|wd)?|pwd|secret|token|key)[_-]?\d*|"
    r"changeme|change_me|changeit|xxx+|\*+|\.+|your[_-].*|my[_-].*|.*[_-]here|redacted|dummy|test|example|"
    r"none|null|undefined|todo|.*\.\.\.|.*\u2026)$",
    re.IGNORECASE,
)
# Passwords that are defaults or stand-ins in examples, not anyone's secret.
_DEFAULT_PASSWORDS = re.compile(
    r"^(?:pw|pwd|pass|passwd|password|secret|admin|root|guest|user|postgres|mysql|redis|rabbitmq|"
    r"tiger|scott|sa|letmein|qwerty|hunter2|passw0rd|p@ssw0rd|p@ssword|foo|bar|baz|foobar|"
    r"[a-z]+_?pass(?:word)?)$",
    re.IGNORECASE,
)
_NOT_A_SECRET_SHAPE = re.compile(
    r"^(?:[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+"  # CONSTANT_NAME, ENV_VAR_NAME
    r"|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+"  # dotted.name
    r"|[a-z]+\d*(?:[-_ :/][a-z]*\d*)+"  # words-joined_by-separators, urn:words:like-this, lib-1-0
    r"|.*://.*|[/.~#].*|.*%[sd(].*|\$.*|.*\{[^}]*\}.*|[\w.]+\(.*\)"  # URL, path, format, $VAR, call()
    r"|\[\w+\]|<[^>]*>"  # [SPECIAL_TOKEN], <placeholder>
    r"|[A-Za-z][\w.\-]*\s*(?:[=!~<>]=|[<>]).*"  # a requirement: tokenizers>=0.23,<0.24
    r"|\+.*|.*\)\+|.*\bthis\..*|.*\?\..*"  # code: "..."+(expr)+"...", options?.field
    r")$"
)
# A name, not a secret: words of three or more letters (each with a vowel) or acronyms beside
# capitalised words make up most of it: "PreTrainedTokenizerBase", "Wav2Vec2CTCTokenizer",
# "dbmdz/bert-large-cased-finetuned-conll03-english". Random keys break into short runs without
# vowels ("S10BPXHMlb", "CZuvCL49d9OwfGsR", hex digests) however their cases fall.
_NAME_SHAPED_CHARACTERS = re.compile(r"[A-Za-z0-9_./\-]+")
_NAME_PART = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
_WORD = re.compile(r"[A-Z]?[a-z]*[aeiou][a-z]*", re.IGNORECASE)
_ACRONYM = re.compile(r"[A-Z]{2,4}")
# Share of a value's letters and digits that whole words must cover for it to read as a name.
_NAME_WORD_SHARE = 0.75


def shannon_entropy(value: str) -> float:
    """Shannon entropy of the value's characters, in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _has_mixed_classes(value: str) -> bool:
    """Letters with digits, or letters of both cases: what generated tokens and passwords mix."""
    has_lower = any(c.islower() for c in value)
    has_upper = any(c.isupper() for c in value)
    return (has_lower or has_upper) and (any(c.isdigit() for c in value) or (has_lower and has_upper))


def _is_name_shaped(value: str) -> bool:
    """CamelCase, snake_case, dotted or ``org/model`` names made of words: identifiers, class
    names and model ids, whatever their entropy."""
    if not _NAME_SHAPED_CHARACTERS.fullmatch(value):
        return False
    parts = _NAME_PART.findall(value)
    if len(parts) < 2:
        return False  # one word and digits ("seniorinfants2") is how people write passwords
    has_capitalised_word = any(len(p) >= 3 and p[0].isupper() and p[1:].islower() for p in parts)
    word_characters = sum(
        len(p)
        for p in parts
        if (len(p) >= 3 and _WORD.fullmatch(p)) or (has_capitalised_word and _ACRONYM.fullmatch(p))
    )
    return word_characters >= _NAME_WORD_SHARE * sum(c.isalnum() for c in value)


def _looks_like_secret(value: str, policy: PiiPolicy) -> bool:
    return (
        len(value) >= policy.keyword_min_length
        and not is_templated_secret(value)
        and not is_potential_uuid(value)
        and not is_sequential_string(value)
        and not _PLACEHOLDER_WORDS.match(value)
        and not _NOT_A_SECRET_SHAPE.match(value)
        and not _is_name_shaped(value)
        and _has_mixed_classes(value)
        and shannon_entropy(value) >= policy.keyword_min_entropy
    )


# Names that contain a secret-like word but hold something public or descriptive.
_NOT_SECRET_NAME = re.compile(
    r"public|type|url|uri|endpoint|header|name|file|path|pattern|regex|prefix|field|label|kind|len|env|format|"
    r"class|tokeniz|checkpoint|model|limit|size|length|hash|algorithm",
    re.IGNORECASE,
)


def _is_keyword_secret(text: str, start: int, end: int, policy: PiiPolicy, match: re.Match) -> bool:
    return not _NOT_SECRET_NAME.search(_assigned_name(text, match)) and _looks_like_secret(text[start:end], policy)


def _secret_name(match: re.Match) -> str | None:
    """The name a value is assigned to, when the pattern captures it (environment variable,
    ``.env`` and YAML keys, ``getenv`` arguments)."""
    return match.group("name") if "name" in match.re.groupindex else None


def _is_named_value_secret(text: str, start: int, end: int, policy: PiiPolicy, match: re.Match) -> bool:
    name = _secret_name(match)
    return (
        re.search(_SECRET_NAME, name, re.IGNORECASE) is not None
        and not _NOT_SECRET_NAME.search(name)
        and _looks_like_secret(text[start:end], policy)
    )


# Another part of a connection string on the line: "Server=db1;User Id=sa;Password=...",
# "host=db user=app password=...".
_CONNECTION_STRING_PART = re.compile(
    r"(?i)\b(?:host|hostaddr|server|data source|user(?:name)?|user id|uid|dbname|database|initial catalog|port)\s*="
)


def _is_connection_string_password(text: str, start: int, end: int, policy: PiiPolicy, match: re.Match) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : len(text) if line_end < 0 else line_end]
    # Keyword arguments (", password=pw") are code, not a connection string.
    before = text[line_start : match.start()].rstrip()
    return (
        not before.endswith((",", "("))
        and _CONNECTION_STRING_PART.search(line) is not None
        and _looks_like_secret(text[start:end], policy)
    )


# Schemes whose URLs are logins to a server: their hosts may be bare names ("db", "redis").
_LOGIN_SCHEMES = re.compile(
    r"(?:postgres(?:ql)?|mysql|mariadb|mssql|oracle|mongodb(?:\+srv)?|redis|rediss|amqps?|kafka|"
    r"ftps?|sftp|smtps?|imaps?|ldaps?|https?|socks[45]h?)(?:\+\w+)?$",
    re.IGNORECASE,
)


def _is_url_password(text: str, start: int, end: int, policy: PiiPolicy, match: re.Match) -> bool:
    value = text[start:end]
    # A host with a dot or a port, or any host of a login scheme: fsspec's "github://org:repo@sha/"
    # is not a credential, "postgresql://app:pw@db/orders" is.
    scheme = re.search(r"[A-Za-z][\w+.\-]*$", text[max(0, match.start() - 32) : match.start()])
    host_pattern = r"@([\w-]+(?:\.[\w-]+)+|[\w-]+:\d+)"
    if scheme is not None and _LOGIN_SCHEMES.match(scheme.group()):
        host_pattern = r"@([\w-]+(?:\.[\w-]+)*)"
    host = re.match(host_pattern, text[end : end + 256])
    if host is None or policy.is_example_domain(host.group(1).split(":")[0]):
        return False
    return (
        len(value) >= 3
        and not is_templated_secret(value)
        and not value.startswith(("$", "%"))
        and not _PLACEHOLDER_WORDS.match(value)
        and not _DEFAULT_PASSWORDS.match(value)
        and not re.match(r"\d+,", value)  # a port, then the next host of a multi-host URL
        and len(set(value)) > 1
    )


def _is_aws_secret(text: str, start: int, end: int, policy: PiiPolicy, match: re.Match) -> bool:
    # 40 hex digits are a SHA-1 (a git commit), not a base64 AWS secret.
    return not re.fullmatch(r"[0-9a-fA-F]{40}", text[start:end])


def _is_jwt(text: str, start: int, end: int, policy: PiiPolicy, match: re.Match) -> bool:
    return JwtTokenDetector.is_formally_valid(text[start:end])


_BASE64_BODY = re.compile(r"[A-Za-z0-9+/=]")
_PEM_HEADER_LINE = re.compile(r"^[ \t'\"]*[A-Za-z-]+:.*$", re.MULTILINE)
_PEM_FILLER = re.compile(r"\\n|[\s'\"+,]")


def _is_private_key_block(text: str, start: int, end: int, policy: PiiPolicy, match: re.Match) -> bool:
    # The body must be key material (base64), not code between two marker strings.
    body = text[start:end].split("-----", 2)[-1].rsplit("-----END", 1)[0]
    body = _PEM_FILLER.sub("", _PEM_HEADER_LINE.sub("", body))
    return len(body) >= 64 and len(_BASE64_BODY.findall(body)) >= 0.95 * len(body)


def _always(text: str, start: int, end: int, policy: PiiPolicy, match: re.Match) -> bool:
    return True


_NAME_CHARACTERS = re.compile(r"[\w.\-]*$")


def _assigned_name(text: str, match: re.Match) -> str:
    """The whole name a keyword match belongs to (``self.db_password`` for ``password``)."""
    head = _NAME_CHARACTERS.search(text, max(0, match.start() - 128), match.start()).group()
    return head + match.group().split("'", 1)[0].split('"', 1)[0].split("=", 1)[0].split(":", 1)[0].strip()


def _named_secret_kind(text: str, match: re.Match) -> str:
    name = _secret_name(match) or _assigned_name(text, match)
    return "password" if _PASSWORD_NAME.search(name) else "key"
