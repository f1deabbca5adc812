"""Export step of fct_exported_shards: every mixture's windows written as shards under
<output_dir>/<mixture>/ (python_udfs.export.shards), its manifest.json last; one row per file.

The step gets plain values: the mixtures, the tokenizer's row, the provenance and the report rows
the manifest lists, each split's window count and real tokens, and ``windows(mixture, split)``,
the record batches of one mixture's split in window order. DuckDB's dbt Python model queries
them; on Spark the SQL model computes them and a UDTF streams the windows in one partition
(python_udfs.engine.spark_steps). ``build`` names the engine and its database: the one manifest
field that differs between engines.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path

import pyarrow as pa

import python_udfs

from ..export.provenance import display_path, file_sha256, git_commit, versions
from ..export.shards import SPLITS, ExportError, finish_mixture, remove_other_mixtures, start_mixture, write_split
from ..kernels.utils import checked_in_order

# The manifest's row orders (the funnel's every column, as a source has a row per kind and stage).
FUNNEL_ORDER = (
    "source",
    "stage_order",
    "stage",
    "files_remaining",
    "bytes_remaining",
    "files_removed",
    "bytes_removed",
    "bytes_edited",
)
MIXTURE_TOKENS_ORDER = ("mixture", "source", "documents", "score_bucket")
MIXTURE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
MANIFEST_VERSION = 1

SCHEMA = pa.schema(
    [
        ("mixture", pa.string()),
        ("split", pa.string()),
        ("format", pa.string()),
        ("shard", pa.int32()),
        ("path", pa.string()),
        ("sequences", pa.int64()),
        ("tokens", pa.int64()),
        ("real_tokens", pa.int64()),
        ("bytes", pa.int64()),
        ("sha256", pa.string()),
    ]
)


@dataclass(frozen=True)
class ExportKnobs:
    """Vars output_dir, export_formats, export_tokens_per_shard, seq_len and the packing vars
    (``packing``: strategy, tail, best_fit_block_tokens), as the manifest records them."""

    output_dir: str
    formats: list[str]
    tokens_per_shard: int
    seq_len: int
    packing: dict = field(default_factory=dict)


@dataclass
class ExportInputs:
    """What the manifest lists besides the files: ``tokenizer`` (tokenizer_path, tokenizer_sha256,
    vocab_size, eos_token_id, pad_token_id, engine), ``provenance``, and the rows of
    fct_mixture_realised (``mixture_tokens``), fct_packing_stats (``packing_report``) and the
    split totals (``splits``), each in the manifest's order."""

    mixtures: list[str]
    tokenizer: dict
    provenance: dict
    mixture_tokens: list[dict]
    packing_report: list[dict]
    splits: list[dict]


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _ordered(rows: list[dict], *keys: str) -> list[dict]:
    """Rows in the order of ``order by keys`` (NULLs last, as DuckDB and Spark sort ascending)."""
    return sorted(rows, key=lambda row: [(row[key] is None, row[key] if row[key] is not None else 0) for key in keys])


def check_mixture_names(mixtures: Iterable[str], output_dir: str) -> None:
    for mixture in mixtures:
        if not MIXTURE_NAME.fullmatch(mixture):
            raise ExportError(
                f"seeds/mixtures.csv: mixture {mixture!r} cannot name a directory under {output_dir}/; "
                "use letters, digits, '_', '.' and '-' (not starting with '.' or '-')"
            )


def check_tokenizer_unchanged(tokenizer: dict) -> None:
    if sha := tokenizer["tokenizer_sha256"]:
        if file_sha256(tokenizer["tokenizer_path"]) != sha:
            raise ExportError(
                f"{tokenizer['tokenizer_path']} changed since int_tokenizer_prepared read it; rebuild from there"
            )


def raw_inputs(sources: Iterable[dict], root: str, files_of: Callable[[str], list[str]] | None = None) -> list[dict]:
    """Every raw file of every corpus source (``source_name``, ``parquet_glob``), with its size and
    sha256, sources by name and files in path order. ``files_of`` expands a glob (DuckDB's glob()
    on DuckDB; elsewhere Python's, recursive and files only, which lists the same files)."""
    expand = files_of or (
        lambda pattern: [p for p in sorted(glob(pattern, recursive=True, include_hidden=True)) if os.path.isfile(p)]
    )
    inputs = []
    for source in sorted(sources, key=lambda s: s["source_name"]):
        # Relative to the project directory (root), whatever the working directory (a Spark
        # executor's); a directory (a Software Heritage export's root) stands for every file in it.
        pattern = os.path.join(root, source["parquet_glob"])
        for path in expand(os.path.join(pattern, "**") if os.path.isdir(pattern) else pattern):
            inputs.append(
                {
                    "source": source["source_name"],
                    "path": display_path(path, root),
                    "bytes": os.path.getsize(path),
                    "sha256": file_sha256(path),
                }
            )
    return inputs


def provenance(
    *,
    raw: list[dict],
    tokenizer: dict,
    every_var: dict,
    funnel: list[dict],
    curated_tokens: list[dict],
    root: str,
    git: dict | None = None,
) -> dict:
    """What the manifest says the data came from. ``git``: the commit as the process that started
    the build saw it (a Spark executor runs code shipped as a zip, outside any git work tree)."""
    return {
        "raw_inputs": raw,
        "tokenizer": {
            "path": display_path(tokenizer["tokenizer_path"], root),
            "sha256": tokenizer["tokenizer_sha256"],
            "engine": tokenizer["engine"],
        },
        "versions": versions(),
        "git": git if git is not None else git_commit(root, Path(python_udfs.__file__).resolve().parent),
        "vars": every_var,
        "funnel": funnel,
        "curated_tokens": curated_tokens,
    }


