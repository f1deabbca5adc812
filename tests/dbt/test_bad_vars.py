"""Bad vars stop a build before any model runs, each named with what it must be."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from python_udfs.cli.var_lineage import project_vars, var_readers
from python_udfs.knobs import load_knobs, value_problems
from tests.conftest import PROJECT_ROOT, make_dbt_project

pytestmark = pytest.mark.dbt

KNOBS = load_knobs()


def build_with_vars(project, bad_vars: dict | str):
    """`dbt build` with vars that must stop it; a str is passed as it is (YAML: .nan, .inf)."""
    result = project.dbt("build", "--vars", bad_vars if isinstance(bad_vars, str) else json.dumps(bad_vars))
    assert result.returncode != 0
    assert "bad vars" in result.stdout, result.stdout[-3000:]
    built = (
        project.query("select count(*) from duckdb_tables()") if (project.root / "winnow.duckdb").exists() else [(0,)]
    )
    assert built == [(0,)], "a model or seed was built before the vars were checked"
    return result.stdout


def test_every_bad_var_is_named_at_once_and_nothing_is_built(dbt_project):
    output = build_with_vars(
        dbt_project,
        {
            "seed": "forty-two",
            "max_lines": -1,
            "min_alphanumeric_fraction": 2,
            "near_dedup_threshold": 1.0,
            "near_dedup_num_perm": 128,
            "near_dedup_bands": 20,
            "near_dedup_rows": 10,
            "exact_dedup_normalisation": "lowercase",
            "license_families_allowed": ["permissive", "copyleft"],
            "language_allow_list": "python",
            "fim_rate": 1.5,
            "tokenizer_engine": "sentencepiece",
            "spdx_header_scan_lines": 5000,
        },
    )
    for expected in [
        'var seed = "forty-two" must be an integer',
        "var max_lines = -1 must be between 1 and 4294967295",
        "var min_alphanumeric_fraction = 2 must be between 0 and 1",
        "var near_dedup_threshold = 1.0 must be a number strictly between 0 and 1",
        "near_dedup_bands x near_dedup_rows = 20 x 10 = 200 do not fit into near_dedup_num_perm = 128",
        'var exact_dedup_normalisation = "lowercase" is not one of',
        "unknown license family 'copyleft'",
        'var language_allow_list = "python" must be a non-empty list',
        "var fim_rate = 1.5 must be between 0 and 1",
        'var tokenizer_engine = "sentencepiece" is not one of',
        "var spdx_header_scan_lines = 5000 must be between 0 and 1001",
    ]:
        assert expected in output, output[-3000:]


def test_bad_packing_and_export_vars_are_named(dbt_project):
    output = build_with_vars(
        dbt_project,
        {
            "seq_len": 1,
            "packing_strategy": "greedy",
            "packing_tail": "wrap",
            "validation_fraction": 1.5,
            "export_formats": ["parquet", "tfrecord"],
            "export_tokens_per_shard": 0,
        },
    )
    for expected in [
        "var seq_len = 1 must be between 2 and 1048576",
        'var packing_strategy = "greedy" is not one of: concat, best_fit',
        'var packing_tail = "wrap" is not one of: drop, pad',
        "var validation_fraction = 1.5 must be between 0 and 1",
        "var export_formats names an unknown format 'tfrecord'",
        "var export_tokens_per_shard = 0 must be between 1 and 2147483647",
    ]:
        assert expected in output, output[-3000:]


def test_nan_infinite_and_unbounded_vars_are_named(dbt_project):
    output = build_with_vars(
        dbt_project,
        "{fim_rate: .nan, near_dedup_threshold: .nan, max_mean_line_length: .inf, "
        "max_line_length: 10000000000, mixture_max_epochs: 1000000000, "
        "gopher_max_top_ngram_char_fraction: {2: .nan, 3: 0.18, 4: 0.16}}",
    )
    for expected in [
        "var fim_rate = NaN must be a finite number",
        "var near_dedup_threshold = NaN must be a finite number",
        "var max_mean_line_length = Infinity must be a finite number",
        "var max_line_length = 10000000000 must be between 1 and 4294967295 (StarCoder: 1000; at most 4 GiB",
        "var mixture_max_epochs = 1000000000 must be between 0 and 100",
        "var gopher_max_top_ngram_char_fraction[2] = NaN must be a finite number",
    ]:
        assert expected in output, output[-3000:]


BAD_SEED_NUMBERS = {
    "mixtures": """mixture,source,weight,epochs,temperature,total_tokens,fim_rate,fim_spm_rate
