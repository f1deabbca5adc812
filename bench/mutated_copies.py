"""Mutated copies of an ingested corpus: a larger raw corpus of real-looking code and text.

Each copy of a file is, by a stable hash of (copy, path), an exact copy (10%), a light edit (60%:
one identifier renamed everywhere and a few lines dropped) or a heavy edit (30%: half of the lines
dropped in runs and identifiers renamed), so exact dedup, near dedup and the filters all have real
work. A copy is written as extra Parquet parts beside the originals, in the originals' schema:
ingest's (`content`, under repository `mutant-<copy>/<repo>`) or the text flavour's (`text`, with
id `mutant-<copy>/<id>` and the URL's path under `/mutant-<copy>`, so URL dedup sees a new page).
Each part depends only on its original and its copy number, so the result is the same whatever the
number of worker processes.
"""

from __future__ import annotations

import hashlib
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from python_udfs.cli.ingest import (  # noqa: E402
    RAW_SCHEMA,
    ROW_GROUP_MAX_BYTES,
    ROW_GROUP_MAX_ROWS,
    row_group_bounds,
)
from python_udfs.cli.text_corpus import TEXT_SCHEMA  # noqa: E402

IDENTIFIER = re.compile(r"\b[A-Za-z_][A-Za-z0-9_]{3,}\b")
URL_HOST = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)")


def stable_uniform(*parts: object) -> float:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def mutate(text: str, path: str, copy: int) -> str:
    """A deterministic variant of one file for one copy (see the module docstring)."""
    kind = stable_uniform("kind", copy, path)
    if kind < 0.1:
        return text
    lines = text.split("\n")
    names = sorted(set(IDENTIFIER.findall(text)))
    renames = 1 if kind < 0.7 else 4
    for r in range(min(renames, len(names))):
        name = names[int(stable_uniform("name", copy, path, r) * len(names))]
        text_lines = "\n".join(lines)
        lines = re.sub(rf"\b{re.escape(name)}\b", f"{name}_v{copy}", text_lines).split("\n")
    drop_share = 0.03 if kind < 0.7 else 0.5
    run = 1 if kind < 0.7 else 8
    kept = [line for i, line in enumerate(lines) if stable_uniform("drop", copy, path, i // run) >= drop_share]
    return "\n".join(kept)


def text_bytes(part: Path) -> int:
    """The UTF-8 bytes of text in one part file of either schema."""
    names = pq.read_schema(part).names
    if "n_bytes" in names:
        return sum(pq.read_table(part, columns=["n_bytes"]).column(0).to_pylist())
    return sum(len(text.encode()) for text in pq.read_table(part, columns=["text"]).column(0).to_pylist())


def _mutated_table(table: pa.Table, copy: int) -> tuple[pa.Table, pa.Schema, list[int]]:
    """(the copy of one part's rows, its schema, the bytes of text of each row)."""

    def replaced(table: pa.Table, name: str, values: list, type_: pa.DataType) -> pa.Table:
        return table.set_column(table.schema.get_field_index(name), name, pa.array(values, type_))

    if "content" in table.column_names:
        contents = [
            mutate(text, path, copy)
            for text, path in zip(table.column("content").to_pylist(), table.column("path").to_pylist())
        ]
        sizes = [len(c.encode()) for c in contents]
        table = replaced(table, "content", contents, pa.large_string())
        table = replaced(table, "n_bytes", sizes, pa.int64())
        repos = [f"mutant-{copy}/{r}" for r in table.column("repo").to_pylist()]
        return replaced(table, "repo", repos, pa.string()).cast(RAW_SCHEMA), RAW_SCHEMA, sizes
    ids = table.column("id").to_pylist()
    texts = [mutate(text, id_, copy) for text, id_ in zip(table.column("text").to_pylist(), ids)]
    urls = [
        url if url is None else URL_HOST.sub(rf"\1/mutant-{copy}", url, count=1)
        for url in table.column("url").to_pylist()
    ]
    table = replaced(table, "text", texts, pa.large_string())
    table = replaced(table, "id", [f"mutant-{copy}/{i}" for i in ids], pa.string())
    table = replaced(table, "url", urls, pa.string())
    return table.cast(TEXT_SCHEMA), TEXT_SCHEMA, [len(t.encode()) for t in texts]


def _write_mutated_part(original: Path, out: Path, copy: int) -> int:
    """One mutated copy of one ingested part file; returns the bytes of text it holds."""
    if out.exists():
        return text_bytes(out)
    table, schema, sizes = _mutated_table(pq.read_table(original), copy)
    partial = out.with_suffix(".tmp")
    with pq.ParquetWriter(partial, schema, compression="zstd") as writer:
        for start, stop in row_group_bounds(sizes, ROW_GROUP_MAX_ROWS, ROW_GROUP_MAX_BYTES):
            writer.write_table(table.slice(start, stop - start), row_group_size=stop - start)
    partial.rename(out)
    return sum(sizes)


def mutant_part(raw: Path, copy: int, number: int) -> Path:
    """Where copy `copy` of the `number`-th original part of `raw` is written."""
    return raw / f"mutant-{copy:03d}-{number:05d}.parquet"


def write_mutated_copies(raw: Path, copies: int, workers: int = 1) -> int:
    """Writes part files of mutated copies 1..`copies` next to the ingested parts (in `workers`
    processes); returns the bytes of text they hold. Parts already written are kept."""
    originals = sorted(raw.glob("part-*.parquet"))
    tasks = [
        (original, mutant_part(raw, copy, number), copy)
        for copy in range(1, copies + 1)
        for number, original in enumerate(originals)
    ]
    if workers <= 1:
        return sum(_write_mutated_part(*task) for task in tasks)
    with ProcessPoolExecutor(workers) as pool:
        return sum(pool.map(_write_mutated_part, *zip(*tasks)))
