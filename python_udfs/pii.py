"""PII and secrets: find them in code documents and replace them with typed placeholders.

What is found, by kind (the placeholder each kind gets is the caller's choice):

- ``email``: e-mail addresses, except at domains reserved for documentation (RFC 2606/6761:
  ``example.com``, ``*.test``, ...: the ``example_domains`` policy) and ``git@host:`` remotes.
- ``ip_address``: IPv4 (detect-secrets' ``IPPublicDetector`` octets, allowed to end a sentence)
  and IPv6 candidates in 2000::/3, kept only when ``ipaddress`` calls them global (not private,
  loopback, link-local, documentation or reserved ranges), not a network (``a.b.c.0``, a CIDR
  prefix) or broadcast address, not a popular public DNS server (BigCode's list) and not a
  version: BigCode drops dotted quads of single digits unless "dns" or "server" is near, and
  winnow also drops any preceded on its line by "version", "release", "v", "section" or "OID"
  (``__version__ = "1.2.3.4"``) or by a product name (``SQLite 3.8.11.1``, ``Patreon/126.9.0.15``),
  numbers on both sides (SVG path data, number lists), a reverse-DNS or time-zone suffix.
- ``key``: detect-secrets' plugins' regexes for AWS access key ids and secret keys, GitHub,
  GitLab, Slack, Stripe, PyPI, OpenAI, SendGrid, Square and Azure storage tokens and JWTs (the
  span extended to the whole token where the plugin's pattern stops early, as for JWT
  signatures and Stripe's longer keys); Google API keys and OAuth tokens (``AIza...``,
  ``ya29.``: Google's documented formats, which detect-secrets 1.5 lacks); private key blocks
  from ``-----BEGIN ... PRIVATE KEY-----`` to the matching END line (or to the end of the base64
  body when the END is missing), found from detect-secrets' ``PrivateKeyDetector`` markers and
  kept only when the body is key material; and values assigned to names like ``token`` or
  ``api_key`` that look like secrets (see below): quoted in code, dicts and JSON (``named_secret``),
  the default of ``os.getenv("X_TOKEN", "...")`` (``env_default``), shell and ``.env`` lines
  ``export X_SECRET=...`` (``env_assignment``), unquoted YAML and INI values (``config_value``).
- ``password``: passwords in URLs (detect-secrets' ``BasicAuthDetector`` pattern, widened as RFC
  3986 allows to sub-delimiters such as ``!`` and to an empty user, ``redis://:pw@host``; not for
  hosts without a dot or port unless the scheme is a login's, ``postgresql://app:pw@db/x``, nor
  documentation domains, nor defaults like ``postgres:postgres``), secret-looking values assigned
  to names like ``password``, ``passwd``, ``pwd``, ``pass``, and ``Password=...`` in connection
  strings (``connection_string_password``).

A value assigned to a secret-like name counts only if it is at least ``keyword_min_length``
characters, has Shannon entropy of at least ``keyword_min_entropy`` bits per character, mixes
character classes (a digit or symbol besides letters, or both cases), and is none of what
detect-secrets' filters call not a secret (templated ``{x}``, ``<x>``, ``${x}``, a UUID, a
sequential string) nor a path, URL, dotted name or ``CONSTANT_NAME``, nor name-shaped (CamelCase
class names, ``org/model`` ids, requirements: mostly whole words, ``_is_name_shaped``), nor an
identifier the same document uses as bare code. Base64 and hex strings without such a name are
never findings (test fixtures, hashes, git SHAs). ``redact_metadata`` applies the detectors to
repository names, paths and URLs, plus a URL's password and token, key and signature parameters.

How it runs over a vector: one RE2 pass (``pyarrow.compute.match_substring_regex``) with every
detector's prefilter at once marks the candidate rows (7.5% of the default corpus's Python files); those are
split into lines with Arrow kernels, and each detector's own RE2 prefilter picks the lines it
must look at (whole documents for private key blocks, which span lines). The picked lines are
joined into one string with a separator no pattern can cross, the detector's Python regexes
scan it once, and each match is mapped back to its document and offset with
``numpy.searchsorted``. Python work is per match, not per row or line; rows no detector marks
are never decoded. Overlapping findings keep the highest-priority one (private key > token >
URL password > named secret > email > IP).

Offsets and lengths are in characters (code points) of the original text, as Python indexes it:
``substring(content, char_offset + 1, char_length)`` in SQL. ``value_hash`` is the first 16 hex
digits of the SHA-256 of the value's UTF-8, which is what SQL's ``stable_hash(value)`` gives, so
a known value can be looked up without the value being stored.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Pattern

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from detect_secrets.filters.heuristic import is_potential_uuid, is_sequential_string, is_templated_secret
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.azure_storage_key import AzureStorageKeyDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.pypi_token import PypiTokenDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.square_oauth import SquareOAuthDetector
from detect_secrets.plugins.stripe import StripeDetector

from .utils import as_array

__all__ = [
    "KINDS",
    "PII_FINDING_TYPE",
    "PII_REDACTION_TYPE",
    "Finding",
    "PiiPolicy",
    "METADATA_REDACTION_TYPE",
    "find_pii",
    "redact_metadata",
    "redact_pii",
    "shannon_entropy",
    "value_hash",
]

KINDS = ("email", "ip_address", "key", "password")

PII_FINDING_TYPE = pa.struct(
    [
        ("kind", pa.string()),
        ("detector", pa.string()),
        ("char_offset", pa.int64()),
        ("char_length", pa.int64()),
        ("value_hash", pa.string()),
    ]
)
PII_REDACTION_TYPE = pa.struct([("content", pa.string()), ("findings", pa.list_(PII_FINDING_TYPE))])

# Joins the candidate documents of a batch: no pattern below matches NUL, so none crosses it.
_SEPARATOR = "\n\x00\n"


@dataclass(frozen=True)
class PiiPolicy:
    """What counts as PII and what replaces it; every field is a dbt var pii_* (knobs.yml has their
    defaults and sources), passed by the caller."""

    placeholders: dict[str, str]
    example_domains: tuple[str, ...]
    ip_allow_list: tuple[str, ...]
    keyword_min_entropy: float
    keyword_min_length: int

    def __post_init__(self) -> None:
        missing = set(KINDS) - set(self.placeholders)
        unknown = set(self.placeholders) - set(KINDS)
        if missing or unknown:
            raise ValueError(
                f"placeholders must name exactly the kinds {', '.join(KINDS)}; "
                f"missing {sorted(missing)}, unknown {sorted(unknown)}"
            )

    def to_json(self) -> str:
        return json.dumps(
            {
                "placeholders": self.placeholders,
                "example_domains": list(self.example_domains),
                "ip_allow_list": list(self.ip_allow_list),
                "keyword_min_entropy": self.keyword_min_entropy,
                "keyword_min_length": self.keyword_min_length,
            },
            sort_keys=True,
        )

    def is_example_domain(self, domain: str) -> bool:
        domain = domain.lower().rstrip(".")
        return any(domain == d or domain.endswith("." + d) for d in self.example_domains)


@dataclass(frozen=True)
class Finding:
    """One finding in one document: ``text[start:end]`` is the value."""

    doc: int
    start: int
    end: int
    kind: str
    detector: str
    priority: int


# ---------------------------------------------------------------------------------------------
# Validators: (text, start, end, policy, match) -> is this match a finding? ``text`` is the joined
# batch, ``text[start:end]`` the value.


def _line_before(text: str, start: int, limit: int = 60) -> str:
    line_start = text.rfind("\n", max(0, start - limit), start) + 1
    return text[max(line_start, start - limit) : start]


# A version, release, section or OID number rather than an address: "__version__ = ", "v", "Section ".
_VERSION_CONTEXT = re.compile(
    r"(?:version|release|\bver|(?<![a-z])v|section|chapter|§|\boid|objectid)[\w]*(?:\W{1,4}id)?\W{0,4}$",
    re.IGNORECASE,
)
# A product's version: "Guile 3.0.5.130", "SQLite 3.8.11.1", "Patreon/126.9.0.15", "(2.7.0.40)"
# after "IronPython 2.7.4"; not "Host 52.1.2.3" or "from 52.1.2.3".
_PRODUCT_VERSION_CONTEXT = re.compile(
    r"(?:(?<![\w/])(?!(?i:host|server|address|addr|from|to|at|via|proxy|gateway|peer|client|ip|dns|"
    r"mirror|upstream|remote|target|origin|node|backend)\b)[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]* v?"
    r"|[A-Za-z][\w+\-]*/v?"
    r"|[A-Za-z]\w* v?\d+(?:\.\d+)+\s*\()$"
)
# Numbers around it: SVG path data ("m46 191.66.73.35 72.18-48.2", "66.08-57.2.27.73") or a
# list of numbers, not an address.
_NUMBER_BEFORE = re.compile(r"(?:\d[\s,]+|\d-)$")
_NUMBER_AFTER = re.compile(r"[\s,]+-?\.?\d|-\.?\d")
# Not an address either: a reverse-DNS name (1.0.0.127.in-addr.arpa), a time with its zone
# (12.34.56.78+0800), a version with a build suffix (3.0.5.130-5a1e7).
_NOT_ADDRESS_AFTER = re.compile(r"\.in-addr\b|\+\d{4}\b|-[0-9a-f]*[a-f][0-9a-f]*\b")


def _is_ipv4(text: str, start: int, end: int, policy: PiiPolicy, match: re.Match) -> bool:
    value = text[start:end]
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError:
        return False
    if not address.is_global or address.is_multicast or value in policy.ip_allow_list:
        return False
    before = _line_before(text, start)
    if _VERSION_CONTEXT.search(before) or _PRODUCT_VERSION_CONTEXT.search(before):
        return False
    if _NOT_ADDRESS_AFTER.match(text, end) or (_NUMBER_BEFORE.search(before) and (
        before.endswith("-") or _NUMBER_AFTER.match(text, end)
    )):
        return False
    # Networks (a.b.c.0, a CIDR prefix) and broadcast addresses are not anyone's host.
    if value.endswith((".0", ".255")) or re.match(r"/\d", text[end : end + 2]):
        return False
    # BigCode's filter_versions: x.x.x.x of single digits is a version unless "dns" or "server"
    # is on the same line (BigCode looks 100 characters either way).
    if len(value) == 7:
        line_end = text.find("\n", end)
        context = text[text.rfind("\n", 0, start) + 1 : len(text) if line_end < 0 else line_end].lower()
        return "dns" in context or "server" in context
    return True


_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


def _is_ipv6(text: str, start: int, end: int, policy: PiiPolicy, match: re.Match) -> bool:
    value = text[start:end]
    try:
        address = ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return (
        address in _GLOBAL_UNICAST
        and address.is_global
        and value.count(":") >= 3
        and value not in policy.ip_allow_list
        and not _VERSION_CONTEXT.search(_line_before(text, start))
        and not re.match(r"(?:%\w+)?/\d", text[end : end + 32])  # a network prefix, 2620:4f:8000::/48
    )


def _is_email(text: str, start: int, end: int, policy: PiiPolicy, match: re.Match) -> bool:
    local, _, domain = text[start:end].partition("@")
    if policy.is_example_domain(domain):
        return False
    if local == "git":  # git@github.com:owner/repo.git is a service account, not a person
        return False
    # A Message-ID ("15090.61304.110929.45684@aaa.zzz.org") names a message, not a mailbox.
    if not any(c.isalpha() for c in local) or text[start - 1 : start] == "$":
        return False
    # "spam\negg@foo.py", "person@dom.ain": file names and test domains, not top-level domains
    # (real country codes that are also extensions, .rs and .md, stay).
    if domain.rsplit(".", 1)[-1].lower() in _NOT_TOP_LEVEL_DOMAINS:
        return False
    # a@self.weights and L@D@L.conjugate() are matrix products, not addresses.
    if text[start - 1 : start] == "@" or text[end : end + 1] in ("(", "["):
        return False
    return domain.split(".", 1)[0] not in ("self", "cls")


_NOT_TOP_LEVEL_DOMAINS = frozenset(
    {"py", "pyc", "pyi", "ain", "js", "ts", "txt", "rst", "cfg", "ini", "toml", "json", "yaml", "yml",
     "lock", "log", "local", "lan", "localdomain", "internal"}
)


# detect-secrets' KeywordDetector list, plus "token" and "access key" that the issue names.
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
        len(p) for p in parts
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


# ---------------------------------------------------------------------------------------------
# Detectors


@dataclass(frozen=True)
class Detector:
    """A kind of finding: an RE2 prefilter for whole rows, Python regexes for the spans.

    A pattern with a capturing group ``value`` (or, for detect-secrets' patterns, group 1)
    finds that group; otherwise the whole match.
    """

    name: str
    kind: str
    priority: int
    prefilter: str
    patterns: tuple[Pattern[str], ...]
    validate: Callable[[str, int, int, PiiPolicy, re.Match], bool] = _always
    group: int | str = 0
    # A span ends before the first match of this regex inside it (an IPv4's ":port").
    trim: str | None = None
    # Findings never span lines: the prefilter picks lines, not whole documents, and only those
    # lines are scanned (private key blocks span lines).
    line_level: bool = True
    # Token regexes fix a length (Stripe's 24 characters, GitHub's 36) that newer formats or a
    # pasted-on character exceed: extend the span over the rest of the token so no tail survives.
    extend_token: bool = False


def _bounded(patterns: Iterable[Pattern[str]]) -> tuple[Pattern[str], ...]:
    """A library pattern, anchored so it does not start inside a longer token."""
    return tuple(re.compile(r"(?<![A-Za-z0-9_])(?:" + p.pattern + ")", p.flags) for p in patterns)


# detect-secrets' BasicAuthDetector pattern, widened: sub-delimiters such as "!" or "$" may
# appear in a password (RFC 3986 allows them; the plugin excludes them), so may "#" (RFC 3986
# wants it percent-encoded, people do not), and the user may be empty ("redis://:pw@host").
_URL_PASSWORD = re.compile(r"://[^\s:/?#\[\]@'\"`]*:([^\s/?\[\]@'\"`]+)@")
# detect-secrets' IPPublicDetector octets, with boundaries that let an address end a sentence
# ("at 52.1.2.33.") but not run on into a longer dotted number; private ranges are left to
# ``ipaddress`` in the validator.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?![\w]|\.[0-9])")
_PRIVATE_KEY_LABEL = r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
_EMAIL = re.compile(
    r"(?<![\w.%+\-/])"
    r"[A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_%+\-])?"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
    r"(?![\w\-]|\.[A-Za-z0-9])"
)
# A run of hex digits and colons that could be a global unicast IPv6 address (2000::/3);
# ``ipaddress`` decides. (BigCode's alternation of every IPv6 form is ten times slower in ``re``.)
_IPV6 = re.compile(r"(?<![\w:.])[23][0-9a-fA-F]{0,3}:[0-9a-fA-F:]{2,35}(?![\w:.])")
# The secret-like word, the rest of the name, an assignment and a quoted value. The name's start
# is found by walking back over name characters (a lazy prefix here is five times slower).
_KEYWORD_ASSIGNMENT = re.compile(
    r"(?:" + _SECRET_NAME + r")[\w.\-]*"
    r"(?::\s*[\w.\[\], |]{1,40}?\s*(?==))?"  # a type annotation: api_key: str = "..."
    r"['\"\]]{0,2}\s*(?::=|=>|==?|:)\s*[@rbuf]?(?P<quote>['\"`])(?P<value>[^'\"`\s\\]{1,256})(?P=quote)",
    re.IGNORECASE,
)
_NAME_CHARACTERS = re.compile(r"[\w.\-]*$")
_ENV_DEFAULT = re.compile(
    r"(?:getenv|environ\.get|setdefault)\(\s*(?P<q1>['\"])(?P<name>[^'\"\n]{1,80})(?P=q1)\s*,\s*"
    r"(?:default\s*=\s*)?[rbuf]?(?P<quote>['\"])(?P<value>[^'\"\s\\]{1,256})(?P=quote)"
)
_ENV_ASSIGNMENT = re.compile(
    r"^[ \t]*(?:export[ \t]+|set[ \t]+)?(?P<name>[A-Z][A-Z0-9_.]*)[ \t]*=[ \t]*"
    r"(?P<quote>['\"]?)(?P<value>[^\s'\"#;`$\\][^\s'\";`$\\]{0,255})(?P=quote)(?:[ \t]+#.*)?[ \t]*$",
    re.MULTILINE,
)
_CONFIG_VALUE = re.compile(
    r"^[ \t]*(?:-[ \t]*)?(?P<name>[A-Za-z_][\w.\-]*)[ \t]*[:=][ \t]*"
    r"(?P<value>[^\s'\"#,;{}\[\]()<>]{1,256})[ \t]*$",
    re.MULTILINE,
)
_CONNECTION_STRING_PASSWORD = re.compile(
    r"(?i)(?:(?<=[\s;'\"])|^)(?:password|passwd|pwd)\s*=\s*(?P<value>[^\s;'\"&,()]{1,256})(?=[\s;'\"&,)]|$)",
    re.MULTILINE,
)


def _assigned_name(text: str, match: re.Match) -> str:
    """The whole name a keyword match belongs to (``self.db_password`` for ``password``)."""
    head = _NAME_CHARACTERS.search(text, max(0, match.start() - 128), match.start()).group()
    return head + match.group().split("'", 1)[0].split('"', 1)[0].split("=", 1)[0].split(":", 1)[0].strip()

_DETECTORS: tuple[Detector, ...] = (
    Detector(
        "private_key", "key", 0, r"PRIVATE KEY",
        (re.compile(_PRIVATE_KEY_LABEL + r"[^\x00]{0,20000}?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"),),
        _is_private_key_block, line_level=False,
    ),
    Detector(
        "private_key_truncated", "key", 0, r"PRIVATE KEY",
        # detect-secrets' markers, then the base64 body that follows (no END line).
        tuple(
            re.compile(r"-----" + p.pattern + r"-----(?:(?:\\n|[\s'\"+])*[A-Za-z0-9+/=]{40,})+")
            for p in PrivateKeyDetector.denylist
            if p.pattern.startswith("BEGIN")
        ),
        line_level=False,
    ),
    Detector(
        "aws_access_key_id", "key", 1, r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}",
        _bounded(AWSKeyDetector.denylist[:1]), extend_token=True,
    ),
    Detector(
        "aws_secret_access_key", "key", 1,
        r"(?i)aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?['\"][0-9a-zA-Z/+]{40}['\"]",
        tuple(AWSKeyDetector.denylist[1:]), _is_aws_secret, group=1,
    ),
    Detector("github_token", "key", 1, r"gh[pousr]_[A-Za-z0-9_]{36}", _bounded(GitHubTokenDetector.denylist), extend_token=True),
    Detector(
        "gitlab_token", "key", 1, r"gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-|GR1348941",
        _bounded(GitLabTokenDetector.denylist), extend_token=True,
    ),
    Detector("slack_token", "key", 1, r"(?i)xox[abposr]-|hooks\.slack\.com/services/", tuple(SlackDetector.denylist)),
    Detector("stripe_key", "key", 1, r"[rs]k_live_", _bounded(StripeDetector.denylist), extend_token=True),
    Detector(
        "google_api_key", "key", 1, r"AIza[0-9A-Za-z_\-]{35}|ya29\.",
        _bounded([re.compile(r"AIza[0-9A-Za-z_\-]{35}"), re.compile(r"ya29\.[0-9A-Za-z_\-]{20,}")]),
        extend_token=True,
    ),
    Detector("pypi_token", "key", 1, r"pypi-AgE", _bounded(PypiTokenDetector.denylist), extend_token=True),
    Detector("openai_key", "key", 1, r"T3BlbkFJ", _bounded(OpenAIDetector.denylist), extend_token=True),
    Detector("sendgrid_key", "key", 1, r"SG\.[a-zA-Z0-9_-]{22}\.", _bounded(SendGridDetector.denylist), extend_token=True),
    Detector("square_oauth_secret", "key", 1, r"sq0csp-", _bounded(SquareOAuthDetector.denylist), extend_token=True),
    Detector("azure_storage_key", "key", 1, r"AccountKey=", tuple(AzureStorageKeyDetector.denylist)),
    # The plugin's pattern ends lazily and stops before the signature: extend over it.
    Detector(
        "jwt", "key", 1, r"eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.", _bounded(JwtTokenDetector.denylist), _is_jwt,
        extend_token=True,
    ),
    Detector("url_password", "password", 2, r"://[^\s/@]*:[^\s/@]+@", (_URL_PASSWORD,), _is_url_password, group=1),
    Detector(
        "named_secret", "key", 3,
        # RE2: a secret-like name, an assignment, a quoted value of 8+ non-space characters.
        r"(?i)(?:" + _SECRET_NAME_RE2 + r")[\w.\-]*(?::\s*[\w.\[\], |]{1,40}?\s*)?['\"\]]{0,2}\s*(?::=|=>|==?|:)\s*[@rbuf]?['\"`][^'\"`\s\\]{MIN,}['\"`]",
        (_KEYWORD_ASSIGNMENT,), _is_keyword_secret, group="value",
    ),
    # The default of an environment lookup: os.getenv("DB_PASSWORD", "...").
    Detector(
        "env_default", "key", 3,
        r"(?i)(?:getenv|environ\.get|setdefault)\(\s*['\"][^'\"]*(?:" + _SECRET_NAME_RE2 + r")[^'\"]*['\"]\s*,",
        (_ENV_DEFAULT,), _is_named_value_secret, group="value",
    ),
    # Shell and .env lines: export AWS_SECRET_ACCESS_KEY=..., DB_PASSWORD=...
    Detector(
        "env_assignment", "key", 3,
        # Upper-case names only, as the pattern wants: "token = next_token()" is code.
        r"(?m)^[ \t]*(?:export[ \t]+|set[ \t]+)?[A-Z0-9_.]*(?:" + _SECRET_NAME_RE2.upper() + r")[A-Z0-9_.]*[ \t]*=[ \t]*['\"]?[^\s'\";`$\\]{MIN,}",
        (_ENV_ASSIGNMENT,), _is_named_value_secret, group="value",
    ),
    # YAML and INI keys with unquoted values: "password: ...".
    Detector(
        "config_value", "key", 3,
        r"(?mi)^[ \t]*(?:-[ \t]*)?[\w.\-]*(?:" + _SECRET_NAME_RE2 + r")[\w.\-]*[ \t]*[:=][ \t]*[^\s'\"#,;{}\[\]()<>]{MIN,}[ \t]*$",
        (_CONFIG_VALUE,), _is_named_value_secret, group="value",
    ),
    # Connection strings: "Server=db1;User Id=sa;Password=...;", "host=db password=...".
    Detector(
        "connection_string_password", "password", 3, r"(?i)(?:password|passwd|pwd)\s*=\s*[^\s;'\"&,)]{MIN,}",
        (_CONNECTION_STRING_PASSWORD,), _is_connection_string_password, group="value",
    ),
    Detector("email", "email", 4, r"[A-Za-z0-9_%+\-]@[A-Za-z0-9\-]+\.[A-Za-z]", (_EMAIL,), _is_email),
    Detector(
        "ipv4", "ip_address", 5, r"[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
        (_IPV4,), _is_ipv4,
    ),
    Detector("ipv6", "ip_address", 5, r"[23][0-9A-Fa-f]{0,3}:[0-9A-Fa-f]{0,4}:", (_IPV6,), _is_ipv6),
)


def _named_secret_kind(text: str, match: re.Match) -> str:
    name = _secret_name(match) or _assigned_name(text, match)
    return "password" if _PASSWORD_NAME.search(name) else "key"


# Detectors that judge a value by the name it is assigned to.
_NAMED_VALUE_DETECTORS = frozenset({"named_secret", "env_default", "env_assignment", "config_value"})
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
        return pa.StructArray.from_arrays([values, pa.array(kinds, pa.list_(pa.string()))], fields=list(METADATA_REDACTION_TYPE))
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
    return pa.StructArray.from_arrays([values, pa.array(kinds, pa.list_(pa.string()))], fields=list(METADATA_REDACTION_TYPE))


@lru_cache(maxsize=16)
def policy_from_json(text: str) -> PiiPolicy:
    """A policy from the JSON the dbt model passes (keys as ``PiiPolicy.to_json`` writes)."""
    raw = json.loads(text)
    return PiiPolicy(
        placeholders=dict(raw["placeholders"]),
        example_domains=tuple(raw["example_domains"]),
        ip_allow_list=tuple(raw["ip_allow_list"]),
        keyword_min_entropy=float(raw["keyword_min_entropy"]),
        keyword_min_length=int(raw["keyword_min_length"]),
    )
