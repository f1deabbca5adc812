"""What a person sees after a build: the docs site's lineage graph and the corpus report, opened in
headless Chromium offline; every model, seed, source and column described; progress in the log;
the var table of docs/operations.md in step with the code.

One small build (two real sources, with exact and near duplicates) serves every test here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from python_udfs import knobs
from python_udfs.cli import report, var_lineage
from python_udfs.cli.ingest import ingest, tree_input
from tests.browser import artifact_dir, chromium_page, serve_directory
from tests.conftest import PROJECT_ROOT, STDLIB, make_dbt_project
from tests.dbt.decontamination_eval import humaneval_task, pasted_into
from tests.dbt.fixtures import write_winnow_corpus

pytestmark = pytest.mark.dbt

PASTED_TASK = "HumanEval/0"
DOCUMENTED_TYPES = ("model", "seed", "source", "exposure", "snapshot")
ZOOMS = {
    "staging-to-dedup": [
        "stg_winnow__files",
        "int_files_unioned",
        "int_files_filtered",
        "int_exact_dup_clusters",
        "int_files_exact_deduped",
        "int_near_dup_clusters",
        "int_files_near_deduped",
    ],
    "marts-to-export": [
        "fct_curated_files",
        "fct_mixture",
        "fct_training_documents",
        "rpt_mixture",
        "Training shards (out/<mixture>/)",
        "Corpus report (out/report.html)",
    ],
}


def write_mirror_corpus(directory: Path, work: Path) -> None:
    """A 'mirror' of two json modules: decoder.py copied exactly, encoder.py with one line edited
    (a near duplicate), so the dedup figures and nodes have something to show; and colorsys.py with
    a HumanEval solution pasted in, so decontamination has a file to drop and to list for review."""
    tree = work / "mirror"
    (tree / "json").mkdir(parents=True)
    (tree / "json" / "decoder.py").write_bytes((STDLIB / "json" / "decoder.py").read_bytes())
    encoder = (STDLIB / "json" / "encoder.py").read_text(encoding="utf-8")
    (tree / "json" / "encoder.py").write_text(
        encoder.replace("INFINITY = float('inf')", "INFINITY = float('Infinity')")
    )
    task = humaneval_task(PASTED_TASK)
    (tree / "colorsys.py").write_text(
        pasted_into((STDLIB / "colorsys.py").read_text(encoding="utf-8"), task["prompt"] + task["canonical_solution"])
    )
    ingest([tree_input(tree, repo="mirror/json")], directory, progress=False)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("docs")
    project = make_dbt_project(root / "project")
    write_winnow_corpus(root / "raw" / "local", ["json", "textwrap.py"], ["idna"])
    write_mirror_corpus(root / "raw" / "mirror", root)
    project.write_sources(
        [
            {"source_name": "local", "parquet_glob": f"{root}/raw/local/*.parquet", "flavour": "winnow", "tier": 1},
            {
                "source_name": "mirror",
                "parquet_glob": f"{root}/raw/mirror/*.parquet",
                "flavour": "winnow",
                "tier": 2,
                "default_license": "MIT",
            },
        ]
    )
    # A progress line after every vector, so the small build shows some.
    build = project.dbt("build", "--vars", "{progress_interval_seconds: 0}")
    assert build.returncode == 0, build.stdout[-4000:]
    docs = audited_dbt(project, "docs", "generate")
    assert docs.returncode == 0, docs.stdout[-4000:]
    out = project.root / "out" / "report.html"
    assert report.main(["--db", str(project.root / "winnow.duckdb"), "--out", str(out)]) == 0
    return project, build, out, docs


def audited_dbt(project, *args: str) -> subprocess.CompletedProcess:
    """project.dbt(...), through tests/dbt/audited_dbt.py, which records network connections."""
    environment = {
        **os.environ,
        "WINNOW_DB": str(project.root / "winnow.duckdb"),
        "WINNOW_TEMP_DIR": str(project.root / "tmp"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.dbt.audited_dbt",
            *args,
            "--profiles-dir",
            str(project.root),
            "--project-dir",
            str(project.root),
        ],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_docs_generate_opens_no_network_connection(built):
    docs = built[3]
    outcome = json.loads(docs.stdout.strip().splitlines()[-1])
    assert outcome == {"success": True, "connections": []}


def described_gaps(manifest: dict, catalog: dict) -> list[str]:
    """Every model, seed, source, exposure and real column (from the catalog) without a description."""
    gaps = []
    for uid, node in [*manifest["nodes"].items(), *manifest["sources"].items(), *manifest["exposures"].items()]:
        if node["resource_type"] not in DOCUMENTED_TYPES or node.get("package_name") != "winnow":
            continue
        if not node.get("description", "").strip():
            gaps.append(uid)
        documented = {name.lower(): column for name, column in node.get("columns", {}).items()}
        relation = catalog["nodes"].get(uid) or catalog["sources"].get(uid)
        if node["resource_type"] in ("model", "seed", "source", "snapshot"):
            assert relation is not None, f"{uid} is not in the catalog: was it built?"
            for column in relation["columns"]:
                if not documented.get(column.lower(), {}).get("description", "").strip():
                    gaps.append(f"{uid}.{column}")
            for column in documented:
                if column not in {c.lower() for c in relation["columns"]}:
                    gaps.append(f"{uid}.{column} is documented but not in the relation")
    return gaps


def test_every_model_seed_source_exposure_and_real_column_has_a_description(built):
    project = built[0]
    manifest = json.loads((project.root / "target" / "manifest.json").read_text())
    catalog = json.loads((project.root / "target" / "catalog.json").read_text())
    assert len([n for n in manifest["nodes"].values() if n["resource_type"] == "model"]) > 30
    assert described_gaps(manifest, catalog) == []


def test_the_shards_are_an_ml_exposure_on_the_training_documents(built):
    manifest = json.loads((built[0].root / "target" / "manifest.json").read_text())
    shards = manifest["exposures"]["exposure.winnow.training_shards"]
    assert shards["type"] == "ml"
    assert "model.winnow.fct_training_documents" in shards["depends_on"]["nodes"]


def test_docs_site_opens_offline_and_the_lineage_graph_shows_staging_dedup_and_export(built):
    project = built[0]
    index = (project.root / "target" / "index.html").read_text()
    assert not re.search(r"<(script|link)[^>]+(src|href)=\"(https?:)?//", index), "index.html loads from elsewhere"
    started = time.monotonic()
    with serve_directory(project.root / "target") as base, chromium_page(2400, 1300) as (page, blocked):
        page.goto(base + "#!/exposure/exposure.winnow.training_shards?g_v=1")
        # The lineage graph is a cytoscape canvas inside dbt-docs' graph service: wait until it
        # has laid out nodes, then read their labels from it.
        page.wait_for_function(
            """() => { const inj = window.angular && angular.element(document.body).injector();
                       const cy = inj && inj.get('graph').graph_element;
                       return cy && cy.nodes && cy.nodes().filter(n => n.visible()).length > 20; }""",
            timeout=60_000,
        )
        page.wait_for_timeout(1000)  # the layout animates into place
        labels = page.evaluate(
            """() => angular.element(document.body).injector().get('graph').graph_element
                     .nodes().filter(n => n.visible()).map(n => n.data('label'))"""
        )
        canvases = page.locator("canvas").count()
        shot = artifact_dir() / "docs-lineage-graph.png"
        page.screenshot(path=str(shot))
        # Close-ups a person can read: staging to dedup, and the marts to the export node.
        for name, nodes in ZOOMS.items():
            page.evaluate(
                """(wanted) => { const cy = angular.element(document.body).injector().get('graph').graph_element;
                                 cy.fit(cy.nodes().filter(n => wanted.includes(n.data('label'))), 40); }""",
                nodes,
            )
            page.wait_for_timeout(300)
            page.screenshot(path=str(artifact_dir() / f"docs-lineage-{name}.png"))
    print(
        f"docs lineage screenshots: {artifact_dir()}/docs-lineage-*.png "
        f"({time.monotonic() - started:.1f} s in Chromium)",
        file=sys.stderr,
    )
    assert canvases > 0
    assert {"stg_winnow__files", "int_files_exact_deduped", "int_near_dup_clusters", "fct_training_documents"} <= set(
        labels
    )
    assert "Training shards (out/<mixture>/)" in labels  # the export node
    assert blocked == []
    assert shot.stat().st_size > 20_000


def test_report_shows_every_built_figure_in_chromium_offline(built):
    out = built[2]
    started = time.monotonic()
    with chromium_page(1300, 900) as (page, blocked):
        page.goto(out.as_uri())
        page.wait_for_function("() => window.Plotly && document.querySelectorAll('.js-plotly-plot').length > 0")
        figures = page.evaluate(
            """(keys) => keys.map(key => {
                 const el = document.getElementById('figure-' + key);
                 if (!el) return {key, present: false};
                 const box = el.getBoundingClientRect();
                 const points = (el.data || []).reduce((n, t) =>
                     n + ((t.y || t.x || t.values || []).filter(v => v !== null && v !== 0).length), 0);
                 return {key, present: true, status: el.dataset.status || 'drawn',
                         traces: el.querySelectorAll('.trace').length, points, height: box.height,
                         bars: el.querySelectorAll('.point path').length};
               })""",
            [spec.key for spec in report.FIGURES],
        )
        shot = artifact_dir() / "corpus-report.png"
        page.screenshot(path=str(shot), full_page=True)
    print(f"report screenshot: {shot} ({time.monotonic() - started:.1f} s in Chromium)", file=sys.stderr)
    by_key = {f["key"]: f for f in figures}
    assert all(f["present"] for f in figures), figures
    # A figure whose model this build lacks (rpt_packing before packing is merged) says so.
    built_models = {row[0] for row in built[0].query("select table_name from information_schema.tables")}
    for spec in report.FIGURES:
        if not set(spec.requires) <= built_models:
            assert by_key.pop(spec.key)["status"] == "not-built"
    assert len(by_key) >= 6
    for _key, figure in by_key.items():
        assert figure["status"] == "drawn", figure
        assert figure["traces"] > 0 and figure["bars"] > 0 and figure["points"] > 0, figure
        assert figure["height"] > 200, figure
    assert blocked == []


def test_report_lists_the_pasted_file_for_decontamination_review(built):
    document = built[2].read_text(encoding="utf-8")
    section = re.search(r'<section id="section-decontamination".*?</section>', document, re.S).group(0)
    assert 'id="figure-decontamination" class="plotly-graph-div"' in section
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.S).group(1)
    [row] = [re.findall(r"<td>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    benchmark, task, verdict, repo, path = row[:5]
    assert (benchmark, task, repo, path) == ("humaneval", PASTED_TASK, "mirror/json", "colorsys.py")
    assert verdict in ("long_run", "distinctive_share", "distinctive_code_share")


def test_long_steps_log_rows_done_of_total_and_throughput(built):
    build = built[1]
    lines = re.findall(r"winnow adapter: (.*)", build.stdout)
    started = [line for line in lines if line.startswith("int_minhash_signatures_cache: winnow_minhash starting on ")]
    assert started, lines
    total = started[0].split("starting on ")[1].split(" rows")[0]
    assert any(
        re.search(rf"int_minhash_signatures_cache: winnow_minhash [\d,]+ of {total} rows \(\d+%\), [\d,]+ rows/s", line)
        for line in lines
    ), lines
    assert any(
        line.startswith(f"int_minhash_signatures_cache: winnow_minhash done: {total} rows in ") for line in lines
    )
    for model in (
        "int_file_signals_cache",
        "int_pii_redactions_cache",
        "int_token_ids_cache",
        "int_fim_token_ids_cache",
    ):
        assert any(line.startswith(f"{model}: ") and " done: " in line for line in lines), model


def test_docs_var_table_matches_the_models_that_read_each_var(built):
    project = built[0]
    manifest = json.loads((project.root / "target" / "manifest.json").read_text())
    names = var_lineage.project_vars(PROJECT_ROOT / "dbt_project.yml")
    page = (PROJECT_ROOT / "docs" / "operations.md").read_text()
    block = re.search(r"<!-- var-rebuilds:start -->\n(.*?)<!-- var-rebuilds:end -->", page, re.S)
    assert block, "docs/operations.md lacks the var-rebuilds block"
    assert block.group(1) == var_lineage.markdown_table(manifest, names), (
        "docs/operations.md's var table is stale: regenerate it with `winnow var-lineage --markdown`"
    )


def test_knob_reference_lists_the_models_that_read_each_var(built):
    """docs/knobs.md (generated from knobs.yml, tests/python/test_knobs.py checks it is current)
    names, for each var, the models dbt's manifest shows reading it."""
    manifest = json.loads((built[0].root / "target" / "manifest.json").read_text())
    derived = var_lineage.var_readers(manifest, list(knobs.load_knobs()))
    reference = (PROJECT_ROOT / "docs" / "knobs.md").read_text()
    for name, models in derived.items():
        [row] = [line for line in reference.splitlines() if line.startswith(f"| `{name}` |")]
        assert row.split(" | ")[-1].split(" (")[0].rstrip(" |") == (
            ", ".join(f"`{m}`" for m in models) or "no model"
        ), name


