"""The corpus report: one self-contained HTML file of plots built from the ``rpt_*`` models.

    winnow report --db data/winnow.duckdb --out out/report.html

``make run`` calls it after ``dbt build``. The report is a list of :class:`FigureSpec`: each names
the ``rpt_*`` models (and the columns) it reads and a function from those tables to a plotly
figure, or to several blocks (figures, plain :class:`Table` s and :class:`Note` s). A figure whose models are not in the database, or lack a column it needs, is rendered as a
"not built yet" note naming what is missing rather than failing the report, so a partial build
(``dbt build --select ...``) still gets a report, and a new figure is one more spec in ``FIGURES``.

:func:`render_report` is pure: tables in, HTML out. plotly.js is inlined once in ``<head>`` and
every figure's div has a fixed id (``figure-<key>``), so the same tables give the same bytes and
the file opens offline (no CDN, no fonts or map tiles fetched: the report uses no map traces).
"""

from __future__ import annotations

import argparse
import html
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

__all__ = ["FIGURES", "FigureSpec", "Note", "Table", "load_tables", "main", "render_report", "required_models"]

Tables = Mapping[str, "pa.Table | None"]


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the report.

    ``requires`` maps each model the figure reads to the columns it needs; ``build`` gets those
    tables (every one present, with those columns) and returns a plotly figure, a :class:`Table`,
    a :class:`Note`, or a list of them, shown in that order (the first carries the id
    ``figure-<key>``).
    """

    key: str
    title: str
    caption: str
    requires: Mapping[str, Sequence[str]]
    build: Callable[[Mapping[str, pa.Table]], object]


@dataclass(frozen=True)
class Table:
    """A plain HTML table: a row of headings, then rows of cells. Cells are escaped when rendered
    (they hold corpus data: paths, n-grams); None is an empty cell."""

    columns: Sequence[str]
    rows: Sequence[Sequence[object]]


@dataclass(frozen=True)
class Note:
    """A sentence in a section: under a figure, or, with a ``status`` (``empty``), in place of one."""

    text: str
    status: str | None = None


# --------------------------------------------------------------------------------------------
# Helpers over pyarrow tables (no pandas: plotly takes plain lists).


def _plain(value):
    """DuckDB's sum() gives DECIMAL/HUGEINT: plain int or float for plotting."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _rows(table: pa.Table) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in table.to_pylist()]


def _ordered_unique(values) -> list:
    seen: dict = {}
    for value in values:
        seen.setdefault(value, None)
    return list(seen)


def _layout(fig, *, height: int = 420, **kwargs):
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin=dict(l=70, r=30, t=70, b=60),
        # Above the plot area and any subplot titles.
        legend=dict(orientation="h", yanchor="bottom", y=1.12, x=0),
        **kwargs,
    )
    return fig


# --------------------------------------------------------------------------------------------
# Figures


