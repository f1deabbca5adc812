"""datatrove's DocumentTokenizer on a folder of Parquet files with `text` and `id` columns. Run with
the datatrove venv; prints seconds and the number of tokens written (EOS included) as JSON.

usage: python bench/datatrove_tokenize.py INPUT_DIR WORK_DIR TOKENIZER_JSON WORKERS

`tokenizer_step` and `token_count` are also what bench/datatrove_pipeline.py runs.
"""

import json
import shutil
import sys
import time
from pathlib import Path

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import ParquetReader
from datatrove.pipeline.tokens import DocumentTokenizer


def tokenizer_step(output_folder: str, tokenizer: str) -> DocumentTokenizer:
    """The tokenizer.json winnow trained, EOS after each document, documents in input order."""
    return DocumentTokenizer(
        output_folder=output_folder,
        tokenizer_name_or_path=tokenizer,
        eos_token="<|endoftext|>",
        shuffle_documents=False,
    )


def token_count(output_folder: str) -> int:
    """Tokens written, EOS included: token files hold uint16 ids for vocabularies under 65536."""
    return sum(p.stat().st_size for p in Path(output_folder).glob("*.ds")) // 2


if __name__ == "__main__":  # datatrove spawns workers that re-import this module
    source, work, tokenizer, workers = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    shutil.rmtree(work, ignore_errors=True)
    n_files = len(list(Path(source).glob("*.parquet")))
    pipeline = [
        ParquetReader(source, text_key="text", id_key="id", glob_pattern="*.parquet"),
        tokenizer_step(f"{work}/tokens", tokenizer),
    ]
    start = time.perf_counter()
    LocalPipelineExecutor(pipeline=pipeline, tasks=n_files, workers=workers, logging_dir=f"{work}/logs").run()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "token_bytes": 2 * token_count(f"{work}/tokens")}))
