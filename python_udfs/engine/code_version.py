"""The version of winnow's per-document code, for the incremental caches.

A cached signature, redaction or token list is valid only for the code that computed it: the
caches key their rows by a fingerprint that includes this digest, so upgrading winnow (or editing
any function in this package) recomputes them instead of mixing outputs of two versions.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

__all__ = ["code_version"]

PACKAGE = Path(__file__).resolve().parents[1]
# Libraries whose behaviour the per-document outputs depend on (tokenisation, secret detection).
LIBRARIES = ("tokenizers", "tiktoken", "detect-secrets")


@lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-256 (first 16 hex digits) over the paths (relative to the package, so the checkout's
    location does not matter) and bytes of every module of the package and its subpackages, in
    path order, and the installed versions of LIBRARIES. Conservative: any change to any module
    changes it."""
    digest = hashlib.sha256()
    for module in sorted(PACKAGE.rglob("*.py"), key=lambda path: path.relative_to(PACKAGE).as_posix()):
        relative = module.relative_to(PACKAGE).as_posix()
        digest.update(relative.encode() + b"\x1f" + module.read_bytes() + b"\x1e")
    for library in LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:
            version = "absent"
        digest.update(f"{library}=={version}".encode() + b"\x1e")
    return digest.hexdigest()[:16]