def _funnel(tables: Mapping[str, pa.Table]):
    """Files and bytes remaining after each stage (rpt_funnel), and tokens where they exist:
    the curated corpus (int_files_tokenized, through rpt_mixture's source_tokens) and each
    mixture's realised tokens. Tokens are not counted before curation: only curated files are
    tokenised."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    funnel = sorted(_rows(tables["rpt_funnel"]), key=lambda r: (r["source"], r["stage_order"]))
    mixture = _rows(tables["rpt_mixture"])
    sources = _ordered_unique(r["source"] for r in funnel)
    stages = [s for _, s in sorted({(r["stage_order"], r["stage"]) for r in funnel})]
    mixtures = sorted({r["mixture"] for r in mixture})
    fig = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=("files remaining", "MB remaining", "tokens (curated and per mixture)"),
        column_widths=[0.37, 0.37, 0.26],
        horizontal_spacing=0.07,
    )
    palette = _palette(sources)
    for source in sources:
        rows = [r for r in funnel if r["source"] == source]
        common = dict(name=source, legendgroup=source, marker_color=palette[source])
        fig.add_trace(
            go.Bar(x=[r["stage"] for r in rows], y=[r["files_remaining"] for r in rows], **common), row=1, col=1
        )
        fig.add_trace(
            go.Bar(
                x=[r["stage"] for r in rows], y=[r["bytes_remaining"] / 1e6 for r in rows], showlegend=False, **common
            ),
            row=1,
            col=2,
        )
        curated = next((r["source_tokens"] for r in mixture if r["source"] == source), None)
        token_x = ["curated"] + [f"mixture {m}" for m in mixtures]
        token_y = [curated] + [
            sum(r["realised_tokens"] or 0 for r in mixture if r["source"] == source and r["mixture"] == m)
            for m in mixtures
        ]
        fig.add_trace(go.Bar(x=token_x, y=token_y, showlegend=False, **common), row=1, col=3)
    for col in (1, 2):
        fig.update_xaxes(categoryorder="array", categoryarray=stages, tickangle=-35, row=1, col=col)
    fig.update_xaxes(tickangle=-35, row=1, col=3)
    return _layout(fig, barmode="stack", height=460)


def _drops_by_rule(tables: Mapping[str, pa.Table]):
    import plotly.graph_objects as go

    rows = _rows(tables["rpt_drops_by_rule"])
    totals: dict[tuple[str, str], int] = {}
    for r in rows:
        totals[(r["stage"], r["rule"])] = totals.get((r["stage"], r["rule"]), 0) + r["files"]
    # Largest at the top of a horizontal bar chart: plotly draws the first category at the bottom.
    labels = [f"{stage}: {rule}" for (stage, rule), _ in sorted(totals.items(), key=lambda kv: (kv[1], kv[0]))]
    sources = _ordered_unique(sorted(r["source"] for r in rows))
    palette = _palette(sources)
    fig = go.Figure()
    for source in sources:
        mine = [r for r in rows if r["source"] == source]
        fig.add_trace(
            go.Bar(
                y=[f"{r['stage']}: {r['rule']}" for r in mine],
                x=[r["files"] for r in mine],
                orientation="h",
                name=source,
                marker_color=palette[source],
                customdata=[[r["bytes"] / 1e6, r["threshold"]] for r in mine],
                hovertemplate="%{y}<br>%{x} files, %{customdata[0]:.2f} MB<br>threshold %{customdata[1]}<extra>"
                + source
                + "</extra>",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=labels)
    fig.update_xaxes(title_text="files dropped")
    return _layout(fig, barmode="stack", height=max(320, 60 + 26 * len(labels)))


def _length_histogram(tables: Mapping[str, pa.Table]):
    import plotly.graph_objects as go

    rows = _rows(tables["rpt_length_histogram"])
    buckets = sorted({r["bucket_log2"] for r in rows})
    labels = {b: _bytes_label(2**b) for b in buckets}
    fig = go.Figure()
    colours = {"before_filtering": "#9aa5b1", "curated": "#1f77b4"}
    for phase in ("before_filtering", "curated"):
        files = {b: 0 for b in buckets}
        for r in rows:
            if r["phase"] == phase:
                files[r["bucket_log2"]] += r["files"]
        fig.add_trace(
            go.Bar(
                x=[labels[b] for b in buckets],
                y=[files[b] for b in buckets],
                name=phase.replace("_", " "),
                marker_color=colours[phase],
                hovertemplate="%{x}: %{y} files<extra>" + phase + "</extra>",
            )
        )
    fig.update_xaxes(title_text="file size (bucket lower bound, powers of two)", type="category")
    fig.update_yaxes(title_text="files")
    return _layout(fig, barmode="overlay", bargap=0.05).update_traces(opacity=0.75)


def _duplicate_clusters(tables: Mapping[str, pa.Table]):
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, model, colour in (
        ("exact duplicates", "rpt_exact_duplicate_clusters", "#ff7f0e"),
        ("near duplicates", "rpt_near_dup_cluster_sizes", "#2ca02c"),
    ):
        rows = sorted((r for r in _rows(tables[model]) if r["cluster_size"] > 1), key=lambda r: r["cluster_size"])
        fig.add_trace(
            go.Bar(
                x=[r["cluster_size"] for r in rows],
                y=[r["clusters"] for r in rows],
                name=name,
                marker_color=colour,
                customdata=[r["files_removed"] for r in rows],
                hovertemplate="size %{x}: %{y} clusters, %{customdata} files removed<extra>" + name + "</extra>",
            )
        )
    sizes = sorted({size for trace in fig.data for size in trace.x})
    if not sizes:
        fig.add_annotation(text="no duplicates found", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    fig.update_xaxes(title_text="files per cluster", type="category", categoryorder="array", categoryarray=sizes)
    fig.update_yaxes(title_text="clusters", type="log")
    return _layout(fig, barmode="group")


def _license_families(tables: Mapping[str, pa.Table]):
    import plotly.graph_objects as go

    rows = _rows(tables["rpt_license_families"])
    # The order of rpt_license_families: most permissive first.
    families = _ordered_unique(r["family"] for r in rows)
    fig = go.Figure()
    for phase, column, colour in (("staged", "staged_files", "#9aa5b1"), ("curated", "curated_files", "#1f77b4")):
        totals = {f: 0 for f in families}
        for r in rows:
            totals[r["family"]] += r[column]
        fig.add_trace(
            go.Bar(
                x=families,
                y=[totals[f] for f in families],
                name=phase,
                marker_color=colour,
                text=[totals[f] for f in families],
                textposition="outside",
            )
        )
    # Counts on the bars: the disallowed families are often a hundredth of the permissive one.
    fig.update_yaxes(title_text="files")
    return _layout(fig, barmode="group")


def _mixture_shares(tables: Mapping[str, pa.Table]):
    import plotly.graph_objects as go

    rows = sorted(_rows(tables["rpt_mixture"]), key=lambda r: (r["mixture"], r["source"], r.get("score_bucket") or ""))
    # A source split into score buckets shows one bar per bucket.
    x = [
        [r["mixture"] for r in rows],
        [r["source"] if r.get("score_bucket", "all") == "all" else f"{r['source']} {r['score_bucket']}" for r in rows],
    ]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=x, y=[r["target_share"] for r in rows], name="target share", marker_color="#9aa5b1"))
    fig.add_trace(
        go.Bar(
            x=x,
            y=[r["realised_share"] for r in rows],
            name="realised share",
            marker_color="#1f77b4",
            customdata=[[r["share_error_pp"], r["realised_tokens"], r["target_epochs"]] for r in rows],
            hovertemplate="realised %{y:.3f} (%{customdata[0]:+.2f} pp)<br>%{customdata[1]:,} tokens, "
            "%{customdata[2]:.2f} epochs<extra></extra>",
        )
    )
    fig.update_yaxes(title_text="share of the mixture's tokens", tickformat=".0%", range=[0, 1.05])
    return _layout(fig, barmode="group")


# The packing-padding figure reads rpt_packing (one row per mixture and split). Until that model exists the report shows it as not built yet.
PACKING_COLUMNS = (
    "mixture",
    "split",
    "windows",
    "packed_tokens",
    "padding_tokens",
    "padding_fraction",
    "dropped_tokens",
)


def _packing_padding(tables: Mapping[str, pa.Table]):
    """Where each mixture's and split's tokens went: into windows as document tokens, as padding,
    or into the dropped tail (concat with packing_tail drop pads nothing; best_fit drops nothing)."""
    import plotly.graph_objects as go

    rows = sorted(_rows(tables["rpt_packing"]), key=lambda r: (r["mixture"], r["split"]))
    labels = [f"{r['mixture']} · {r['split']}" for r in rows]
    parts = (
        ("document tokens", lambda r: r["packed_tokens"] - r["padding_tokens"]),
        ("padding", lambda r: r["padding_tokens"]),
        ("dropped tail", lambda r: r["dropped_tokens"]),
    )
    fig = go.Figure()
    for name, value in parts:
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[value(r) for r in rows],
                name=name,
                customdata=[[r["windows"], r["padding_fraction"]] for r in rows],
                hovertemplate="%{x}: %{y:,} " + name + "<br>%{customdata[0]:,} sequences, "
                "%{customdata[1]:.2%} padding<extra></extra>",
            )
        )
    fig.update_yaxes(title_text="tokens")
    return _layout(fig, barmode="stack")


# Enough bars to read on one screen, and enough rows to review by eye; the rest stay in the models.
DECONTAMINATION_TASKS_SHOWN = 30
DECONTAMINATION_REVIEW_ROWS_SHOWN = 200
# The rows a user must look at, strongest evidence first: the files dropped, then the files kept
# only because the n-grams they share are common code. _review_order is the same order in Python.
DECONTAMINATION_REVIEW_WHERE = "is_contaminated or verdict = 'kept_common_ngrams'"
DECONTAMINATION_REVIEW_ORDER = (
    "is_contaminated desc, greatest(distinctive_share, coalesce(distinctive_code_share, 0)) desc, "
    "longest_run_tokens desc, benchmark, task_id, solution_id, doc_id"
)
DECONTAMINATION_COLUMNS = {
    "rpt_decontamination": (
        "level",
        "benchmark",
        "task_id",
        "files_matched",
        "files_dropped",
        "files_kept_common_ngrams",
    ),
    "rpt_decontamination_matches": (
        "benchmark",
        "task_id",
        "solution_id",
        "verdict",
        "is_contaminated",
        "repo",
        "path",
        "doc_id",
        "distinctive_share",
        "n_matched_distinctive_ngrams",
        "n_distinctive_ngrams",
        "distinctive_code_share",
        "n_matched_distinctive_solution_ngrams",
        "n_distinctive_solution_ngrams",
        "n_matched_ngrams",
        "n_searched_ngrams",
        "longest_run_tokens",
        "first_matched_ngram",
    ),
}


def _review_order(row: dict) -> tuple:
    share = max(row["distinctive_share"] or 0, row["distinctive_code_share"] or 0)
    return (
        not row["is_contaminated"],
        -share,
        -(row["longest_run_tokens"] or 0),
        row["benchmark"],
        row["task_id"],
        row["solution_id"],
        row["doc_id"],
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _share(share, matched, total) -> str:
    """'0.82 (41 of 50)'; a dash where the share is not measured (too few n-grams of the solution's own)."""
    return "–" if share is None else f"{share:.2f} ({matched:,} of {total:,})"


def _decontamination(tables: Mapping[str, pa.Table]) -> list:
    """Files matched per task (dropped, kept only because of the idiom rule, kept below the share),
    then the dropped and kept_common_ngrams files with their evidence, strongest first."""
    import plotly.graph_objects as go

    summary = _rows(tables["rpt_decontamination"])
    tasks = [r for r in summary if r["level"] == "task"]
    matches = _rows(tables["rpt_decontamination_matches"])
    if not matches:
        benchmarks = sorted({r["benchmark"] for r in tasks})
        return [
            Note(
                f"No file matched a benchmark solution: {_count(len(tasks), 'task')} of "
                f"{', '.join(benchmarks) or 'no benchmark'} "
                "searched, nothing dropped for decontamination and nothing to review.",
                status="empty",
            )
        ]

    matched = sorted(
        (r for r in tasks if r["files_matched"]), key=lambda r: (-r["files_matched"], r["benchmark"], r["task_id"])
    )
    shown = matched[:DECONTAMINATION_TASKS_SHOWN]
    shown_benchmarks = sorted({r["benchmark"] for r in shown})
    one_benchmark = len(shown_benchmarks) == 1
    labels = [r["task_id"] if one_benchmark else f"{r['benchmark']} · {r['task_id']}" for r in shown]
    fig = go.Figure()
    for name, value, colour in (
        ("dropped", lambda r: r["files_dropped"], "#d62728"),
        ("kept_common_ngrams", lambda r: r["files_kept_common_ngrams"], "#ff7f0e"),
        (
            "kept_below_share",
            lambda r: r["files_matched"] - r["files_dropped"] - r["files_kept_common_ngrams"],
            "#9aa5b1",
        ),
    ):
        fig.add_trace(
            go.Bar(
                x=labels,
                y=[value(r) for r in shown],
                name=name,
                marker_color=colour,
                customdata=[r["files_matched"] for r in shown],
                hovertemplate="%{x}: %{y} of %{customdata} files matched<extra>" + name + "</extra>",
            )
        )
    fig.update_xaxes(
        title_text=f"task of {shown_benchmarks[0]}" if one_benchmark else "benchmark · task",
        type="category",
        tickangle=-35,
    )
    # Whole files: no 0.2 ticks when a task has one or two.
    fig.update_yaxes(
        title_text="files",
        tickformat=",d",
        dtick=1 if max((r["files_matched"] for r in shown), default=0) <= 5 else None,
    )
    blocks: list = [_layout(fig, barmode="group")]

    totals = "; ".join(
        f"{r['benchmark']}: {_count(r['files_matched'], 'file')} matched "
        f"{_count(sum(t['benchmark'] == r['benchmark'] for t in matched), 'task')}, {r['files_dropped']:,} dropped, "
        f"{r['files_kept_common_ngrams']:,} kept only because of the idiom rule"
        for r in summary
        if r["level"] == "benchmark" and r["files_matched"]
    )
    cap = (
        f" The {len(shown)} of {len(matched):,} tasks with a match that matched the most files are shown; "
        "rpt_decontamination has every task."
        if len(matched) > len(shown)
        else ""
    )
    blocks.append(Note(f"{totals}.{cap}"))

    review = sorted(
        (r for r in matches if r["is_contaminated"] or r["verdict"] == "kept_common_ngrams"), key=_review_order
    )
    below = len(matches) - len(review)
    left_out = (
        f" The {below:,} kept_below_share matches are not listed: select * from rpt_decontamination_matches "
        "where verdict = 'kept_below_share';"
        if below
        else ""
    )
    if not review:
        blocks.append(Note(f"No file was dropped or kept only because of the idiom rule.{left_out}"))
        return blocks
    blocks.append(
        Table(
            (
                "benchmark",
                "task",
                "verdict",
                "repo",
                "path",
                "distinctive share",
                "code share",
                "n-grams matched",
                "longest run (tokens)",
                "first matched n-gram",
            ),
            [
                (
                    r["benchmark"],
                    r["task_id"] if r["solution_id"] == "0" else f"{r['task_id']} · solution {r['solution_id']}",
                    r["verdict"],
                    r["repo"],
                    r["path"],
                    _share(r["distinctive_share"], r["n_matched_distinctive_ngrams"], r["n_distinctive_ngrams"]),
                    _share(
                        r["distinctive_code_share"],
                        r["n_matched_distinctive_solution_ngrams"],
                        r["n_distinctive_solution_ngrams"],
                    ),
                    f"{r['n_matched_ngrams']:,} of {r['n_searched_ngrams']:,}",
                    r["longest_run_tokens"],
                    r["first_matched_ngram"],
                )
                for r in review[:DECONTAMINATION_REVIEW_ROWS_SHOWN]
            ],
        )
    )
    if len(review) > DECONTAMINATION_REVIEW_ROWS_SHOWN:
        rest = (
            f"The first {DECONTAMINATION_REVIEW_ROWS_SHOWN} of {len(review):,} rows to review are shown; "
            f"the other {len(review) - DECONTAMINATION_REVIEW_ROWS_SHOWN:,}: select * from rpt_decontamination_matches "
            f"where {DECONTAMINATION_REVIEW_WHERE} order by {DECONTAMINATION_REVIEW_ORDER} "
            f"offset {DECONTAMINATION_REVIEW_ROWS_SHOWN};"
        )
    else:
        rest = f"Every row to review is shown ({len(review):,})."
    blocks.append(Note(rest + left_out))
    return blocks


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        "funnel",
        "The funnel",
        "Files, megabytes and tokens per source after each stage; tokens exist from curation on "
        "(the curated corpus, then each mixture's realised tokens including FIM sentinels).",
        {
            "rpt_funnel": ("source", "stage", "stage_order", "files_remaining", "bytes_remaining"),
            "rpt_mixture": ("mixture", "source", "source_tokens", "realised_tokens"),
        },
        _funnel,
    ),
    FigureSpec(
        "drops_by_rule",
        "Drops per rule",
        "Files each rule dropped, per source; hover for megabytes and the threshold (fct_drop_ledger has every file).",
        {"rpt_drops_by_rule": ("source", "stage", "rule", "files", "bytes", "threshold")},
        _drops_by_rule,
    ),
    FigureSpec(
        "length_histogram",
        "File sizes before filtering and after curation",
        "Files per power-of-two size bucket, all sources: what the size, line and quality rules took away.",
        {"rpt_length_histogram": ("phase", "bucket_log2", "files")},
        _length_histogram,
    ),
    FigureSpec(
        "duplicate_clusters",
        "Duplicate cluster sizes",
        "How many exact and near-duplicate clusters there are of each size (log scale); every cluster keeps one file.",
        {
            "rpt_exact_duplicate_clusters": ("cluster_size", "clusters", "files_removed"),
            "rpt_near_dup_cluster_sizes": ("cluster_size", "clusters", "files_removed"),
        },
        _duplicate_clusters,
    ),
    FigureSpec(
        "license_families",
        "License families",
        "Files per license family, staged against curated; a file with several licenses counts under its most "
        "restrictive family (var license_families_allowed decides what stays).",
        {"rpt_license_families": ("family", "staged_files", "curated_files")},
        _license_families,
    ),
    FigureSpec(
        "mixture_shares",
        "Target against realised token shares",
        "Per mixture and source (seeds/mixtures.csv): the token share asked for and the share realised.",
        {
            "rpt_mixture": (
                "mixture",
                "source",
                "target_share",
                "realised_share",
                "share_error_pp",
                "realised_tokens",
                "target_epochs",
            )
        },
        _mixture_shares,
    ),
    FigureSpec(
        "packing_padding",
        "Packing padding",
        "Tokens per mixture and split: packed as document tokens, padding (hover for its share of the packed tokens), or dropped with the last partial window.",
        {"rpt_packing": PACKING_COLUMNS},
        _packing_padding,
    ),
    FigureSpec(
        "decontamination",
        "Decontamination",
        "Per benchmark task with a match: files dropped as copies of a solution, files kept only because the "
        "n-grams they share are common across repositories (kept_common_ngrams: the idiom rule), and files that "
        "share too little (kept_below_share). Below, every dropped and kept_common_ngrams file to review, "
        "dropped first, strongest evidence first (rpt_decontamination_matches has every match).",
        DECONTAMINATION_COLUMNS,
        _decontamination,
    ),
)


