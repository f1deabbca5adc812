"""datatrove's stages that winnow also has, chained on one corpus: read, Gopher quality and
repetition filters on the prose documents, exact dedup, MinHash dedup, tokenisation. Run with the
datatrove venv; prints seconds, documents and tokens per stage as JSON.

usage: python bench/datatrove_pipeline.py INPUT_DIR WORK_DIR TOKENIZER_JSON WORKERS SHINGLE_SIZE BUCKETS HASHES_PER_BUCKET

INPUT_DIR holds `code-*.parquet` (code) and `prose-*.parquet` (text and docs) with `text` and `id`
columns. Each stage is one pipeline, run to the end before the next, and reads what the one
before wrote (Parquet, one file per task): the order of winnow's DAG (quality filters, exact
dedup, near dedup, tokens). Code skips the Gopher filters, as winnow applies them to prose only.
"""

import json
import os
import shutil
import sys
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
from datatrove.data import Document
from datatrove.pipeline.dedup import ExactDedupFilter, ExactDedupSignature, ExactFindDedups
from datatrove.pipeline.dedup.exact_dedup import ExactDedupConfig
from datatrove.pipeline.dedup.minhash import MinhashConfig
from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter
from datatrove.pipeline.readers import ParquetReader
from datatrove.pipeline.writers import ParquetWriter
from datatrove_minhash import minhash_stages, run_stages
from datatrove_tokenize import token_count, tokenizer_step


def whitespace_collapsed(document: Document) -> str:
    """What exact dedup compares: winnow's default `exact_dedup_normalisation` (collapse_whitespace)."""
    return " ".join(document.text.split())


def text_and_id(writer, document: Document) -> dict:
    return {"text": document.text, "id": document.id}


def reader(folder: Path, pattern: str = "*.parquet") -> ParquetReader:
    return ParquetReader(str(folder), text_key="text", id_key="id", glob_pattern=pattern, read_metadata=False)


def writer(folder: Path, prefix: str = "") -> ParquetWriter:
    return ParquetWriter(str(folder), output_filename=prefix + "${rank}.parquet", adapter=text_and_id)


def files(folder: Path, pattern: str = "*.parquet") -> int:
    return len(list(folder.glob(pattern)))


def documents(folder: Path, pattern: str = "*.parquet") -> dict:
    """Documents and megabytes of UTF-8 text in a stage's Parquet files (one file in memory at a time)."""
    n_documents = n_bytes = 0
    for path in folder.glob(pattern):
        text = pq.read_table(path, columns=["text"])["text"]
        n_documents += len(text)
        n_bytes += pc.sum(pc.binary_length(text)).as_py() or 0
    return {"documents": n_documents, "megabytes": round(n_bytes / 1e6, 1)}


if __name__ == "__main__":  # datatrove spawns workers that re-import this module
    source, work, tokenizer, workers = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    shingle_size, buckets, hashes_per_bucket = (int(x) for x in sys.argv[5:8])
    shutil.rmtree(work, ignore_errors=True)
    filtered, exact, near = work / "filtered", work / "exact_deduped", work / "near_deduped"
    exact_config = ExactDedupConfig(content_getter=whitespace_collapsed)
    minhash_config = MinhashConfig(n_grams=shingle_size, num_buckets=buckets, hashes_per_bucket=hashes_per_bucket)

    seconds = run_stages(
        [
            ("read", [reader(source)], files(source)),
            (
                "gopher_filters",
                [
                    reader(source, "prose-*.parquet"),
                    GopherRepetitionFilter(),
                    GopherQualityFilter(),
                    writer(filtered, "prose-"),
                ],
                files(source, "prose-*.parquet"),
            ),
        ],
        workers,
        f"{work}/logs",
    )
    filtered.mkdir(parents=True, exist_ok=True)
    for code in source.glob("code-*.parquet"):  # code goes on unfiltered: a link, not a copy
        os.link(code, filtered / code.name)

    exact_stages = [
        (
            "signatures",
            [reader(filtered), ExactDedupSignature(output_folder=f"{work}/exact_sigs", config=exact_config)],
            files(filtered),
        ),
        (
            "find",
            [
                ExactFindDedups(
                    data_folder=f"{work}/exact_sigs", output_folder=f"{work}/exact_dups", config=exact_config
                )
            ],
            1,
        ),
        (
            "filter",
            [reader(filtered), ExactDedupFilter(data_folder=f"{work}/exact_dups", config=exact_config), writer(exact)],
            files(filtered),
        ),
    ]
    exact_seconds = run_stages(exact_stages, workers, f"{work}/logs/exact")
    near_seconds = run_stages(
        minhash_stages(lambda: reader(exact), f"{work}/minhash", files(exact), minhash_config, writer(near)),
        workers,
        f"{work}/logs/minhash",
    )
    seconds |= run_stages(
        [("tokenisation", [reader(near), tokenizer_step(f"{work}/tokens", tokenizer)], files(near))],
        workers,
        f"{work}/logs",
    )
    seconds["exact_dedup"] = sum(exact_seconds.values())
    seconds["minhash_dedup"] = sum(near_seconds.values())
    print(
        json.dumps(
            {
                "seconds": seconds,
                "exact_dedup_seconds": exact_seconds,
                "minhash_dedup_seconds": near_seconds,
                "input": {
                    "read": documents(source),
                    "prose_read": documents(source, "prose-*.parquet"),
                    "prose_after_gopher_filters": documents(filtered, "*prose-*.parquet"),
                    "after_exact_dedup": documents(exact),
                    "after_minhash_dedup": documents(near),
                },
                "tokens_with_eos": token_count(f"{work}/tokens"),
            }
        )
    )
