"""The one home of winnow's knobs: knobs.yml, and the copies generated from it.

knobs.yml at the project root holds every dbt var once: default, type, allowed values, unit, and
the source of the default with the exact value the source uses. From it come

- the ``vars:`` block of dbt_project.yml, between the ``knobs:start`` / ``knobs:end`` comments,
- fct_exported_shards' ``manifest_vars`` config (every var, for the export's manifest), between the
  ``knobs:manifest_vars`` comments of its models/ YAML (YAML configs cannot call macros),
- macros/knob_specs.sql, which validate_vars checks every var against at on-run-start, and which
  gives each cache the vars it fingerprints,
- docs/knobs.md, the reference table.

::

    winnow knobs --write    # regenerate the copies after editing knobs.yml
    winnow knobs --check    # exit 1 naming each stale copy (a test runs this)

Pure: reads and writes text files only (no dbt, no DuckDB).
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from pathlib import Path

__all__ = ["KnobError", "generated_files", "load_knobs", "main", "value_problems"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
REGISTRY = "knobs.yml"
VARS_START, VARS_END = "  # knobs:start", "  # knobs:end"
# The export model's config that hands every var to the manifest, in whichever models/ YAML holds it.
MANIFEST_VARS_START, MANIFEST_VARS_END = "# knobs:manifest_vars:start", "# knobs:manifest_vars:end"

TYPES = {"int", "float", "bool", "string", "enum", "list", "map"}
# Fields of a knob in knobs.yml; the comment at its top says what each means.
# What validate_vars needs of a knob (macros/knob_specs.sql); the rest is documentation.
SPEC_FIELDS = (
    "type",
    "range",
    "exclusive",
    "choices",
    "item",
    "min_items",
    "non_empty",
    "nullable",
    "keys",
    "required_keys",
    "values",
    "read_by",
    "log_only",
)
FIELDS = {"stage", "default", "bound", "unit", "source", *SPEC_FIELDS}
REQUIRED = {"stage", "default", "type", "source", "read_by"}


class KnobError(ValueError):
    """knobs.yml is malformed: the message names the knob and the field."""


def load_knobs(path: str | Path | None = None) -> dict[str, dict]:
    """The knobs of knobs.yml in file order, each checked for its fields and its default."""
    import yaml

    path = Path(path) if path else PROJECT_ROOT / REGISTRY
    knobs = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("knobs")
    if not isinstance(knobs, dict) or not knobs:
        raise KnobError(f"{path}: no `knobs:` mapping")
    for name, knob in knobs.items():
        where = f"{path}: knob {name}"
        if not isinstance(knob, dict):
            raise KnobError(f"{where} must be a mapping of fields")
        if missing := REQUIRED - knob.keys():
            raise KnobError(f"{where} lacks {', '.join(sorted(missing))}")
        if unknown := knob.keys() - FIELDS:
            raise KnobError(
                f"{where} has unknown fields {', '.join(sorted(unknown))}; known: {', '.join(sorted(FIELDS))}"
            )
        _check_spec(where, knob)
        if problems := value_problems(name, knob["default"], knob):
            raise KnobError(f"{where}: its default does not pass its own spec: {'; '.join(problems)}")
    return knobs


def _check_spec(where: str, spec: dict) -> None:
    kind = spec.get("type")
    if kind not in TYPES:
        raise KnobError(f"{where}: type {kind!r} is not one of {', '.join(sorted(TYPES))}")
    if kind in ("int", "float") and not (isinstance(spec.get("range"), list) and len(spec["range"]) == 2):
        raise KnobError(f"{where}: an {kind} needs range: [low, high]")
    if kind == "enum" and not spec.get("choices"):
        raise KnobError(f"{where}: an enum needs choices")
    if kind == "map":
        if not spec.get("keys") or not isinstance(spec.get("values"), dict):
            raise KnobError(f"{where}: a map needs keys and values")
        _check_spec(f"{where} values", spec["values"])
    if kind == "list" and not spec.get("item"):
        raise KnobError(f"{where}: a list needs item (what one item is called in messages)")
    if kind == "list" and "values" in spec:
        if not isinstance(spec["values"], dict) or spec["values"].get("type") not in ("int", "float"):
            raise KnobError(f"{where}: a list's values must be an int or float spec")
        _check_spec(f"{where} values", spec["values"])


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_finite(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _scalar_problem(label: str, value, spec: dict) -> str | None:
    """The Python twin of macros/validate_vars.sql's knob_scalar_problem (same checks, same words)."""
    kind = spec["type"]
    shown = json.dumps(value)
    if kind == "int" and not _is_int(value):
        return f"var {label} = {shown} must be an integer"
    if kind == "float" and not _is_finite(value):
        return f"var {label} = {shown} must be a finite number"
    if kind in ("int", "float"):
        low, high = spec["range"]
        if spec.get("exclusive"):
            if not low < value < high:
                return f"var {label} = {value} must be a number strictly between {low} and {high}"
        elif not low <= value <= high:
            return f"var {label} = {value} must be between {low} and {high}"
    if kind == "bool" and not isinstance(value, bool):
        return f"var {label} = {shown} must be true or false"
    if kind == "string" and (not isinstance(value, str) or (spec.get("non_empty") and value == "")):
        return f"var {label} = {shown} must be a {'non-empty ' if spec.get('non_empty') else ''}string"
    if kind == "enum" and (not isinstance(value, str) or value not in spec["choices"]):
        return f"var {label} = {shown} is not one of: {', '.join(spec['choices'])}"
    return None


