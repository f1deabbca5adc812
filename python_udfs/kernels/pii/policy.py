"""What PII redaction finds and what it writes: the kinds, the policy (placeholders, allow-lists,
thresholds) with its defaults and their sources, and the Arrow types of findings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

import pyarrow as pa

KINDS = ("email", "ip_address", "key", "password")

# StarCoder's PII redaction placeholders (bigcode-dataset pii/, the StarCoder paper section 4).
DEFAULT_PLACEHOLDERS = {"email": "<EMAIL>", "ip_address": "<IP_ADDRESS>", "key": "<KEY>", "password": "<PASSWORD>"}
# Domains reserved for examples and documentation: RFC 2606 and RFC 6761.
DEFAULT_EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org", "example", "test", "invalid", "localhost")
# bigcode-dataset pii/pii_redaction.py POPULAR_DNS_SERVERS: public knowledge, not PII.
DEFAULT_IP_ALLOW_LIST = (
    "8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "76.76.19.19", "76.223.122.150", "9.9.9.9",
    "149.112.112.112", "208.67.222.222", "208.67.220.220", "8.26.56.26", "8.20.247.20",
    "94.140.14.14", "94.140.15.15",
)
# detect-secrets' HexHighEntropyString limit (3.0 bits per character). Its Base64 limit (4.5)
# is for long free-standing strings; a value a secret-like name vouches for is judged on the
# lower one, and must be at least 8 characters (NIST SP 800-63B's minimum password length).
DEFAULT_KEYWORD_MIN_ENTROPY = 3.0
DEFAULT_KEYWORD_MIN_LENGTH = 8

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


@dataclass(frozen=True)
class PiiPolicy:
    """What counts as PII and what replaces it; every field is a dbt var (see dbt_project.yml)."""

    placeholders: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PLACEHOLDERS))
    example_domains: tuple[str, ...] = DEFAULT_EXAMPLE_DOMAINS
    ip_allow_list: tuple[str, ...] = DEFAULT_IP_ALLOW_LIST
    keyword_min_entropy: float = DEFAULT_KEYWORD_MIN_ENTROPY
    keyword_min_length: int = DEFAULT_KEYWORD_MIN_LENGTH

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
