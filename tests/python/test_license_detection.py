"""License detection on real package metadata and real license files from this interpreter."""

from __future__ import annotations

import importlib.metadata
from pathlib import PurePosixPath

import pytest

from python_udfs.kernels.license_detection import (
    detect_from_license_text,
    detect_from_metadata,
    is_license_file_name,
    parse_spdx_expression,
)
from python_udfs.cli.ingest.license_files import _is_own_license_file
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


def test_license_files_shipped_in_dist_info_are_recognised():
    # Every installed distribution that ships a LICENSE-like file whose metadata names a single
    # well-known license should be recognised from the file text alone, for MIT/BSD/Apache texts.
    checked = 0
    for dist in importlib.metadata.distributions():
        from_metadata = detect_from_metadata(dist.read_text("METADATA") or "").spdx_ids
        if from_metadata not in {("MIT",), ("Apache-2.0",), ("BSD-3-Clause",)}:
            continue
        for path in dist.files or []:
            if _is_own_license_file(PurePosixPath(str(path))):
                text = dist.locate_file(path).read_text(encoding="utf-8", errors="replace")
                found = detect_from_license_text(text)
                if found:  # some ship only a copyright line; those are 'not found', never wrong
                    assert from_metadata[0] in found, (dist.metadata["Name"], path, found)
                    checked += 1
    assert checked >= 5


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