# --------------------------------------------------------------------------------------------
# Rendering


def _palette(sources: Sequence[str]) -> dict[str, str]:
    import plotly.colors

    colours = plotly.colors.qualitative.Plotly
    return {source: colours[i % len(colours)] for i, source in enumerate(sources)}


def _bytes_label(n: int) -> str:
    for unit, size in (("MB", 2**20), ("kB", 2**10)):
        if n >= size:
            return f"{n // size} {unit}"
    return f"{n} B"


def required_models(figures: Sequence[FigureSpec] = FIGURES) -> list[str]:
    """Every model some figure reads, sorted."""
    return sorted({model for spec in figures for model in spec.requires})


def _missing(spec: FigureSpec, tables: Tables) -> list[str]:
    """What the figure needs that the tables lack, as readable phrases (empty: it can be drawn)."""
    missing = []
    for model, columns in spec.requires.items():
        table = tables.get(model)
        if table is None:
            missing.append(f"model {model}")
            continue
        absent = [c for c in columns if c not in table.column_names]
        if absent:
            missing.append(f"column{'s' if len(absent) > 1 else ''} {', '.join(absent)} of {model}")
    return missing


def _empty(spec: FigureSpec, tables: Tables) -> bool:
    return all(tables[model].num_rows == 0 for model in spec.requires)