pretrain,*,,,1,,0.5,0.5
many,default,,1e9,,,,
nan,default,nan,,,,,
inf,docs,,inf,,,,
cold,default,,,0.001,,,
sized,default,1.0,,,1.5,,2
""",
    "corpus_sources": """source_name,parquet_glob,flavour,weight,epochs,tier,default_license
default,data/raw/default/*.parquet,winnow,1.0,,1,
docs,data/raw/docs/*.parquet,winnow,,-inf,1,
text,data/raw/text/*.parquet,text,1.0,,0,
""",
}


def test_bad_numbers_in_the_seeds_stop_the_build_at_once_naming_the_row(dbt_project):
    """1e9 epochs would copy every file 1e9 times in fct_mixture: it must stop before any model."""
    for seed, text in BAD_SEED_NUMBERS.items():
        (dbt_project.root / "seeds" / f"{seed}.csv").write_text(text)
    started = time.monotonic()
    result = dbt_project.dbt("build")
    assert result.returncode != 0
    assert time.monotonic() - started < 120
    assert not (dbt_project.root / "winnow.duckdb").exists() or dbt_project.query(
        "select count(*) from duckdb_tables()"
    ) == [(0,)], "a seed or model was built before the numbers were checked"
    for expected in [
        "bad numbers in the seeds, nothing was built: 8 problem(s)",
        "seeds/mixtures.csv, mixture 'many', source 'default': epochs = 1e9 must be between 0 and 100",
        "seeds/mixtures.csv, mixture 'nan', source 'default': weight = nan must be a finite number",
        "seeds/mixtures.csv, mixture 'inf', source 'docs': epochs = inf must be a finite number",
        "seeds/mixtures.csv, mixture 'cold', source 'default': temperature = 0.001 must be between 0.05 and 100",
        "seeds/mixtures.csv, mixture 'sized', source 'default': total_tokens = 1.5 must be a whole number",
        "seeds/mixtures.csv, mixture 'sized', source 'default': fim_spm_rate = 2 must be between 0 and 1",
        "seeds/corpus_sources.csv, source 'docs': epochs = -inf must be a finite number",
        "seeds/corpus_sources.csv, source 'text': tier = 0 must be between 1 and 2147483647",
    ]:
        assert expected in result.stdout, result.stdout[-3000:]


def test_bands_without_rows_is_refused(dbt_project):
    output = build_with_vars(dbt_project, {"near_dedup_bands": 16})
    assert "near_dedup_bands and near_dedup_rows must be set together" in output


def test_license_families_known_to_the_check_are_the_seeds_accepted_values():
    seeds = yaml.safe_load((PROJECT_ROOT / "seeds" / "_seeds.yml").read_text())
    [licenses] = [s for s in seeds["seeds"] if s["name"] == "licenses"]
    [family] = [c for c in licenses["columns"] if c["name"] == "family"]
    [accepted] = [t["accepted_values"]["arguments"]["values"] for t in family["data_tests"] if isinstance(t, dict)]
    assert KNOBS["license_families_allowed"]["choices"] == accepted


def test_every_bad_text_var_is_named_at_once(dbt_project):
    output = build_with_vars(
        dbt_project,
        {
            "gopher_min_words": 500,
            "gopher_max_words": 100,
            "gopher_min_alphabetic_word_fraction": 1.2,
            "gopher_max_top_ngram_char_fraction": {"2": 0.2, "11": 0.1},
            "gopher_max_duplicate_ngram_char_fraction": [0.15, 0.14],
            "c4_terminal_punct_unit": {"text": "sentence", "code": "line"},
            "c4_filter_lorem_ipsum": "yes",
            "min_edu_int_score": 7,
            "near_dedup_shingle_unit_text": "characters",
            "docs_language_allow_list": "markdown",
            "url_dedup": 1,
        },
    )
    for expected in [
        "vars gopher_min_words = 500 and gopher_max_words = 100: the minimum must not exceed the maximum",
        "var gopher_min_alphabetic_word_fraction = 1.2 must be between 0 and 1",
        "var gopher_max_top_ngram_char_fraction has key '11'; keys must be among: 2, 3, 4",
        "var gopher_max_duplicate_ngram_char_fraction = [0.15, 0.14] must be a mapping",
        'var c4_terminal_punct_unit[text] = "sentence" is not one of: line, paragraph',
        "var c4_terminal_punct_unit has key 'code'; keys must be among: text, docs",
        'var c4_filter_lorem_ipsum = "yes" must be true or false',
        "var min_edu_int_score = 7 must be between 0 and 5",
        'var near_dedup_shingle_unit_text = "characters" is not one of: code_tokens, words',
        'var docs_language_allow_list = "markdown" must be a list',
        "var url_dedup = 1 must be true or false",
    ]:
        assert expected in output, output[-3000:]


# --- Every knob, from its spec: a value of the wrong type, and one outside its range or choices.


def _wrong_typed(spec: dict):
    return {"int": "x", "float": "x", "bool": "yes", "string": 7, "enum": 7, "list": "x", "map": [1]}[spec["type"]]


def _out_of_range(spec: dict):
    """A value of the right type the spec refuses, or None when every value of the type is allowed."""
    kind = spec["type"]
    if kind in ("int", "float"):
        return spec["range"][1] if spec.get("exclusive") else spec["range"][1] + 1
    if kind == "enum":
        return "not_" + spec["choices"][0]
    if kind == "string":
        return "" if spec.get("non_empty") else None
    if kind == "list" and "values" in spec:
        return [_out_of_range(spec["values"])]
    if kind == "list":
        return ["not_a_choice"] if spec.get("choices") else [] if spec.get("min_items") else None
    if kind == "map":
        inner = _out_of_range(spec["values"])
        return {str(spec["keys"][0]): inner} if inner is not None else {} if spec.get("required_keys") else None
    return None


OUT_OF_RANGE = {name: value for name, knob in KNOBS.items() if (value := _out_of_range(knob)) is not None}


@pytest.fixture(scope="module")
def bad_var_runs(tmp_path_factory):
    """One build with every knob wrong-typed, one with every knob that has a range or choices outside them."""
    project = make_dbt_project(tmp_path_factory.mktemp("bad-vars") / "project")
    return {
        "wrong_typed": build_with_vars(project, {name: _wrong_typed(knob) for name, knob in KNOBS.items()}),
        "out_of_range": build_with_vars(project, OUT_OF_RANGE),
    }


@pytest.mark.parametrize("name", list(KNOBS))
def test_a_wrong_typed_value_of_each_knob_stops_the_build_naming_it(bad_var_runs, name):
    [expected] = value_problems(name, _wrong_typed(KNOBS[name]), KNOBS[name])
    assert expected in bad_var_runs["wrong_typed"], bad_var_runs["wrong_typed"][-3000:]


@pytest.mark.parametrize("name", list(OUT_OF_RANGE))
def test_a_value_of_each_knob_outside_its_range_or_choices_stops_the_build_naming_it(bad_var_runs, name):
    expected = value_problems(name, OUT_OF_RANGE[name], KNOBS[name])
    assert expected and all(problem in bad_var_runs["out_of_range"] for problem in expected), bad_var_runs[
        "out_of_range"
    ][-3000:]


def test_every_var_of_dbt_project_has_a_validation_spec():
    assert set(project_vars(PROJECT_ROOT / "dbt_project.yml")) == set(KNOBS)
    assert all(
        KNOBS[name]["type"]
        and (KNOBS[name]["type"] in ("bool", "string") or {"range", "choices", "keys", "item"} & KNOBS[name].keys())
        for name in KNOBS
    )


def test_the_readers_in_knobs_yml_are_the_models_that_read_each_var(dbt_project):
    """knobs.yml's read_by (docs/knobs.md, each cache's fingerprint) against what dbt's manifest shows."""
    result = dbt_project.dbt("parse")
    assert result.returncode == 0, result.stdout[-3000:]
    manifest = json.loads((dbt_project.root / "target" / "manifest.json").read_text())
    derived = var_readers(manifest, list(KNOBS))
    assert {name: knob["read_by"] for name, knob in KNOBS.items()} == derived, (
        "knobs.yml read_by is stale: set each knob's read_by to the models python_udfs/cli/var_lineage.py derives"
    )
