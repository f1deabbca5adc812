"""Validators for e-mail and IP address matches: is this match someone's address, or a version
number, an example domain, a private network, SVG path data?

Every validator takes ``(text, start, end, policy, match)``: ``text`` is the joined batch,
``text[start:end]`` the value."""

from __future__ import annotations

import ipaddress
import re

from .policy import PiiPolicy


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
    if _NOT_ADDRESS_AFTER.match(text, end) or (
        _NUMBER_BEFORE.search(before) and (before.endswith("-") or _NUMBER_AFTER.match(text, end))
    ):
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
    {
        "py",
        "pyc",
        "pyi",
        "ain",
        "js",
        "ts",
        "txt",
        "rst",
        "cfg",
        "ini",
        "toml",
        "json",
        "yaml",
        "yml",
        "lock",
        "log",
        "local",
        "lan",
        "localdomain",
        "internal",
    }
)