def test_rebuild_selection_for_one_var_is_its_readers_and_their_descendants_only(built):
    project = built[0]
    manifest = json.loads((project.root / "target" / "manifest.json").read_text())
    readers = var_lineage.var_readers(manifest, ["near_dedup_threshold"])["near_dedup_threshold"]
    assert readers == ["fct_drop_ledger", "int_near_dup_candidates", "int_near_dup_clusters", "int_near_dup_edges"]
    selector = var_lineage.rebuild_selector(manifest, readers)
    listed = project.dbt("ls", "--resource-type", "model", "--select", selector, "--output", "name")
    assert listed.returncode == 0, listed.stdout[-2000:]
    selected = set(listed.stdout.split())
    assert set(readers) <= selected
    assert {"int_files_minhashed", "int_files_exact_deduped", "int_files_filtered", "stg_winnow__files"}.isdisjoint(
        selected
    )
    assert {"fct_curated_files", "rpt_funnel", "fct_training_documents"} <= selected


def test_every_var_is_described_on_a_model_that_reads_it(built):
    manifest = json.loads((built[0].root / "target" / "manifest.json").read_text())
    names = var_lineage.project_vars(PROJECT_ROOT / "dbt_project.yml")
    undocumented = []
    for name, models in var_lineage.var_readers(manifest, names).items():
        texts = [
            node["description"] + " ".join(c.get("description", "") for c in node["columns"].values())
            for node in (manifest["nodes"][f"model.winnow.{model}"] for model in models)
        ]
        if not any(name in text for text in texts):
            undocumented.append(name)
    assert undocumented == []
