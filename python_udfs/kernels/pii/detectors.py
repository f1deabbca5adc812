"""The detectors: for each kind of finding, the RE2 prefilter that picks rows and lines, the Python
regexes that find the spans (detect-secrets' plugins' patterns where it has them), the
validator that judges each match, and its priority when findings overlap."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from re import Pattern

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

from .address_validators import _is_email, _is_ipv4, _is_ipv6
from .policy import PiiPolicy
from .secret_validators import (
    _SECRET_NAME,
    _SECRET_NAME_RE2,
    _always,
    _is_aws_secret,
    _is_connection_string_password,
    _is_jwt,
    _is_keyword_secret,
    _is_named_value_secret,
    _is_private_key_block,
    _is_url_password,
)


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

_DETECTORS: tuple[Detector, ...] = (
    Detector(
        "private_key",
        "key",
        0,
        r"PRIVATE KEY",
        (re.compile(_PRIVATE_KEY_LABEL + r"[^\x00]{0,20000}?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"),),
        _is_private_key_block,
        line_level=False,
    ),
    Detector(
        "private_key_truncated",
        "key",
        0,
        r"PRIVATE KEY",
        # detect-secrets' markers, then the base64 body that follows (no END line).
        tuple(
            re.compile(r"-----" + p.pattern + r"-----(?:(?:\\n|[\s'\"+])*[A-Za-z0-9+/=]{40,})+")
            for p in PrivateKeyDetector.denylist
            if p.pattern.startswith("BEGIN")
        ),
        line_level=False,
    ),
    Detector(
        "aws_access_key_id",
        "key",
        1,
        r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}",
        _bounded(AWSKeyDetector.denylist[:1]),
        extend_token=True,
    ),
    Detector(
        "aws_secret_access_key",
        "key",
        1,
        r"(?i)aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?['\"][0-9a-zA-Z/+]{40}['\"]",
        tuple(AWSKeyDetector.denylist[1:]),
        _is_aws_secret,
        group=1,
    ),
    Detector(
        "github_token",
        "key",
        1,
        r"gh[pousr]_[A-Za-z0-9_]{36}",
        _bounded(GitHubTokenDetector.denylist),
        extend_token=True,
    ),
    Detector(
        "gitlab_token",
        "key",
        1,
        r"gl(?:pat|dt|ft|soat|rt|cbt|imt|ptt|agent|oas)-|GR1348941",
        _bounded(GitLabTokenDetector.denylist),
        extend_token=True,
    ),
    Detector("slack_token", "key", 1, r"(?i)xox[abposr]-|hooks\.slack\.com/services/", tuple(SlackDetector.denylist)),
    Detector("stripe_key", "key", 1, r"[rs]k_live_", _bounded(StripeDetector.denylist), extend_token=True),
    Detector(
        "google_api_key",
        "key",
        1,
        r"AIza[0-9A-Za-z_\-]{35}|ya29\.",
        _bounded([re.compile(r"AIza[0-9A-Za-z_\-]{35}"), re.compile(r"ya29\.[0-9A-Za-z_\-]{20,}")]),
        extend_token=True,
    ),
    Detector("pypi_token", "key", 1, r"pypi-AgE", _bounded(PypiTokenDetector.denylist), extend_token=True),
    Detector("openai_key", "key", 1, r"T3BlbkFJ", _bounded(OpenAIDetector.denylist), extend_token=True),
    Detector(
        "sendgrid_key", "key", 1, r"SG\.[a-zA-Z0-9_-]{22}\.", _bounded(SendGridDetector.denylist), extend_token=True
    ),
    Detector("square_oauth_secret", "key", 1, r"sq0csp-", _bounded(SquareOAuthDetector.denylist), extend_token=True),
    Detector("azure_storage_key", "key", 1, r"AccountKey=", tuple(AzureStorageKeyDetector.denylist)),
    # The plugin's pattern ends lazily and stops before the signature: extend over it.
    Detector(
        "jwt",
        "key",
        1,
        r"eyJ[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.",
        _bounded(JwtTokenDetector.denylist),
        _is_jwt,
        extend_token=True,
    ),
    Detector("url_password", "password", 2, r"://[^\s/@]*:[^\s/@]+@", (_URL_PASSWORD,), _is_url_password, group=1),
    Detector(
        "named_secret",
        "key",
        3,
        # RE2: a secret-like name, an assignment, a quoted value of 8+ non-space characters.
        r"(?i)(?:"
        + _SECRET_NAME_RE2
        + r")[\w.\-]*(?::\s*[\w.\[\], |]{1,40}?\s*)?['\"\]]{0,2}\s*(?::=|=>|==?|:)\s*[@rbuf]?['\"`][^'\"`\s\\]{MIN,}['\"`]",
        (_KEYWORD_ASSIGNMENT,),
        _is_keyword_secret,
        group="value",
    ),
    # The default of an environment lookup: os.getenv("DB_PASSWORD", "...").
    Detector(
        "env_default",
        "key",
        3,
        r"(?i)(?:getenv|environ\.get|setdefault)\(\s*['\"][^'\"]*(?:" + _SECRET_NAME_RE2 + r")[^'\"]*['\"]\s*,",
        (_ENV_DEFAULT,),
        _is_named_value_secret,
        group="value",
    ),
    # Shell and .env lines: export AWS_SECRET_ACCESS_KEY=..., DB_PASSWORD=...
    Detector(
        "env_assignment",
        "key",
        3,
        # Upper-case names only, as the pattern wants: "token = next_token()" is code.
        r"(?m)^[ \t]*(?:export[ \t]+|set[ \t]+)?[A-Z0-9_.]*(?:"
        + _SECRET_NAME_RE2.upper()
        + r")[A-Z0-9_.]*[ \t]*=[ \t]*['\"]?[^\s'\";`$\\]{MIN,}",
        (_ENV_ASSIGNMENT,),
        _is_named_value_secret,
        group="value",
    ),
    # YAML and INI keys with unquoted values: "password: ...".
    Detector(
        "config_value",
        "key",
        3,
        r"(?mi)^[ \t]*(?:-[ \t]*)?[\w.\-]*(?:"
        + _SECRET_NAME_RE2
        + r")[\w.\-]*[ \t]*[:=][ \t]*[^\s'\"#,;{}\[\]()<>]{MIN,}[ \t]*$",
        (_CONFIG_VALUE,),
        _is_named_value_secret,
        group="value",
    ),
    # Connection strings: "Server=db1;User Id=sa;Password=...;", "host=db password=...".
    Detector(
        "connection_string_password",
        "password",
        3,
        r"(?i)(?:password|passwd|pwd)\s*=\s*[^\s;'\"&,)]{MIN,}",
        (_CONNECTION_STRING_PASSWORD,),
        _is_connection_string_password,
        group="value",
    ),
    Detector("email", "email", 4, r"[A-Za-z0-9_%+\-]@[A-Za-z0-9\-]+\.[A-Za-z]", (_EMAIL,), _is_email),
    Detector(
        "ipv4",
        "ip_address",
        5,
        r"[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]",
        (_IPV4,),
        _is_ipv4,
    ),
    Detector("ipv6", "ip_address", 5, r"[23][0-9A-Fa-f]{0,3}:[0-9A-Fa-f]{0,4}:", (_IPV6,), _is_ipv6),
)


# Detectors that judge a value by the name it is assigned to.
_NAMED_VALUE_DETECTORS = frozenset({"named_secret", "env_default", "env_assignment", "config_value"})
