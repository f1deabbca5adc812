"""Which models read each dbt var, and what to rebuild after changing one.

dbt's ``state:modified`` does not see a var's value change, so after changing a var the models to
rebuild are the ones that read it and everything downstream of them::

    winnow var-lineage near_dedup_threshold     # prints: int_near_dup_edges+ ...
    dbt build --select "$(winnow var-lineage near_dedup_threshold)" \\
        --vars '{near_dedup_threshold: 0.8}'
    winnow var-lineage --markdown               # the table of docs/operations.md

A model reads a var when the var's name, quoted, appears in its code, its hooks, or any project
macro those call (transitively; macros such as pii_policy_json loop over quoted var names), or
when a Python model takes a config key of the var's name (Python models cannot call var(), so
their YAML passes each var as a config key of the same name). This over-approximates (a quoted
word equal to a var name counts), which errs on the side of rebuilding more, never less.
Reads target/manifest.json (``dbt parse`` writes it) and the vars of dbt_project.yml.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from ..knobs import load_knobs

__all__ = ["main", "markdown_table", "project_vars", "rebuild_selector", "var_readers"]

# The registry macro (macros/knob_specs.sql, from knobs.yml) names every var: calling it reads none
# by itself.
REGISTRY_MACROS = frozenset({"knob_specs"})

_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def project_vars(project_file: str | Path = "dbt_project.yml") -> list[str]:
    """The var names of dbt_project.yml, in file order."""
    import yaml

    return list((yaml.safe_load(Path(project_file).read_text()) or {}).get("vars", {}))


def _project_macros(manifest: dict, project: str) -> dict[str, dict]:
    return {m["name"]: m for m in manifest["macros"].values() if m["package_name"] == project}


def _model_text(node: dict, macros: dict[str, dict]) -> str:
    """A model's code, hooks and the text of every project macro it reaches."""
    config = node.get("unrendered_config") or {}
    hooks = []
    for key in ("pre-hook", "post-hook"):
        value = config.get(key) or []
        for hook in value if isinstance(value, list) else [value]:
            hooks.append(hook if isinstance(hook, str) else hook.get("sql", ""))
    texts = [node.get("raw_code", ""), *hooks]
    pending = {uid.split(".")[-1] for uid in node["depends_on"].get("macros", [])}
    pending |= {name for text in texts for name in _CALL.findall(text)}
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or name not in macros or name in REGISTRY_MACROS:
            continue
        seen.add(name)
        macro = macros[name]
        texts.append(macro["macro_sql"])
        pending |= {uid.split(".")[-1] for uid in macro["depends_on"].get("macros", [])}
        pending |= set(_CALL.findall(macro["macro_sql"]))
    return "\n".join(texts)


def var_readers(manifest: dict, var_names: list[str], project: str = "winnow") -> dict[str, list[str]]:
    """For each var, the models that read it directly, sorted by name."""
    macros = _project_macros(manifest, project)
    readers: dict[str, list[str]] = {name: [] for name in var_names}
    for node in sorted(manifest["nodes"].values(), key=lambda n: n["name"]):
        if node["resource_type"] != "model" or node["package_name"] != project:
            continue
        text = _model_text(node, macros)
        config_keys = set((node.get("unrendered_config") or {}).get("config_keys_used") or [])
        for name in var_names:
            if name in config_keys or re.search(rf"""['"]{re.escape(name)}['"]""", text):
                readers[name].append(node["name"])
    return readers


def _descendants(manifest: dict, unique_id: str) -> set[str]:
    children, seen = manifest["child_map"], set()
    pending = list(children.get(unique_id, []))
    while pending:
        uid = pending.pop()
        if uid not in seen:
            seen.add(uid)
            pending.extend(children.get(uid, []))
    return seen


def rebuild_selector(manifest: dict, models: list[str], project: str = "winnow") -> str:
    """`a+ b+`: the readers with their descendants, leaving out readers downstream of another."""
    ids = {name: f"model.{project}.{name}" for name in models}
    downstream = set().union(*(_descendants(manifest, uid) for uid in ids.values())) if ids else set()
    return " ".join(f"{name}+" for name in models if ids[name] not in downstream)


def markdown_table(manifest: dict, var_names: list[str], project: str = "winnow") -> str:
    readers = var_readers(manifest, var_names, project)
    log_only = {name for name, knob in load_knobs().items() if knob.get("log_only")}
    lines = ["| var | read by | rebuild after a change |", "|---|---|---|"]
    for name in var_names:
        models = readers[name]
        read_by = ", ".join(f"`{m}`" for m in models) or "no model (checked by `validate_vars` only)"
        if name in log_only:
            selector = "nothing (it changes the log only)"
        elif models:
            selector = f"`--select {rebuild_selector(manifest, models, project)}`"
        else:
            selector = "nothing"
        lines.append(f"| `{name}` | {read_by} | {selector} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="winnow var-lineage", description=__doc__.split("\n\n")[0])
    parser.add_argument("var", nargs="?", help="print the --select argument that rebuilds after changing this var")
    parser.add_argument("--markdown", action="store_true", help="print the table of every var")
    parser.add_argument("--manifest", default="target/manifest.json")
    parser.add_argument("--project-file", default="dbt_project.yml")
    args = parser.parse_args(argv)
    manifest_path = Path(args.manifest)
    if not manifest_path.exists():
        print(f"error: no {manifest_path}: run `dbt parse` first", file=sys.stderr)
        return 2
    manifest = json.loads(manifest_path.read_text())
    names = project_vars(args.project_file)
    if args.markdown or not args.var:
        sys.stdout.write(markdown_table(manifest, names))
        return 0
    if args.var not in names:
        print(f"error: no var {args.var!r} in {args.project_file}; known: {', '.join(names)}", file=sys.stderr)
        return 2
    models = var_readers(manifest, [args.var])[args.var]
    print(rebuild_selector(manifest, models))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
