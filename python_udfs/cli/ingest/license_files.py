"""License files inside an input: the repository's license from its top-level LICENSE/COPYING
files, and for each file the nearest recognised license file in a directory above it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath

from ...kernels.license_detection import LicenseEvidence, detect_from_license_text, is_license_file_name
from .records import IngestInput


def _license_from_files(named_texts: Iterable[tuple[str, bytes]]) -> LicenseEvidence:
    ids: set[str] = set()
    names: list[str] = []
    for name, data in named_texts:
        found = detect_from_license_text(data.decode("utf-8", errors="replace"))
        if found:
            ids.update(found)
            names.append(name)
    if ids:
        return LicenseEvidence(tuple(sorted(ids)), "file:" + ",".join(sorted(names)))
    return LicenseEvidence((), "none")


def _license_files_by_directory(item: IngestInput, max_file_bytes: int) -> dict[str, tuple[list[str], str]]:
    """(SPDX ids, license file paths) of every directory below the top level that holds a
    recognised license file. Top-level license files, and a distribution's own ones in its
    .dist-info, are the repository's evidence already (``licenses``); a license file whose text
    is not recognised is no evidence, and the search goes on upwards past it."""
    by_directory: dict[str, list[tuple[str, bytes]]] = {}
    for source_file in item.files:
        directory, _, name = source_file.path.rpartition("/")
        if not directory or not is_license_file_name(name) or source_file.size > max_file_bytes:
            continue
        if _is_own_license_file(PurePosixPath(source_file.path)):
            continue
        try:
            data = source_file.read(max_file_bytes)
        except OSError:
            continue
        if len(data) > max_file_bytes:
            continue
        by_directory.setdefault(directory, []).append((source_file.path, data))
    found = {}
    for directory, named_texts in by_directory.items():
        evidence = _license_from_files(named_texts)
        if evidence.found:
            found[directory] = (list(evidence.spdx_ids), evidence.evidence.removeprefix("file:"))
    return found


def _nearest_license_file(path: str, by_directory: dict[str, tuple[list[str], str]]) -> tuple[list[str], str | None]:
    """The license of the nearest directory above ``path`` that has one: ([], None) if none."""
    directory = path
    while "/" in directory:
        directory = directory.rpartition("/")[0]
        if directory in by_directory:
            return by_directory[directory]
    return [], None


def _is_own_license_file(rel: PurePosixPath) -> bool:
    """A license file of the distribution itself: at the top of its .dist-info directory or of
    .dist-info/licenses/. Deeper ones (pip ships licenses/src/pip/_vendor/*/LICENSE.txt) belong
    to vendored projects."""
    parts = rel.parts
    if not parts or not parts[0].endswith(".dist-info") or not is_license_file_name(rel.name):
        return False
    return len(parts) == 2 or (len(parts) == 3 and parts[1] == "licenses")