def _block_html(block, element_id: str) -> str:
    """One block of a section as HTML: a Note, a Table, or a plotly figure (its div gets the id)."""
    if isinstance(block, Note):
        if block.status is None:
            return f'<p class="caption" id="{element_id}">{html.escape(block.text)}</p>'
        return f'<div class="not-built" id="{element_id}" data-status="{block.status}">{html.escape(block.text)}</div>'
    if isinstance(block, Table):
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in block.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>\n"
            for row in block.rows
        )
        return (
            f'<div class="table"><table id="{element_id}" data-rows="{len(block.rows)}">\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table></div>"
        )
    import plotly.io

    return plotly.io.to_html(
        block,
        full_html=False,
        include_plotlyjs=False,
        div_id=element_id,
        config={"displaylogo": False, "responsive": True},
    )


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px;
       color: #1f2933; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; }
section { margin: 2rem 0; border-top: 1px solid #e4e7eb; padding-top: 1rem; }
p.caption { color: #52606d; margin-top: 0.2rem; }
.not-built { background: #fff8e1; border: 1px dashed #f0b429; padding: 1.5rem; color: #8d6708; }
nav a { margin-right: 1rem; }
div.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; }
th, td { text-align: left; vertical-align: top; padding: 0.25rem 0.5rem; border-bottom: 1px solid #e4e7eb; }
table { width: 100%; }
td { overflow-wrap: break-word; }
"""


def render_report(
    tables: Tables, *, title: str = "winnow corpus report", subtitle: str = "", figures: Sequence[FigureSpec] = FIGURES
) -> str:
    """The report as one HTML document.

    ``tables`` maps model names to pyarrow tables; a name that is absent or maps to None is a model
    that is not built. Each figure of ``figures`` is drawn when its models and columns are there,
    else shown as not built yet (with what is missing); a figure with no rows says so.
    """
    from plotly.offline import get_plotlyjs

    sections, nav = [], []
    for spec in figures:
        anchor = f"figure-{spec.key}"
        nav.append(f'<a href="#section-{spec.key}">{html.escape(spec.title)}</a>')
        missing = _missing(spec, tables)
        if missing:
            body = (
                f'<div class="not-built" id="{anchor}" data-status="not-built">Not built yet: needs '
                f"{html.escape('; '.join(missing))}. Run <code>dbt build</code> (all models) and this report again.</div>"
            )
        elif _empty(spec, tables):
            body = _block_html(Note("No rows yet: the models are empty.", status="empty"), anchor)
        else:
            built = spec.build(tables)
            blocks = built if isinstance(built, list) else [built]
            body = "\n".join(
                _block_html(block, anchor if i == 0 else f"{anchor}-{i + 1}") for i, block in enumerate(blocks)
            )
        sections.append(
            f'<section id="section-{spec.key}" data-figure="{spec.key}">\n<h2>{html.escape(spec.title)}</h2>\n'
            f'<p class="caption">{html.escape(spec.caption)}</p>\n{body}\n</section>'
        )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n"
        # plotly.js once, inline: the file opens offline and the figures below only call Plotly.
        f'<script type="text/javascript">{get_plotlyjs()}</script>\n</head>\n<body>\n'
        f'<h1>{html.escape(title)}</h1>\n<p class="caption">{html.escape(subtitle)}</p>\n'
        f"<nav>{' '.join(nav)}</nav>\n" + "\n".join(sections) + "\n</body>\n</html>\n"
    )


def load_tables(db_path: str | Path, models: Sequence[str] | None = None) -> dict[str, pa.Table | None]:
    """Read the report's models from a winnow DuckDB file (read-only); None for a model not built.

    The rpt_* models are plain tables (no UDF calls), so any DuckDB client can read them."""
    import duckdb

    models = list(models or required_models())
    with duckdb.connect(str(db_path), read_only=True) as con:
        present = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
        return {
            model: con.sql(f'select * from "{model}"').to_arrow_table() if model in present else None
            for model in models
        }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="winnow report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="data/winnow.duckdb", help="the DuckDB file dbt built (default: %(default)s)")
    parser.add_argument("--out", default="out/report.html", help="the HTML file to write (default: %(default)s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    db = Path(args.db)
    if not db.exists():
        print(f"error: no database at {db}: run `make run` (or dbt build) first, or pass --db", file=sys.stderr)
        return 2
    tables = load_tables(db)
    document = render_report(tables, subtitle=f"Built from the rpt_* models of {db}.")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(document, encoding="utf-8")
    tmp.replace(out)
    not_built = [spec.key for spec in FIGURES if _missing(spec, tables)]
    print(
        f"report: {out} ({len(FIGURES) - len(not_built)} of {len(FIGURES)} figures"
        + (f"; not built yet: {', '.join(not_built)})" if not_built else ")")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
