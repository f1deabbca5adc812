"""datatrove's MinHash near-dedup (signatures, buckets, cluster, filter) on a folder of Parquet
files with `text` and `id` columns. Run with the datatrove venv; prints seconds per stage as JSON.

usage: python bench/datatrove_minhash.py INPUT_DIR WORK_DIR WORKERS SHINGLE_SIZE BUCKETS HASHES_PER_BUCKET

`minhash_stages` and `run_stages` are also what bench/datatrove_pipeline.py runs.
"""

import json
import shutil
import sys
import time
from collections.abc import Callable

from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.base import PipelineStep
from datatrove.pipeline.dedup import (
    MinhashDedupBuckets,
    MinhashDedupCluster,
    MinhashDedupFilter,
    MinhashDedupSignature,
)
from datatrove.pipeline.dedup.minhash import MinhashConfig
from datatrove.pipeline.readers import ParquetReader
from datatrove.pipeline.writers import JsonlWriter

Stage = tuple[str, list[PipelineStep], int]


def minhash_stages(
    reader: Callable[[], PipelineStep],
    work: str,
    tasks: int,
    config: MinhashConfig,
    writer: PipelineStep,
) -> list[Stage]:
    """The four stages as (name, pipeline, tasks); the filter's survivors go to ``writer``."""
    return [
        ("signatures", [reader(), MinhashDedupSignature(output_folder=f"{work}/sigs", config=config)], tasks),
        (
            "buckets",
            [MinhashDedupBuckets(input_folder=f"{work}/sigs", output_folder=f"{work}/buckets", config=config)],
            config.num_buckets,
        ),
        (
            "cluster",
            [MinhashDedupCluster(input_folder=f"{work}/buckets", output_folder=f"{work}/remove_ids", config=config)],
            1,
        ),
        (
            "filter",
            [
                reader(),
                MinhashDedupFilter(input_folder=f"{work}/remove_ids", exclusion_writer=JsonlWriter(f"{work}/removed")),
                writer,
            ],
            tasks,
        ),
    ]


def run_stages(stages: list[Stage], workers: int, logs: str) -> dict[str, float]:
    """Runs each stage to the end before the next and returns its wall seconds by name."""
    seconds = {}
    for name, pipeline, tasks in stages:
        start = time.perf_counter()
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=workers, logging_dir=f"{logs}/{name}").run()
        seconds[name] = time.perf_counter() - start
    return seconds


if __name__ == "__main__":  # datatrove spawns workers that re-import this module
    source, work, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    shingle_size, buckets, hashes_per_bucket = (int(x) for x in sys.argv[4:7])
    config = MinhashConfig(n_grams=shingle_size, num_buckets=buckets, hashes_per_bucket=hashes_per_bucket)
    shutil.rmtree(work, ignore_errors=True)

    def reader():
        return ParquetReader(source, text_key="text", id_key="id", glob_pattern="*.parquet")

    stages = minhash_stages(reader, work, workers, config, JsonlWriter(f"{work}/deduped"))
    print(json.dumps(run_stages(stages, workers, f"{work}/logs")))
