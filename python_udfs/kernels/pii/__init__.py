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
class names, ``org/model`` ids, requirements: mostly whole words, ``secret_validators._is_name_shaped``), nor an
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

from .metadata import METADATA_REDACTION_TYPE, redact_metadata
from .policy import (
    KINDS,
    PII_FINDING_TYPE,
    PII_REDACTION_TYPE,
    Finding,
    PiiPolicy,
    policy_from_json,
)
from .redaction import find_pii, redact_pii, value_hash
from .secret_validators import shannon_entropy

__all__ = [
    "KINDS",
    "METADATA_REDACTION_TYPE",
    "PII_FINDING_TYPE",
    "PII_REDACTION_TYPE",
    "Finding",
    "PiiPolicy",
    "find_pii",
    "policy_from_json",
    "redact_metadata",
    "redact_pii",
    "shannon_entropy",
    "value_hash",
]
