"""Which models read a var (directly, through hooks, macros or Python model config) and what to rebuild."""

from __future__ import annotations

import json

from python_udfs.cli.var_lineage import main, markdown_table, rebuild_selector, var_readers


def model(name, code="", macros=(), config=None):
    return {
        "resource_type": "model",
        "package_name": "winnow",
        "name": name,
        "raw_code": code,
        "depends_on": {"macros": [f"macro.winnow.{m}" for m in macros]},
        "unrendered_config": config or {},
    }


def macro(name, sql, calls=()):
    return {
        "name": name,
        "package_name": "winnow",
        "macro_sql": sql,
        "depends_on": {"macros": [f"macro.winnow.{m}" for m in calls]},
    }


MANIFEST = {
    "nodes": {
        "model.winnow.scored": model("scored", "select {{ var('scan_lines') }}"),
        "model.winnow.filtered": model("filtered", "select {{ policy() }}", macros=["policy"]),
        "model.winnow.hooked": model("hooked", "select 1", config={"pre-hook": "{{ progress('x') }}"}),
        "model.winnow.trained": model("trained", "def model(dbt, s): ...", config={"config_keys_used": ["vocab"]}),
        "model.winnow.final": model("final", "select * from {{ ref('filtered') }}"),
        "test.winnow.t": {**model("t", "{{ var('scan_lines') }}"), "resource_type": "test"},
    },
    "macros": {
        # A macro that loops over quoted var names, as pii_policy_json does.
        "macro.winnow.policy": macro(
            "policy", "{% for n in ['threshold', 'allow'] %}{{ var(n) }}{% endfor %}{{ inner() }}"
        ),
        "macro.winnow.inner": macro("inner", '{{ var("depth") }}'),
        "macro.winnow.progress": macro("progress", "{{ var('interval') }}"),
        "macro.dbt.other": {**macro("other", "{{ var('allow') }}"), "package_name": "dbt"},
    },
    "child_map": {
        "model.winnow.scored": ["model.winnow.filtered"],
        "model.winnow.filtered": ["model.winnow.final", "test.winnow.t"],
        "model.winnow.final": [],
    },
}
VARS = ["scan_lines", "threshold", "allow", "depth", "interval", "vocab", "unused"]


def test_readers_come_from_code_macros_loops_hooks_and_python_config():
    assert var_readers(MANIFEST, VARS) == {
        "scan_lines": ["scored"],
        "threshold": ["filtered"],
        "allow": ["filtered"],
        "depth": ["filtered"],  # through a macro the macro calls
        "interval": ["hooked"],
        "vocab": ["trained"],
        "unused": [],
    }


def test_selector_leaves_out_readers_downstream_of_another_reader():
    assert rebuild_selector(MANIFEST, ["filtered", "scored"]) == "scored+"
    assert rebuild_selector(MANIFEST, ["final", "trained"]) == "final+ trained+"


def test_markdown_table_has_a_row_per_var():
    table = markdown_table(MANIFEST, VARS)
    assert "| `threshold` | `filtered` | `--select filtered+` |" in table
    assert "| `unused` | no model (checked by `validate_vars` only) | nothing |" in table
    assert len(table.strip().splitlines()) == 2 + len(VARS)


def test_command_prints_the_selector_and_refuses_unknown_vars(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text(json.dumps(MANIFEST))
    (tmp_path / "dbt_project.yml").write_text("vars:\n" + "".join(f"  {v}: 1\n" for v in VARS))
    args = ["--manifest", str(tmp_path / "manifest.json"), "--project-file", str(tmp_path / "dbt_project.yml")]
    assert main([*args, "threshold"]) == 0
    assert capsys.readouterr().out == "filtered+\n"
    assert main([*args, "nope"]) == 2
    assert "no var 'nope'" in capsys.readouterr().err
