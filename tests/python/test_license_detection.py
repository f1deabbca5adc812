"""License detection on real package metadata and real license files from this interpreter."""

from __future__ import annotations

import importlib.metadata
from pathlib import PurePosixPath

import pytest

from python_udfs.cli.ingest.license_files import _is_own_license_file
from python_udfs.kernels.license_detection import (
    detect_from_license_text,
    detect_from_metadata,
    is_license_file_name,
    parse_spdx_expression,
)
from tests.conftest import STDLIB


def metadata_of(name: str) -> str:
    return importlib.metadata.distribution(name).read_text("METADATA")


@pytest.mark.parametrize(
    ("distribution", "expected"),
    [
        ("numpy", "BSD-3-Clause"),  # License-Expression (PEP 639)
        ("pyarrow", "Apache-2.0"),  # License-Expression
        ("pip", "MIT"),  # trove classifier
        ("requests", "Apache-2.0"),  # trove classifier
        ("hypothesis", "MPL-2.0"),
        ("duckdb", "MIT"),
    ],
)
def test_metadata_of_installed_distributions_gives_their_license(distribution, expected):
    evidence = detect_from_metadata(metadata_of(distribution))
    assert expected in evidence.spdx_ids
    assert evidence.evidence.startswith("metadata:")


def test_cpython_license_file_is_psf_and_not_gpl():
    # CPython's LICENSE mentions "GPL-compatible" in a table; that is not a GPL text.
    ids = detect_from_license_text((STDLIB / "LICENSE.txt").read_text(encoding="utf-8"))
    assert "PSF-2.0" in ids
    assert not any(i.startswith(("GPL", "LGPL", "AGPL")) for i in ids)


# Phrases of each license's own grant text (the OSI texts), read independently of the detector.
GRANT_PHRASES = {
    "MIT": ("Permission is hereby granted, free of charge",),
    "BSD-3-Clause": ("Redistribution and use in source and binary forms", "Neither the name"),
    "Apache-2.0": ("Apache License", "Version 2.0"),
}


def own_license_files_of_single_license_distributions():
    """(distribution, path, text, license from metadata) of every installed distribution whose
    metadata names one of MIT, Apache-2.0, BSD-3-Clause, for each license-like file it ships."""
    for dist in importlib.metadata.distributions():
        from_metadata = detect_from_metadata(dist.read_text("METADATA") or "").spdx_ids
        if from_metadata not in {(name,) for name in GRANT_PHRASES}:
            continue
        for path in dist.files or []:
            if _is_own_license_file(PurePosixPath(str(path))):
                text = dist.locate_file(path).read_text(encoding="utf-8", errors="replace")
                yield dist.metadata["Name"], PurePosixPath(str(path)), text, from_metadata[0]


def test_license_files_shipped_in_dist_info_are_recognised():
    # A file holding its license's grant text is recognised as that license; a file recognised as
    # nothing holds no license's grant text (a NOTICE or a bare copyright line, never a missed text).
    recognised, empty = 0, []
    for name, path, text, license_id in own_license_files_of_single_license_distributions():
        found = detect_from_license_text(text)
        holds_grant = {spdx for spdx, phrases in GRANT_PHRASES.items() if all(p in text for p in phrases)}
        if license_id in holds_grant:
            assert license_id in found, (name, path, found)
            recognised += 1
        if not found:
            assert not holds_grant, (name, path, holds_grant)
            empty.append((name, path.name))
    assert recognised >= 40
    # The empty detections here: attribution files and a copyright line, not license texts.
    assert empty and all(file_name.startswith("NOTICE") for _, file_name in empty), empty


def test_a_notice_naming_the_licenses_of_bundled_code_is_not_the_distributions_license():
    # pyarrow's NOTICE says a bundled project is "Licensed under the MIT License" and names BSD and
    # Apache 2.0 for others: none of them is the license of the file's distribution.
    notice = next(
        text
        for name, path, text, _ in own_license_files_of_single_license_distributions()
        if name == "pyarrow" and path.name == "NOTICE.txt"
    )
    assert "Licensed under the MIT License" in notice and "(BSD, 3-clause)" in notice
    assert detect_from_license_text(notice) == ()


def test_unknown_metadata_gives_no_license():
    evidence = detect_from_metadata("Metadata-Version: 2.1\nName: x\nLicense: UNKNOWN\n")
    assert evidence.spdx_ids == ()
    assert evidence.evidence == "none"


def test_spdx_expression_lists_every_license_but_not_exceptions():
    assert parse_spdx_expression("(MIT OR Apache-2.0) AND GPL-2.0-only WITH Classpath-exception-2.0") == (
        "MIT",
        "Apache-2.0",
        "GPL-2.0-only",
    )


def test_vendored_license_files_in_dist_info_are_not_the_distributions_own():
    assert _is_own_license_file(PurePosixPath("pip-26.3.dist-info/licenses/LICENSE.txt"))
    assert _is_own_license_file(PurePosixPath("tqdm-4.70.1.dist-info/LICENCE"))
    assert not _is_own_license_file(
        PurePosixPath("pip-26.3.dist-info/licenses/src/pip/_vendor/cachecontrol/LICENSE.txt")
    )


@pytest.mark.parametrize("name", ["LICENSE", "LICENSE.txt", "licence.md", "COPYING", "LICENSE-MIT", "NOTICE"])
def test_license_file_names(name):
    assert is_license_file_name(name)


@pytest.mark.parametrize("name", ["license_detection.py", "LICENSES_BUNDLED", "README.md"])
def test_other_file_names_are_not_license_files(name):
    assert not is_license_file_name(name)
