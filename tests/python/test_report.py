"""The corpus report: figures from rpt_* tables, 'not built yet' for what is missing, one offline file."""

from __future__ import annotations

import re

import pyarrow as pa

from python_udfs.cli import report
from python_udfs.cli.report import FIGURES, FigureSpec, main, render_report, required_models


def decontamination_match(path: str, verdict: str, **evidence) -> dict:
    """One row of rpt_decontamination_matches: a HumanEval/0 match of the file at ``path``."""
    contaminated = verdict in ("long_run", "distinctive_share", "distinctive_code_share")
    return {
        "benchmark": "humaneval",
        "task_id": "HumanEval/0",
        "solution_id": "0",
        "verdict": verdict,
        "is_contaminated": contaminated,
        "repo": "acme/service",
        "path": path,
        "doc_id": f"doc-{path}",
        "distinctive_share": 0.1,
        "n_matched_distinctive_ngrams": 2,
        "n_distinctive_ngrams": 20,
        "distinctive_code_share": None,
        "n_matched_distinctive_solution_ngrams": 1,
        "n_distinctive_solution_ngrams": 3,
        "n_matched_ngrams": 2,
        "n_searched_ngrams": 20,
        "longest_run_tokens": 11,
        "first_matched_ngram": "for idx elem in enumerate numbers for idx2 elem2 in",
        **evidence,
    }


def decontamination_tables(matches: list[dict]) -> dict[str, pa.Table]:
    """rpt_decontamination_matches from ``matches``, and rpt_decontamination counted from them as
    the model counts (a file once per task, under its strongest verdict), with one task unmatched."""
    tasks: dict[tuple[str, str], dict[str, str]] = {("humaneval", "HumanEval/1"): {}}
    for m in matches:
        files = tasks.setdefault((m["benchmark"], m["task_id"]), {})
        if m["is_contaminated"] or files.get(m["doc_id"]) != "dropped":
            files[m["doc_id"]] = "dropped" if m["is_contaminated"] else m["verdict"]

    def counts(files: dict[str, str]) -> dict:
        return {
            "files_matched": len(files),
            "files_dropped": sum(v == "dropped" for v in files.values()),
            "files_kept_common_ngrams": sum(v == "kept_common_ngrams" for v in files.values()),
        }

    summary = [
        {"level": "task", "benchmark": benchmark, "task_id": task, **counts(files)}
        for (benchmark, task), files in sorted(tasks.items())
    ]
    for benchmark in sorted({b for b, _ in tasks}):
        files = {d: v for (b, _), fs in tasks.items() if b == benchmark for d, v in fs.items()}
        summary.insert(0, {"level": "benchmark", "benchmark": benchmark, "task_id": None, **counts(files)})
    # The types of a row with every value set (a list of no rows, or of NULL code shares, has none).
    schema = pa.Table.from_pylist([decontamination_match("x.py", "long_run", distinctive_code_share=0.5)]).schema
    return {
        "rpt_decontamination": pa.Table.from_pylist(summary),
        "rpt_decontamination_matches": pa.Table.from_pylist(matches, schema=schema),
    }


PASTE = decontamination_match(
    "colorsys_contaminated.py",
    "distinctive_share",
    distinctive_share=1.0,
    n_matched_distinctive_ngrams=20,
    n_distinctive_ngrams=20,
    distinctive_code_share=1.0,
    n_matched_distinctive_solution_ngrams=11,
    n_distinctive_solution_ngrams=11,
    n_matched_ngrams=20,
    longest_run_tokens=26,
    first_matched_ngram="4 .0 5 .0 2 .0 0 .3 true for",
)
IDIOM_COPY = decontamination_match(
    "heapq_loops.py",
    "kept_common_ngrams",
    distinctive_share=0.35,
    n_matched_distinctive_ngrams=7,
    n_distinctive_ngrams=20,
    n_matched_ngrams=16,
    longest_run_tokens=19,
)
BELOW_SHARE = decontamination_match("textwrap_below.py", "kept_below_share")


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
        **decontamination_tables([PASTE, IDIOM_COPY, BELOW_SHARE]),
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


def decontamination_section(tables: dict[str, pa.Table]) -> str:
    return re.search(r'<section id="section-decontamination".*?</section>', render_report(tables), re.S).group(0)


def review_rows(section: str) -> list[list[str]]:
    """The review table's body rows, as their cells' HTML."""
    body = re.search(r"<tbody>(.*?)</tbody>", section, re.S).group(1)
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_decontamination_lists_the_dropped_and_the_kept_common_ngrams_files_with_their_evidence():
    section = decontamination_section(full_tables())
    assert 'id="figure-decontamination" class="plotly-graph-div"' in section
    assert review_rows(section) == [
        [
            "humaneval",
            "HumanEval/0",
            "distinctive_share",
            "acme/service",
            "colorsys_contaminated.py",
            "1.00 (20 of 20)",
            "1.00 (11 of 11)",
            "20 of 20",
            "26",
            "4 .0 5 .0 2 .0 0 .3 true for",
        ],
        [
            "humaneval",
            "HumanEval/0",
            "kept_common_ngrams",
            "acme/service",
            "heapq_loops.py",
            "0.35 (7 of 20)",
            "–",
            "16 of 20",
            "19",
            "for idx elem in enumerate numbers for idx2 elem2 in",
        ],
    ]
    assert "humaneval: 3 files matched 1 task, 1 dropped, 1 kept only because of the idiom rule" in section


