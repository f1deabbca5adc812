"""The corpus report: figures from rpt_* tables, 'not built yet' for what is missing, one offline file."""

from __future__ import annotations

import re

import pyarrow as pa

from python_udfs.cli.report import FIGURES, FigureSpec, main, render_report, required_models


def full_tables() -> dict[str, pa.Table]:
    """Small rpt_* tables with the columns of the real models (two sources, two mixtures)."""
    stages = ["raw", "staging", "license", "quality", "exact_dedup", "near_dedup", "pii", "decontamination"]
    funnel = [
        {
            "source": s,
            "stage": st,
            "stage_order": i,
            "files_remaining": 100 - 5 * i,
            "bytes_remaining": 10**6 - i,
            "lines_remaining": 1000,
            "files_removed": 5,
            "bytes_removed": 1,
        }
        for s in ("a", "b")
        for i, st in enumerate(stages)
    ]
    mixture = [
        {
            "mixture": m,
            "source": s,
            "source_tokens": 5000,
            "realised_tokens": 2600,
            "target_share": 0.5,
            "realised_share": 0.52 if s == "a" else 0.48,
            "share_error_pp": 2.0 if s == "a" else -2.0,
            "target_epochs": 1.0,
        }
        for m in ("anneal", "pretrain")
        for s in ("a", "b")
    ]
    return {
        "rpt_funnel": pa.Table.from_pylist(funnel),
        "rpt_mixture": pa.Table.from_pylist(mixture),
        "rpt_drops_by_rule": pa.Table.from_pylist(
            [
                {"source": "a", "stage": "quality", "rule": "too_large", "files": 3, "bytes": 400000, "threshold": 1e5},
                {
                    "source": "b",
                    "stage": "near_dedup",
                    "rule": "near_duplicate",
                    "files": 2,
                    "bytes": 900,
                    "threshold": 0.7,
                },
            ]
        ),
        "rpt_length_histogram": pa.Table.from_pylist(
            [
                {"phase": p, "source": "a", "bucket_log2": b, "files": 10 - b}
                for p in ("before_filtering", "curated")
                for b in range(3, 8)
            ]
        ),
        "rpt_exact_duplicate_clusters": pa.Table.from_pylist(
            [
                {"cluster_size": 1, "clusters": 90, "files": 90, "files_removed": 0},
                {"cluster_size": 3, "clusters": 2, "files": 6, "files_removed": 4},
            ]
        ),
        "rpt_near_dup_cluster_sizes": pa.Table.from_pylist(
            [
                {"cluster_size": 2, "clusters": 5, "files": 10, "files_removed": 5},
            ]
        ),
        "rpt_license_families": pa.Table.from_pylist(
            [
                {"source": "a", "family": "permissive", "staged_files": 80, "curated_files": 70},
                {"source": "a", "family": "strong_copyleft", "staged_files": 4, "curated_files": 0},
            ]
        ),
        "rpt_packing": pa.Table.from_pylist(
            [
                {
                    "mixture": "pretrain",
                    "split": "train",
                    "windows": 10,
                    "packed_tokens": 20480,
                    "padding_tokens": 30,
                    "padding_fraction": 0.0015,
                    "dropped_tokens": 0,
                },
                {
                    "mixture": "pretrain",
                    "split": "validation",
                    "windows": 1,
                    "packed_tokens": 2048,
                    "padding_tokens": 9,
                    "padding_fraction": 0.004,
                    "dropped_tokens": 0,
                },
            ]
        ),
    }


def figure_status(document: str) -> dict[str, str]:
    """Each figure's state in the document: drawn (a plotly div), not-built or empty."""
    status = {}
    for spec in FIGURES:
        section = re.search(rf'<section id="section-{spec.key}".*?</section>', document, re.S).group(0)
        marker = re.search(rf'id="figure-{spec.key}"(?: data-status="([a-z-]+)")?', section)
        status[spec.key] = marker.group(1) or "drawn"
    return status


def test_every_figure_is_drawn_when_its_models_exist():
    document = render_report(full_tables())
    assert figure_status(document) == {spec.key: "drawn" for spec in FIGURES}
    assert document.count("Plotly.newPlot(") == len(FIGURES)


def test_a_missing_model_is_not_built_yet_and_names_the_model():
    tables = full_tables()
    del tables["rpt_packing"]
    document = render_report(tables)
    assert figure_status(document)["packing_padding"] == "not-built"
    assert "Not built yet: needs model rpt_packing" in document
    assert [k for k, v in figure_status(document).items() if v != "drawn"] == ["packing_padding"]


def test_a_missing_column_is_not_built_yet_and_names_the_column():
    tables = full_tables()
    tables["rpt_drops_by_rule"] = tables["rpt_drops_by_rule"].drop_columns(["threshold"])
    document = render_report(tables)
    assert figure_status(document)["drops_by_rule"] == "not-built"
    assert "column threshold of rpt_drops_by_rule" in document


def test_an_empty_model_says_so_instead_of_drawing_empty_axes():
    tables = full_tables()
    tables["rpt_packing"] = tables["rpt_packing"].slice(0, 0)
    assert figure_status(render_report(tables))["packing_padding"] == "empty"


def test_nothing_built_still_gives_a_report():
    document = render_report({})
    assert set(figure_status(document).values()) == {"not-built"}


def test_report_is_self_contained_and_deterministic():
    first, second = render_report(full_tables()), render_report(full_tables())
    assert first == second
    # plotly.js inline, once; nothing loaded from elsewhere (no src= or stylesheet links at all).
    assert first.count("<script") == len(FIGURES) + 1
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|@import", first)


def test_a_new_figure_is_one_more_spec():
    import plotly.graph_objects as go

    spec = FigureSpec(
        "pii",
        "PII findings",
        "Findings per kind.",
        {"rpt_pii_findings": ("kind",)},
        lambda t: go.Figure(go.Bar(x=t["rpt_pii_findings"]["kind"].to_pylist(), y=[1])),
    )
    tables = {"rpt_pii_findings": pa.table({"kind": ["email"]})}
    document = render_report(tables, figures=[spec])
    assert 'id="figure-pii"' in document and "Plotly.newPlot(" in document


def test_required_models_are_the_rpt_models():
    assert required_models() == sorted(full_tables())


def test_command_refuses_a_missing_database(tmp_path, capsys):
    assert main(["--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "r.html")]) == 2
    assert "no database" in capsys.readouterr().err


def test_command_writes_a_report_from_a_partial_database(tmp_path):
    import duckdb

    name = "rpt_funnel"
    db = tmp_path / "w.duckdb"
    with duckdb.connect(str(db)) as con:
        con.register("t", full_tables()[name])
        con.execute(f"create table {name} as select * from t")
    assert main(["--db", str(db), "--out", str(tmp_path / "out" / "r.html")]) == 0
    document = (tmp_path / "out" / "r.html").read_text()
    assert "needs model rpt_mixture" in document