def value_problems(name: str, value, spec: dict) -> list[str]:
    """What is wrong with ``value`` for a knob of this spec (empty when it is allowed)."""
    if value is None and spec.get("nullable"):
        return []
    kind = spec["type"]
    if kind == "list" and "values" in spec:
        if not isinstance(value, list) or len(value) < spec.get("min_items", 0):
            return [
                f"var {name} = {json.dumps(value)} must be a {'non-empty ' if spec.get('min_items') else ''}"
                f"list of {spec['item']} values"
            ]
        return [p for i, v in enumerate(value) if (p := _scalar_problem(f"{name}[{i}]", v, spec["values"]))]
    if kind == "list":
        if (
            not isinstance(value, list)
            or not all(isinstance(v, str) for v in value)
            or len(value) < spec.get("min_items", 0)
        ):
            return [
                f"var {name} = {json.dumps(value)} must be a {'non-empty ' if spec.get('min_items') else ''}"
                f"list of {spec['item']} names"
            ]
        return [
            f"var {name} names an unknown {spec['item']} '{v}'; known: {', '.join(spec['choices'])}"
            for v in value
            if spec.get("choices") and v not in spec["choices"]
        ]
    if kind == "map":
        keys = [str(k) for k in spec["keys"]]
        if not isinstance(value, dict):
            return [f"var {name} = {json.dumps(value)} must be a mapping of {', '.join(keys)} to values"]
        problems = [
            f"var {name} has key '{k}'; keys must be among: {', '.join(keys)}" for k in value if str(k) not in keys
        ]
        if spec.get("required_keys"):
            given = {str(k) for k in value}
            problems += [
                f"var {name} lacks key '{k}'; it must map each of: {', '.join(keys)}" for k in keys if k not in given
            ]
        problems += [
            p for k, v in value.items() if str(k) in keys if (p := _scalar_problem(f"{name}[{k}]", v, spec["values"]))
        ]
        return problems
    problem = _scalar_problem(name, value, spec)
    return [problem] if problem else []


# --- Generated copies -------------------------------------------------------------------------


def _yaml_value(value) -> str:
    """One var's default as a YAML flow value that loads back to the same value."""
    import yaml

    text = yaml.safe_dump(value, default_flow_style=True, width=10**9, sort_keys=False, allow_unicode=True).strip()
    text = text.removesuffix("\n...").strip()
    if yaml.safe_load(text) != value:
        raise KnobError(f"cannot write {value!r} as YAML that loads back the same")
    return text


