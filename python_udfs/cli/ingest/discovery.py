"""Finding the files of an input: a source tree (walked without following symlinks, special
files and unlistable directories skipped with a reason), the standard library, installed
distributions."""

from __future__ import annotations

import importlib.metadata
import os
import stat
import sysconfig
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

from ...kernels.license_detection import LicenseEvidence, detect_from_metadata, is_license_file_name
from .license_files import _is_own_license_file, _license_from_files
from .records import IngestInput, SourceFile

_SKIPPED_DIRS = {"__pycache__", ".git", ".hg", ".svn", ".tox", ".mypy_cache", ".pytest_cache"}


def _read_file(path: Path):
    def read(limit: int) -> bytes:
        # O_NONBLOCK and the fstat check: a file swapped for a FIFO or a symlink after the walk
        # is refused instead of blocking or being followed.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"{path} is no longer a regular file")
            return handle.read(limit + 1)

    return read


def _entry_skip_reason(mode: int) -> str | None:
    """The skip reason of a directory entry that is not a regular file (lstat mode)."""
    if stat.S_ISREG(mode):
        return None
    return "symlink" if stat.S_ISLNK(mode) else "special_file"


def _walk_tree(root: Path) -> Iterator[tuple[str, Path | None, int, str | None]]:
    """Sorted (relative path, absolute path, size, pre-skip reason) for every entry under root.

    Every entry appears: regular files, symlinks (never followed), special files (never opened),
    directories that cannot be listed, and what lies under cache and VCS directories.
    """
    unlistable: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=unlistable.append):
        for error in unlistable:
            yield _relative(Path(error.filename), root), None, 0, "unreadable"
        unlistable.clear()
        here = Path(dirpath)
        in_skipped_dir = any(part in _SKIPPED_DIRS for part in here.relative_to(root).parts)
        entries = sorted(filenames + [d for d in dirnames if (here / d).is_symlink()])
        dirnames[:] = sorted(d for d in dirnames if not (here / d).is_symlink())
        for name in entries:
            full = here / name
            try:
                info = full.lstat()
            except OSError:
                yield _relative(full, root), None, 0, "unreadable"
                continue
            reason = _entry_skip_reason(info.st_mode)
            if in_skipped_dir:
                reason = "cache_or_vcs_dir"
            size = info.st_size if stat.S_ISREG(info.st_mode) else 0
            yield _relative(full, root), None if reason else full, size, reason
    for error in unlistable:
        yield _relative(Path(error.filename), root), None, 0, "unreadable"


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path != root else "."


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def tree_input(root: Path, repo: str | None = None, exclude: Iterable[str] = ()) -> IngestInput:
    """A local source tree. License from PKG-INFO/METADATA at the root, else LICENSE-like files."""
    root = root.resolve()
    excluded = tuple(e.rstrip("/") + "/" for e in exclude)
    item = IngestInput(repo=repo or root.name, origin=str(root), license=LicenseEvidence((), "none"), location=root)
    license_files: list[tuple[str, bytes]] = []
    metadata_text = None
    for rel, full, size, reason in _walk_tree(root):
        if excluded and (rel + "/").startswith(excluded):
            continue
        if reason:
            item.pre_skipped.append((rel, reason, size))
            continue
        if "/" not in rel and rel in {"PKG-INFO", "METADATA"}:
            metadata_text = full.read_text(encoding="utf-8", errors="replace")
        if "/" not in rel and is_license_file_name(rel):
            license_files.append((rel, full.read_bytes()))
        item.files.append(SourceFile(rel, size, _read_file(full)))
    evidence = detect_from_metadata(metadata_text) if metadata_text else LicenseEvidence((), "none")
    item.license = evidence if evidence.found else _license_from_files(license_files)
    return item


def stdlib_input(modules: Iterable[str] | None = None) -> IngestInput:
    """The running interpreter's standard library as repo ``python/cpython`` (paths under Lib/).

    ``modules`` limits it to some top-level packages or modules (``json``, ``email``,
    ``typing.py``); site-packages is never part of it.
    """
    root = Path(sysconfig.get_paths()["stdlib"])
    license_path = root / "LICENSE.txt"
    evidence = (
        _license_from_files([("LICENSE.txt", license_path.read_bytes())])
        if license_path.exists()
        else LicenseEvidence((), "none")
    )
    if not evidence.found:
        evidence = LicenseEvidence(("PSF-2.0",), "stdlib")
    item = IngestInput(repo="python/cpython", origin="stdlib", license=evidence, location=root)
    wanted = set(modules) if modules else None
    for rel, full, size, reason in _walk_tree(root):
        top = rel.split("/", 1)[0]
        if top in {"site-packages", "dist-packages"} or top.startswith("config-"):
            continue
        if wanted is not None and top not in wanted and top.removesuffix(".py") not in wanted:
            continue
        path = "Lib/" + rel
        if reason:
            item.pre_skipped.append((path, reason, size))
        else:
            item.files.append(SourceFile(path, size, _read_file(full)))
    return item


def distribution_inputs(names: Iterable[str] | None = None) -> list[IngestInput]:
    """Installed distributions of the running interpreter, one repo ``pypi/<name>`` each.

    Files come from the distribution's RECORD (paths relative to site-packages); files outside
    site-packages (scripts in bin/) and editable installs without a RECORD are left out.
    """
    # None means every installed distribution; an empty list means none.
    wanted = {n.lower().replace("_", "-") for n in names} if names is not None else None
    by_name: dict[str, importlib.metadata.Distribution] = {}
    for dist in importlib.metadata.distributions():
        name = (dist.metadata["Name"] or "").lower().replace("_", "-")
        if not name or (wanted is not None and name not in wanted) or name in by_name:
            continue
        if wanted is None and name == "winnow":
            continue  # the tool itself (an editable install) is not part of the default corpus
        by_name[name] = dist
    missing = (wanted or set()) - set(by_name)
    if missing:
        raise SystemExit(
            f"winnow ingest: distribution(s) not installed here: {', '.join(sorted(missing))}. "
            "Check the names with `pip list`."
        )
    inputs = []
    for name in sorted(by_name):
        dist = by_name[name]
        files = dist.files or []
        evidence = detect_from_metadata(dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "")
        license_files = []
        item = IngestInput(
            repo=f"pypi/{name}",
            origin=f"site-packages:{name}",
            license=evidence,
            location=Path(str(dist.locate_file(""))),
        )
        for record_path in sorted(files, key=lambda p: str(p)):
            rel = PurePosixPath(str(record_path))
            if rel.parts and rel.parts[0] == "..":
                continue
            full = Path(str(dist.locate_file(record_path)))
            rel_str = rel.as_posix()
            try:
                mode = full.lstat().st_mode
            except OSError:
                # RECORD lists it, the disk does not have it (deleted after install).
                item.pre_skipped.append((rel_str, "missing", 0))
                continue
            if stat.S_ISDIR(mode):
                continue
            if "__pycache__" in rel.parts:
                item.pre_skipped.append((rel_str, "cache_or_vcs_dir", _size(full)))
                continue
            reason = _entry_skip_reason(mode)
            if reason:
                item.pre_skipped.append((rel_str, reason, 0))
                continue
            if _is_own_license_file(rel):
                license_files.append((rel_str, full.read_bytes()))
            item.files.append(SourceFile(rel_str, _size(full), _read_file(full)))
        if not item.license.found:
            item.license = _license_from_files(license_files)
        if item.files or item.pre_skipped:
            inputs.append(item)
    return inputs
