"""Packing + export throughput against a raw numpy write of the same tokens.

Reads the 'pretrain' documents of a built database (default: data/winnow.duckdb from `make run`),
then times, on the same token ids: (a) python_udfs.kernels.packing (concat and best_fit) followed by
python_udfs.export.shards writing every format (Parquet, Megatron .bin/.idx, .npy, nanoGPT .bin) with
sha256s, and (b) one `np.ndarray.tofile` of the flat uint16 stream (the floor: no packing, one
format, no hashing). Run under `flock /tmp/winnow-bench.lock`.

    .venv/bin/python bench/export.py [data/winnow.duckdb]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from python_udfs.export.shards import finish_mixture, start_mixture, write_split
from python_udfs.kernels.packing import pack

SEQ_LEN = 2048


def main() -> None:
    database = sys.argv[1] if len(sys.argv) > 1 else "data/winnow.duckdb"
    with duckdb.connect(database, read_only=True) as con:
        table = con.execute(
            "select position, input_ids from fct_training_documents where mixture = 'pretrain' order by position"
        ).to_arrow_table()
        [(vocab_size, eos, pad)] = con.execute(
            "select vocab_size, eos_token_id, pad_token_id from int_tokenizer_prepared"
        ).fetchall()
    batches = table.to_batches(max_chunksize=256)
    tokens = len(table["input_ids"].combine_chunks().values) + table.num_rows
    print(f"{table.num_rows} documents, {tokens:,} tokens (EOS included), seq_len {SEQ_LEN}")

    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        flat = np.concatenate(
            [
                np.append(np.asarray(ids, np.uint16), np.uint16(eos))
                for ids in table["input_ids"].to_numpy(zero_copy_only=False)
            ]
        )
        flat.tofile(Path(scratch) / "raw.bin")
        raw = time.perf_counter() - start
        print(f"raw numpy (concatenate + tofile, uint16): {raw:.2f} s, {tokens / raw / 1e6:.1f} M tokens/s")
        for strategy in ("concat", "best_fit"):
            start = time.perf_counter()
            windows = list(pack(iter(batches), strategy, seq_len=SEQ_LEN, eos_id=eos, pad_id=pad))
            packed = time.perf_counter() - start
            mixture = Path(scratch) / strategy
            start_mixture(mixture)
            total = sum(b.num_rows for b in windows)
            files = write_split(
                iter(windows),
                mixture,
                "train",
                total_windows=total,
                formats=["parquet", "megatron", "npy", "nanogpt"],
                vocab_size=vocab_size,
                seq_len=SEQ_LEN,
                tokens_per_shard=2**25,
            )
            finish_mixture(mixture, files, {"files": [f.as_json() for f in files]})
            written = time.perf_counter() - start
            padding = 1 - sum(pa.compute.sum(b.column("n_tokens")).as_py() for b in windows) / (total * SEQ_LEN)
            print(
                f"{strategy:8}: pack {packed:.2f} s ({tokens / packed / 1e6:.1f} M tokens/s), export 4 formats "
                f"{written:.2f} s ({tokens / written / 1e6:.1f} M tokens/s), {total} windows, padding {padding:.4f}; "
                f"pack + export {tokens / (packed + written) / 1e6:.1f} M tokens/s = "
                f"{(packed + written) / raw:.1f}x the raw write"
            )


if __name__ == "__main__":
    main()