def vars_block(knobs: dict[str, dict]) -> str:
    """The lines of dbt_project.yml's `vars:` block between the markers (markers included)."""
    lines = [
        VARS_START,
        "  # GENERATED from knobs.yml by `winnow knobs --write`: edit knobs.yml, not these lines.",
        "  # What each var means, its range, unit and source: docs/knobs.md.",
    ]
    stage = None
    for name, knob in knobs.items():
        if knob["stage"] != stage:
            stage = knob["stage"]
            lines.append(f"  # --- {stage}")
        lines.append(f"  {name}: {_yaml_value(knob['default'])}")
    lines.append(VARS_END)
    return "\n".join(lines) + "\n"


def _jinja(value) -> str:
    """A Jinja literal of a YAML value (Jinja spells true, false and none in lower case)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_jinja(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_jinja(k)}: {_jinja(v)}" for k, v in value.items()) + "}"
    raise KnobError(f"no Jinja literal for {value!r}")


def _why(knob: dict) -> str:
    """The source's credit (up to its first parenthesis) and the reason for the bound, for messages."""
    credit = knob["source"].split(" (")[0]
    return f"{credit}; {knob['bound']}" if knob.get("bound") else credit


def knob_specs_sql(knobs: dict[str, dict]) -> str:
    lines = [
        "{#- GENERATED from knobs.yml by `winnow knobs --write`: edit knobs.yml, not this file.",
        "    Every var's spec: what validate_vars checks (type, range, choices), `why` for its messages,",
        "    `read_by` (the models that read it) and `log_only`. -#}",
        "{% macro knob_specs() %}",
        "  {{ return({",
    ]
    for name, knob in knobs.items():
        spec = {field: knob[field] for field in SPEC_FIELDS if field in knob}
        spec["why"] = _why(knob)
        lines.append(f"    {_jinja(name)}: {_jinja(spec)},")
    lines += ["  }) }}", "{% endmacro %}"]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _allowed(knob: dict) -> str:
    kind = knob["type"]
    if kind in ("int", "float"):
        low, high = knob["range"]
        text = f"{low} < x < {high}" if knob.get("exclusive") else f"{low} .. {high}"
    elif kind == "enum":
        text = " \\| ".join(f"`{c}`" for c in knob["choices"])
    elif kind == "list" and "values" in knob:
        low, high = knob["values"]["range"]
        text = f"list of {knob['item']} values, each " + (
            f"{low} < x < {high}" if knob["values"].get("exclusive") else f"{low} .. {high}"
        )
        text += ", at least one" if knob.get("min_items") else ""
    elif kind == "list":
        text = "list of " + (
            " \\| ".join(f"`{c}`" for c in knob["choices"]) if knob.get("choices") else f"{knob['item']} names"
        )
        text += ", at least one" if knob.get("min_items") else ""
    elif kind == "map":
        values = knob["values"]
        inner = (
            f"{values['range'][0]} .. {values['range'][1]}"
            if "range" in values
            else " \\| ".join(f"`{c}`" for c in values.get("choices", [])) or values["type"]
        )
        text = (
            ("each of " if knob.get("required_keys") else "any of ")
            + ", ".join(f"`{k}`" for k in knob["keys"])
            + f" to {inner}"
        )
    elif kind == "bool":
        text = "`true` \\| `false`"
    else:
        text = "non-empty string" if knob.get("non_empty") else "string"
    if knob.get("nullable"):
        text += ", or empty"
    return text + (f" ({_cell(knob['bound'])})" if knob.get("bound") else "")


