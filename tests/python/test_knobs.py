"""knobs.yml is the one home of every var: the copies generated from it are current, every var has a
spec the validator checks, and no var has a second default anywhere else."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml

from python_udfs import knobs
from tests.conftest import PROJECT_ROOT

KNOBS = knobs.load_knobs()


def test_generated_copies_are_current():
    assert knobs.main(["--check"]) == 0, "run `winnow knobs --write` after editing knobs.yml"


def test_check_names_a_stale_copy_and_write_repairs_it(tmp_path, capsys):
    for name in (
        "knobs.yml",
        "dbt_project.yml",
        *(str(p.relative_to(PROJECT_ROOT)) for p in (PROJECT_ROOT / "models").rglob("*.yml")),
    ):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    (tmp_path / "knobs.yml").write_text(
        (tmp_path / "knobs.yml")
        .read_text()
        .replace(
            "  seq_len:\n    stage: packing\n    default: 2048", "  seq_len:\n    stage: packing\n    default: 4096"
        )
    )
    assert knobs.main(["--check", "--root", str(tmp_path)]) == 1
    assert "dbt_project.yml differs from knobs.yml" in capsys.readouterr().err
    assert knobs.main(["--write", "--root", str(tmp_path)]) == 0
    assert knobs.main(["--check", "--root", str(tmp_path)]) == 0
    assert yaml.safe_load((tmp_path / "dbt_project.yml").read_text())["vars"]["seq_len"] == 4096
    assert "seq_len: 4096" not in (tmp_path / "knobs.yml").read_text()


def test_every_var_of_dbt_project_is_a_knob_and_every_knob_a_var_with_its_default():
    project_vars = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]
    assert list(project_vars) == list(KNOBS)
    for name, value in project_vars.items():
        assert value == KNOBS[name]["default"] and type(value) is type(KNOBS[name]["default"]), name


def test_every_knob_has_a_validation_spec_and_a_credited_source():
    for name, knob in KNOBS.items():
        assert knob["type"] in knobs.TYPES, name
        if knob["type"] in ("int", "float"):
            low, high = knob["range"]
            assert low <= high, name
        if knob["type"] in ("enum",):
            assert knob["choices"], name
        assert re.match(r"[^:]+: ", knob["source"]), f"{name}: source must read 'Project: value ...'"
    specs = (PROJECT_ROOT / "macros" / "knob_specs.sql").read_text()
    assert all(f'"{name}": {{"type": ' in specs for name in KNOBS)


def test_each_default_passes_its_own_spec_and_the_loader_refuses_one_that_does_not(tmp_path):
    for name, knob in KNOBS.items():
        assert knobs.value_problems(name, knob["default"], knob) == [], name
    registry = (
        (PROJECT_ROOT / "knobs.yml")
        .read_text()
        .replace(
            "    default: 0.7\n    type: float\n    range: [0, 1]\n    exclusive: true",
            "    default: 1.0\n    type: float\n    range: [0, 1]\n    exclusive: true",
        )
    )
    (tmp_path / "knobs.yml").write_text(registry)
    with pytest.raises(knobs.KnobError, match=r"near_dedup_threshold.*strictly between 0 and 1"):
        knobs.load_knobs(tmp_path / "knobs.yml")


def test_the_loader_refuses_a_knob_without_a_source_or_with_an_unknown_field(tmp_path):
    (tmp_path / "knobs.yml").write_text("knobs:\n  x: {stage: s, default: 1, type: int, range: [0, 2], read_by: []}\n")
    with pytest.raises(knobs.KnobError, match="knob x lacks source"):
        knobs.load_knobs(tmp_path / "knobs.yml")
    (tmp_path / "knobs.yml").write_text(
        "knobs:\n  x: {stage: s, default: 1, type: int, range: [0, 2], read_by: [], source: 'a: 1', defualt: 2}\n"
    )
    with pytest.raises(knobs.KnobError, match="unknown fields defualt"):
        knobs.load_knobs(tmp_path / "knobs.yml")


def test_value_problems_name_the_var_the_value_and_what_it_must_be():
    assert knobs.value_problems("url_dedup", "yes", KNOBS["url_dedup"]) == [
        'var url_dedup = "yes" must be true or false'
    ]
    assert knobs.value_problems("near_dedup_bands", None, KNOBS["near_dedup_bands"]) == []
    assert knobs.value_problems("export_formats", ["parquet", "tfrecord"], KNOBS["export_formats"]) == [
        "var export_formats names an unknown format 'tfrecord'; known: parquet, megatron, npy, nanogpt"
    ]
    assert knobs.value_problems("pii_placeholders", {"email": "<E>", "phone": "<P>"}, KNOBS["pii_placeholders"]) == [
        "var pii_placeholders has key 'phone'; keys must be among: email, ip_address, key, password",
        "var pii_placeholders lacks key 'ip_address'; it must map each of: email, ip_address, key, password",
        "var pii_placeholders lacks key 'key'; it must map each of: email, ip_address, key, password",
        "var pii_placeholders lacks key 'password'; it must map each of: email, ip_address, key, password",
    ]
    assert knobs.value_problems(
        "gopher_max_top_ngram_char_fraction", {"2": float("nan")}, KNOBS["gopher_max_top_ngram_char_fraction"]
    ) == ["var gopher_max_top_ngram_char_fraction[2] = NaN must be a finite number"]


def test_disagreeing_credits_are_resolved_once():
    # datatrove's NGramsDecontConfig.n_grams is 12; winnow's 10 is its own.
    assert "n_grams = 12" in KNOBS["decontamination_ngram_size"]["source"]
    assert KNOBS["decontamination_ngram_size"]["source"].startswith("winnow: 10")
    assert KNOBS["min_alphabetic_fraction"]["source"].startswith("StarCoder: 0.25")
    assert KNOBS["min_alphanumeric_fraction"]["source"].startswith("codeparrot-clean: 0.25")
    assert len(KNOBS["pii_ip_allow_list"]["default"]) == 14


def test_mixture_max_epochs_is_bounded_by_the_mixture_rows_epoch_limit():
    macro = (PROJECT_ROOT / "macros" / "validate_seed_numbers.sql").read_text()
    limit = re.search(r"macro mixture_epochs_limit\(\)\s*%}\s*{{ return\((\d+)\) }}", macro).group(1)
    assert KNOBS["mixture_max_epochs"]["range"][1] == int(limit)


def _code_files():
    for folder in ("macros", "models", "python_udfs"):
        for path in (PROJECT_ROOT / folder).rglob("*"):
            if path.suffix in (".sql", ".py", ".yml") and path.name not in ("knob_specs.sql", "knobs.py"):
                yield path, path.read_text(encoding="utf-8")


# Constants named like a knob that are not one, and why.
NOT_KNOBS = {
    "records.py: DEFAULT_MAX_FILE_BYTES": "ingest's own cap on one file read from a tree or archive, not the filter's var",
}


def test_no_var_has_a_second_default_in_macros_models_or_python():
    second_defaults = []
    for path, text in _code_files():
        # var('name', default) in SQL or Jinja: dbt_project.yml always sets the var, so a default here
        # could only disagree with it.
        second_defaults += [
            f"{path.name}: {m.group(0)}" for m in re.finditer(r"\bvar\(\s*['\"]\w+['\"]\s*,[^)]*\)", text)
        ]
        if path.suffix == ".py":
            # dbt.config.get("name") or fallback in a Python model: the config always carries the var.
            second_defaults += [
                f"{path.name}: {m.group(0)}"
                for m in re.finditer(r"config\.get\(\"(\w+)\"\)\s+or\s+\S+", text)
                if m.group(1) in KNOBS
            ]
            # DEFAULT_NAME = ... copying a knob's default under the knob's name.
            second_defaults += [
                f"{path.name}: {m.group(0)}"
                for m in re.finditer(r"^(DEFAULT_\w+)\s*=", text, re.M)
                if any(
                    name.upper().endswith(m.group(1).removeprefix("DEFAULT_"))
                    or m.group(1).removeprefix("DEFAULT_") in name.upper()
                    for name in KNOBS
                )
            ]
    assert [found for found in second_defaults if found.removesuffix(" =") not in NOT_KNOBS] == []


def test_no_macro_or_model_checks_a_var_range_of_its_own():
    """validate_vars checks every var from knob_specs(); a second check elsewhere drifts from it."""
    own_checks = [
        f"{path.name}: {m.group(0)}"
        for path, text in _code_files()
        if path.suffix == ".sql" and path.name != "validate_vars.sql"
        for m in re.finditer(r"raise_compiler_error\((?:(?!\}\}).)*?\"vars? \w+(?:(?!\}\}).)*\}\}", text, re.S)
        if "knob_specs()" not in m.group(0)
    ]
    assert own_checks == []
