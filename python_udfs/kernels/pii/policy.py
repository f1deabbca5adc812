"""What PII redaction finds and what it writes: the kinds, the policy (placeholders, allow-lists,
thresholds; their defaults and sources are in knobs.yml), and the Arrow types of findings."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import pyarrow as pa

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