def test_decontamination_figure_counts_each_verdict_per_task_with_a_match():
    [figure] = [b for b in report._decontamination(full_tables()) if hasattr(b, "data")]
    assert {t.name: (list(t.x), list(t.y)) for t in figure.data} == {
        "dropped": (["HumanEval/0"], [1]),
        "kept_common_ngrams": (["HumanEval/0"], [1]),
        "kept_below_share": (["HumanEval/0"], [1]),
    }


def test_kept_below_share_matches_are_not_in_the_review_table_and_the_note_says_how_to_query_them():
    section = decontamination_section(full_tables())
    assert "textwrap_below.py" not in section
    assert (
        "1 kept_below_share matches are not listed: select * from rpt_decontamination_matches where verdict = &#x27;kept_below_share&#x27;"
        in section
    )


def test_decontamination_review_escapes_corpus_values():
    evil = decontamination_match(
        "<script>alert(1)</script>.py",
        "long_run",
        repo='a"b&c',
        first_matched_ngram="x < y and y > z </td>",
        longest_run_tokens=60,
    )
    section = decontamination_section({**full_tables(), **decontamination_tables([evil])})
    assert "<script>alert" not in section
    [row] = review_rows(section)
    assert row[3:5] == ["a&quot;b&amp;c", "&lt;script&gt;alert(1)&lt;/script&gt;.py"]
    assert row[-1] == "x &lt; y and y &gt; z &lt;/td&gt;"


def test_decontamination_caps_say_what_they_left_out_and_how_to_query_the_rest(monkeypatch):
    monkeypatch.setattr(report, "DECONTAMINATION_REVIEW_ROWS_SHOWN", 3)
    monkeypatch.setattr(report, "DECONTAMINATION_TASKS_SHOWN", 2)
    # Five tasks, task i with i + 1 pasted files; the strongest paste is the longest run.
    matches = [
        decontamination_match(
            f"t{i}/f{j}.py", "long_run", task_id=f"HumanEval/{i}", longest_run_tokens=100 + 10 * i + j
        )
        for i in range(5)
        for j in range(i + 1)
    ]
    section = decontamination_section({**full_tables(), **decontamination_tables(matches)})
    assert [row[4] for row in review_rows(section)] == ["t4/f4.py", "t4/f3.py", "t4/f2.py"]
    assert (
        "The first 3 of 15 rows to review are shown; the other 12: select * from rpt_decontamination_matches "
        "where is_contaminated or verdict = &#x27;kept_common_ngrams&#x27; order by is_contaminated desc"
    ) in section
    assert "offset 3;" in section
    assert (
        "The 2 of 5 tasks with a match that matched the most files are shown; rpt_decontamination has every task."
        in section
    )
    [figure] = [
        b for b in report._decontamination({**full_tables(), **decontamination_tables(matches)}) if hasattr(b, "data")
    ]
    assert list(figure.data[0].x) == ["HumanEval/4", "HumanEval/3"]


def test_decontamination_review_query_orders_as_the_table_does():
    import duckdb

    matches = [
        decontamination_match("a.py", "kept_common_ngrams", distinctive_share=0.5),
        decontamination_match("b.py", "distinctive_code_share", distinctive_share=0.2, distinctive_code_share=0.9),
        decontamination_match("c.py", "long_run", distinctive_share=0.2, longest_run_tokens=80),
        decontamination_match("d.py", "distinctive_share", distinctive_share=0.9, longest_run_tokens=20),
        decontamination_match("e.py", "kept_below_share", distinctive_share=0.6),
    ]
    table = decontamination_tables(matches)["rpt_decontamination_matches"]
    with duckdb.connect() as con:
        con.register("rpt_decontamination_matches", table)
        queried = con.sql(
            f"select path from rpt_decontamination_matches where {report.DECONTAMINATION_REVIEW_WHERE} "
            f"order by {report.DECONTAMINATION_REVIEW_ORDER}"
        ).fetchall()
    shown = [
        row[4] for row in review_rows(decontamination_section({**full_tables(), **decontamination_tables(matches)}))
    ]
    assert [p for (p,) in queried] == shown == ["d.py", "b.py", "c.py", "a.py"]


def test_no_matched_file_says_so_instead_of_drawing_empty_plots():
    tables = {**full_tables(), **decontamination_tables([])}
    section = decontamination_section(tables)
    assert figure_status(render_report(tables))["decontamination"] == "empty"
    assert "No file matched a benchmark solution: 1 task of humaneval searched" in section
    assert "Plotly.newPlot(" not in section and "<table" not in section