def export_mixtures(
    knobs: ExportKnobs,
    inputs: ExportInputs,
    *,
    build: dict,
    split_totals: Callable[[str, str], tuple[int, int]],
    windows: Callable[[str, str], Iterator[pa.RecordBatch]],
    log: Callable[[str], None] | None = None,
) -> list[dict]:
    """Write every mixture (manifest last) and remove what earlier exports wrote for mixtures not
    in ``inputs.mixtures``; the rows of fct_exported_shards (``SCHEMA``)."""
    output_dir, seq_len, tokenizer = knobs.output_dir, knobs.seq_len, inputs.tokenizer
    vocab_size = tokenizer["vocab_size"]
    cleared = remove_other_mixtures(output_dir, inputs.mixtures)
    if cleared:
        (log or _to_stderr)(
            f"fct_exported_shards: removed the shards and manifests of {', '.join(cleared)} from {output_dir}/: "
            "mixtures this build does not describe"
        )
    shard_rows = []
    for mixture in inputs.mixtures:
        mixture_dir = Path(output_dir) / mixture
        start_mixture(mixture_dir)
        files, totals = [], {}
        for split in SPLITS:
            total, real_tokens = split_totals(mixture, split)
            repos = next((s for s in inputs.splits if s["split"] == split), {"repos": 0, "files": 0})
            totals[split] = {
                "sequences": total,
                "tokens": total * seq_len,
                "real_tokens": int(real_tokens),
                "repos": repos["repos"],
                "curated_files": repos["files"],
            }
            files += write_split(
                windows(mixture, split),
                mixture_dir,
                split,
                total_windows=total,
                formats=knobs.formats,
                vocab_size=vocab_size,
                seq_len=seq_len,
                tokens_per_shard=knobs.tokens_per_shard,
            )
        files.sort(key=lambda f: f.path)
        manifest = {
            "manifest_version": MANIFEST_VERSION,
            "mixture": mixture,
            "seq_len": seq_len,
            "packing": knobs.packing,
            "formats": sorted(knobs.formats),
            "vocab_size": vocab_size,
            "eos_token_id": tokenizer["eos_token_id"],
            "pad_token_id": tokenizer["pad_token_id"]
            if tokenizer["pad_token_id"] is not None
            else tokenizer["eos_token_id"],
            "token_dtype": "uint16" if vocab_size <= 2**16 else "uint32",
            "files": [f.as_json() for f in files],
            "splits": totals,
            "packing_report": [r for r in inputs.packing_report if r["mixture"] == mixture],
            "mixture_tokens": [r for r in inputs.mixture_tokens if r["mixture"] == mixture],
            "provenance": inputs.provenance,
            "build": build,
        }
        finish_mixture(mixture_dir, files, manifest)
        for f in files:
            shard_rows.append({"mixture": mixture, **f.as_json(), "path": (mixture_dir / f.path).as_posix()})
    return shard_rows


def export_stream(batches: Iterator[tuple[str, str, pa.RecordBatch]], knobs: dict, inputs: dict) -> Iterator[dict]:
    """``export_mixtures`` over one stream of windows in mixture, split and window order, as
    (mixture, split, batch) items, with the inputs as plain JSON values (``knobs``: ExportKnobs'
    fields; ``inputs``: ExportInputs' fields but provenance, plus ``sources`` (corpus_sources'
    rows), ``funnel``, ``curated_tokens``, ``every_var``, ``root``, ``git``, ``build`` and
    ``split_totals`` (mixture, split, windows, real_tokens)). Used where one ordered stream is
    what the engine gives (a Spark UDTF); yields the rows of fct_exported_shards."""
    export_knobs = ExportKnobs(**knobs)
    mixtures = sorted(inputs["mixtures"])
    check_mixture_names(mixtures, export_knobs.output_dir)
    tokenizer = inputs["tokenizer"]
    check_tokenizer_unchanged(tokenizer)
    root = inputs.get("root") or os.getcwd()
    export_inputs = ExportInputs(
        mixtures=mixtures,
        tokenizer=tokenizer,
        provenance=provenance(
            raw=raw_inputs(inputs["sources"], root),
            tokenizer=tokenizer,
            every_var=inputs["every_var"],
            funnel=_ordered(inputs["funnel"], *FUNNEL_ORDER),
            curated_tokens=_ordered(inputs["curated_tokens"], "source"),
            root=root,
            git=inputs.get("git"),
        ),
        mixture_tokens=_ordered(inputs["mixture_tokens"], *MIXTURE_TOKENS_ORDER),
        packing_report=_ordered(inputs["packing_report"], "mixture", "split"),
        splits=_ordered(inputs["splits"], "split"),
    )
    totals = {(t["mixture"], t["split"]): (t["windows"], t["real_tokens"]) for t in inputs["split_totals"]}
    head = next(batches, None)

    def split_windows(mixture: str, split: str) -> Iterator[pa.RecordBatch]:
        nonlocal head
        while head is not None and head[:2] == (mixture, split):
            yield head[2]
            head = next(batches, None)

    def windows(mixture: str, split: str) -> Iterator[pa.RecordBatch]:
        return checked_in_order(split_windows(mixture, split), "window_index")

    rows = export_mixtures(
        export_knobs,
        export_inputs,
        build=inputs["build"],
        split_totals=lambda mixture, split: totals.get((mixture, split), (0, 0)),
        windows=windows,
    )
    if head is not None:
        raise ExportError(
            f"fct_packed_sequences has windows of mixture {head[0]!r}, split {head[1]!r} that the export did not "
            "write (not a mixture of fct_training_documents, or out of order): rebuild fct_packed_sequences"
        )
    yield from rows
