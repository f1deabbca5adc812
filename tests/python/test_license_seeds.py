"""The license seeds: licenses.csv (SPDX id -> family) and license_aliases.csv (spelling -> SPDX id).

The license policy joins raw license strings to these seeds in SQL, so a gap here silently turns a
known license into family 'unknown' (and drops its files). These checks keep the two seeds
consistent with each other and with every id that ingest's license detection can emit.
"""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest

from python_udfs.kernels import license_detection

SEEDS = Path(__file__).parents[2] / "seeds"
FAMILIES = {"permissive", "weak_copyleft", "strong_copyleft", "public_domain", "proprietary", "unknown"}


def read_seed(name: str, header: list[str]) -> list[dict[str, str]]:
    with (SEEDS / name).open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == header, f"{name}: header {reader.fieldnames}, expected {header}"
        rows = list(reader)
    for line, row in enumerate(rows, start=2):
        assert None not in row and all(v is not None for v in row.values()), f"{name}:{line}: wrong field count {row}"
    return rows


@pytest.fixture(scope="module")
def licenses() -> list[dict[str, str]]:
    return read_seed("licenses.csv", ["spdx_id", "family", "name"])


@pytest.fixture(scope="module")
def aliases() -> list[dict[str, str]]:
    return read_seed("license_aliases.csv", ["alias", "spdx_id"])


def duplicates(values: list[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def test_enough_licenses(licenses):
    assert len(licenses) >= 60


def test_fields_are_filled_and_trimmed(licenses, aliases):
    for row in licenses + aliases:
        for column, value in row.items():
            assert value and value == value.strip(), f"{column} empty or padded in {row}"


def test_families_are_known(licenses):
    unknown = {row["spdx_id"]: row["family"] for row in licenses if row["family"] not in FAMILIES}
    assert not unknown


def test_spdx_ids_are_unique(licenses):
    assert not duplicates([row["spdx_id"] for row in licenses])
    # The alias join is case-insensitive, so ids must not differ only by case either.
    assert not duplicates([row["spdx_id"].lower() for row in licenses])


def test_aliases_are_unique(aliases):
    assert not duplicates([row["alias"] for row in aliases])


def test_aliases_are_normalised(aliases):
    # The SQL join looks aliases up as lower(regexp_replace(trim(raw), '\s+', ' ')).
    not_normal = [row["alias"] for row in aliases if row["alias"] != " ".join(row["alias"].lower().split())]
    assert not not_normal


def test_alias_targets_exist(licenses, aliases):
    ids = {row["spdx_id"] for row in licenses}
    dangling = sorted({row["spdx_id"] for row in aliases} - ids)
    assert not dangling


def test_every_spdx_id_is_its_own_alias(licenses, aliases):
    alias_to_id = {row["alias"]: row["spdx_id"] for row in aliases}
    missing = [row["spdx_id"] for row in licenses if alias_to_id.get(row["spdx_id"].lower()) != row["spdx_id"]]
    assert not missing


def test_every_detectable_id_is_a_known_license(licenses):
    detectable = (
        set(license_detection._CLASSIFIER_TO_SPDX.values())
        | set(license_detection._SHORT_NAME_TO_SPDX.values())
        | {spdx_id for spdx_id, _phrases in license_detection._TEXT_RULES}
    )
    assert detectable, "found no ids in python_udfs.kernels.license_detection"
    missing = sorted(detectable - {row["spdx_id"] for row in licenses})
    assert not missing