def docs_markdown(knobs: dict[str, dict]) -> str:
    lines = [
        "# Knobs",
        "",
        "<!-- GENERATED from knobs.yml by `winnow knobs --write`: edit knobs.yml, not this file. -->",
        "",
        "Every dbt var of winnow, with its default, the values `validate_vars` accepts (checked before any",
        "model runs), its unit, where the default comes from (with the value the source itself uses) and",
        "the models that read it. Set a var in `dbt_project.yml` or with `dbt build --vars '{name: value}'`;",
        "`winnow var-lineage NAME` prints the `--select` that rebuilds after changing it",
        "([operations.md](operations.md#changing-one-var-what-rebuilds)). Environment settings (database,",
        "threads, memory) are in [operations.md](operations.md#settings).",
        "",
    ]
    stage = None
    for name, knob in knobs.items():
        if knob["stage"] != stage:
            stage = knob["stage"]
            lines += [
                "",
                f"## {stage}",
                "",
                "| var | default | type | allowed | unit | source | read by |",
                "|---|---|---|---|---|---|---|",
            ]
        readers = ", ".join(f"`{m}`" for m in knob["read_by"]) or "no model"
        if knob.get("log_only"):
            readers += " (log only: no rebuild needed)"
        lines.append(
            f"| `{name}` | `{_cell(_yaml_value(knob['default']))}` | {knob['type']} | {_allowed(knob)} | "
            f"{_cell(knob.get('unit', ''))} | {_cell(knob['source'])} | {readers} |"
        )
    return "\n".join(lines) + "\n"


def _manifest_vars_file(root: Path) -> tuple[Path, str]:
    """The models/ YAML file with the manifest_vars markers, and their indentation."""
    found = [
        (path, match.group(1))
        for path in sorted((root / "models").rglob("*.yml"))
        if (match := re.search(rf"^( *){re.escape(MANIFEST_VARS_START)}$", path.read_text(encoding="utf-8"), re.M))
    ]
    if len(found) != 1:
        raise KnobError(
            f"exactly one YAML file under {root / 'models'} must hold the line '{MANIFEST_VARS_START}' "
            f"(fct_exported_shards' config); found {len(found)}"
        )
    return found[0]


def manifest_vars_block(knobs: dict[str, dict], indent: str) -> str:
    """fct_exported_shards' manifest_vars config: every var by name, as JSON, between the markers."""
    lines = [
        f"{indent}{MANIFEST_VARS_START}",
        f"{indent}# GENERATED from knobs.yml by `winnow knobs --write`.",
        f"{indent}manifest_vars: >-",
        f"{indent}  {{{{ tojson({{",
    ]
    lines += [f"{indent}    '{name}': var('{name}')," for name in knobs]
    lines += [f"{indent}  }}) }}}}", f"{indent}{MANIFEST_VARS_END}"]
    return "\n".join(lines) + "\n"


def _with_vars_block(project_text: str, block: str, project_file: Path) -> str:
    pattern = re.compile(rf"^{re.escape(VARS_START)}\n.*?^{re.escape(VARS_END)}\n", re.S | re.M)
    if len(pattern.findall(project_text)) != 1:
        raise KnobError(
            f"{project_file}: the `vars:` block needs exactly one pair of lines "
            f"'{VARS_START.strip()}' and '{VARS_END.strip()}' to generate between"
        )
    return pattern.sub(lambda _: block, project_text)


def generated_files(root: str | Path | None = None) -> dict[Path, str]:
    """Each generated file and the text it must have, from root/knobs.yml."""
    root = Path(root) if root else PROJECT_ROOT
    knobs = load_knobs(root / REGISTRY)
    project_file = root / "dbt_project.yml"
    manifest_vars_file, indent = _manifest_vars_file(root)
    manifest_vars = re.compile(
        rf"^ *{re.escape(MANIFEST_VARS_START)}\n.*?^ *{re.escape(MANIFEST_VARS_END)}\n", re.S | re.M
    )
    return {
        project_file: _with_vars_block(project_file.read_text(encoding="utf-8"), vars_block(knobs), project_file),
        manifest_vars_file: manifest_vars.sub(
            lambda _: manifest_vars_block(knobs, indent), manifest_vars_file.read_text(encoding="utf-8"), count=1
        ),
        root / "macros" / "knob_specs.sql": knob_specs_sql(knobs),
        root / "docs" / "knobs.md": docs_markdown(knobs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="winnow knobs", description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="regenerate every copy from knobs.yml")
    mode.add_argument("--check", action="store_true", help="exit 1 when a copy differs from what knobs.yml gives")
    parser.add_argument("--root", default=str(PROJECT_ROOT), help="the project root (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        files = generated_files(args.root)
    except KnobError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stale = [path for path, text in files.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"stale: {path} differs from knobs.yml; run `winnow knobs --write`", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
