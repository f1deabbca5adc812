"""Builds the default corpus at two git revisions and shows that they give the same data.

A restructuring of the code must not change what winnow produces. This checks it on the default
corpus (data/raw/, made by `make ingest`): each revision is checked out into a temporary git
worktree that shares the raw Parquet files, built from scratch with `dbt build`, and compared on

- every exported file (shards of every format and the tokenizer), byte for byte by SHA-256;
- each mixture's manifest.json, apart from the fields that name code versions or paths
  (provenance.git, provenance.versions, build.database);
- rpt_funnel, every row;
- fct_drop_ledger, every row (a hash over the sorted rows, and the counts per stage and rule);
- the doc_ids of fct_curated_files.

    python bench/compare_builds.py --before 4ca3dbb --after HEAD

Prints one line per compared item and exits 1 if anything differs. The two builds run one after
the other (about two minutes each on 2 cores); the worktrees are removed afterwards unless
--keep is given.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Fields of a manifest that name the code that built it rather than the data it describes.
CODE_FIELDS = {("provenance", "git"), ("provenance", "versions"), ("build", "database")}


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}")


def build(revision: str, workdir: Path) -> tuple[Path, float]:
    """Checks `revision` out into workdir/tree and builds it from scratch; (tree, seconds)."""
    tree = workdir / "tree"
    _run(["git", "worktree", "add", "--detach", str(tree), revision], cwd=ROOT)
    (tree / "data").mkdir(exist_ok=True)
    (tree / "data" / "raw").symlink_to(ROOT / "data" / "raw", target_is_directory=True)
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        # The revision's own python_udfs, ahead of the editable install of this checkout.
        "PYTHONPATH": str(tree),
        "DBT_PROFILES_DIR": str(tree),
        "WINNOW_DB": str(tree / "data" / "winnow.duckdb"),
        "WINNOW_TEMP_DIR": str(tree / "data" / "tmp"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    start = time.perf_counter()
    _run([str(bin_dir / "dbt"), "build"], cwd=tree, env=env)
    return tree, time.perf_counter() - start


def _without_code_fields(manifest: dict) -> dict:
    manifest = json.loads(json.dumps(manifest))
    for parent, field in CODE_FIELDS:
        manifest.get(parent, {}).pop(field, None)
    return manifest


def summary(tree: Path) -> dict[str, object]:
    import duckdb

    out = tree / "out"
    files = {
        str(path.relative_to(out)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name not in {"manifest.json", "report.html"} and not path.name.startswith(".")
    }
    manifests = {
        str(path.relative_to(out)): _without_code_fields(json.loads(path.read_text()))
        for path in sorted(out.glob("*/manifest.json"))
    }
    with duckdb.connect(str(tree / "data" / "winnow.duckdb"), read_only=True) as db:
        funnel = db.sql("select * from rpt_funnel order by all").fetchall()
        ledger_rows = db.sql("select * from fct_drop_ledger order by all").fetchall()
        ledger_counts = db.sql("select stage, rule, count(*) from fct_drop_ledger group by all order by all").fetchall()
        doc_ids = [row[0] for row in db.sql("select doc_id from fct_curated_files order by doc_id").fetchall()]
    digest = lambda rows: hashlib.sha256(repr(rows).encode()).hexdigest()  # noqa: E731
    return {
        "exported files": files,
        "manifests": manifests,
        "rpt_funnel": [list(map(str, row)) for row in funnel],
        "fct_drop_ledger rows": f"{len(ledger_rows)} rows, sha256 {digest(ledger_rows)}",
        "fct_drop_ledger by stage and rule": [list(map(str, row)) for row in ledger_counts],
        "fct_curated_files doc_ids": f"{len(doc_ids)} doc_ids, sha256 {digest(doc_ids)}",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="git revision built first (e.g. the commit before a change)")
    parser.add_argument("--after", default="HEAD", help="git revision compared with it (default HEAD)")
    parser.add_argument("--keep", action="store_true", help="keep the worktrees and their databases")
    args = parser.parse_args(argv)
    if not (ROOT / "data" / "raw" / "default").is_dir():
        raise SystemExit("data/raw/default is missing: run `make ingest` first (the default corpus).")

    summaries, seconds, workdirs = {}, {}, []
    try:
        for label, revision in (("before", args.before), ("after", args.after)):
            workdir = Path(tempfile.mkdtemp(prefix=f"winnow-compare-{label}-"))
            workdirs.append(workdir)
            tree, seconds[label] = build(revision, workdir)
            summaries[label] = summary(tree)
            print(f"{label}: {revision} built in {seconds[label]:.1f} s", flush=True)
    finally:
        if not args.keep:
            for workdir in workdirs:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(workdir / "tree")], cwd=ROOT, capture_output=True
                )
                shutil.rmtree(workdir, ignore_errors=True)

    differences = 0
    for item, before in summaries["before"].items():
        after = summaries["after"][item]
        same = before == after
        differences += not same
        size = f"{len(before)} entries" if isinstance(before, (dict, list)) else before
        print(f"{'same' if same else 'DIFFERENT'}: {item} ({size})")
        if not same and isinstance(before, dict):
            for key in sorted(set(before) | set(after)):
                if before.get(key) != after.get(key):
                    print(f"    {key}: {str(before.get(key))[:200]} -> {str(after.get(key))[:200]}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
