"""Provenance for the shard manifest: file digests, package versions, the git commit.

Everything here is a pure function of files and the environment, with nothing that differs between
two runs on the same inputs (no timestamps, no temporary paths), so manifests of reruns are
byte-identical.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import platform
import subprocess
from pathlib import Path

__all__ = ["PACKAGES", "display_path", "environment_state", "file_sha256", "git_commit", "versions"]

# The packages whose versions decide the bytes of the shards: the engine and dbt, the tokeniser
# and its fast path, MinHash, pyarrow, and numpy, which writes the .npy and .bin files.
PACKAGES = ("duckdb", "dbt-core", "dbt-duckdb", "tokenizers", "tiktoken", "datasketch", "pyarrow", "numpy")


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file, read in 1 MiB blocks (memory stays flat for any size)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def display_path(path: str | os.PathLike, root: str | os.PathLike) -> str:
    """``path`` relative to ``root`` when inside it (so moving a project does not change the
    manifest), else absolute; always '/'-separated."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(os.path.abspath(root)).as_posix()
    except ValueError:
        return absolute.as_posix()


def versions() -> dict[str, str]:
    """Python's version and each of ``PACKAGES``' installed versions."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def git_commit(*directories: str | os.PathLike) -> dict[str, object]:
    """The commit checked out in the first of ``directories`` that is in a git work tree, and
    whether tracked files differ from it; ``{"commit": None}`` when none is."""
    for directory in directories:
        try:
            commit = subprocess.run(
                ["git", "-C", str(directory), "rev-parse", "HEAD"],
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            ).stdout.strip()
            status = subprocess.run(
                ["git", "-C", str(directory), "status", "--porcelain", "--untracked-files=no"],
                capture_output=True,
                text=True,
                check=True,
                timeout=30,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        return {"commit": commit, "tracked_changes": bool(status.strip())}
    return {"commit": None, "tracked_changes": None}


def environment_state(directory: str | os.PathLike) -> str:
    """The provenance a manifest records that no table holds, as canonical JSON: package versions
    and the git commit of ``directory`` (or of this package). Part of the memoized export's
    fingerprint, so a new commit or upgrade writes a manifest that says so."""
    return json.dumps(
        {"versions": versions(), "git": git_commit(directory, Path(__file__).resolve().parents[1])}, sort_keys=True
    )
