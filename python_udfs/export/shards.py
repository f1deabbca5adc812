"""Shards: packed windows written in the formats trainers read, atomically, with a manifest last.

One mixture's output directory (``<output_dir>/<mixture>/``) holds, per split (``train``,
``validation``):

- ``parquet/<split>-NNNNN.parquet``: one row per window: ``window_index``, ``input_ids``
  (list<uint16> when the vocabulary has at most 65,536 ids, else list<uint32>), ``n_tokens`` (real
  tokens; padding follows them), ``boundaries``, ``document_positions``, ``document_offsets``.
- ``megatron/<split>-NNNNN.bin`` / ``.idx``: Megatron-LM's indexed dataset (``MMIDIDX``, version
  1). Token dtype uint16 (code 8) or int32 (code 4: Megatron has no uint32). A *sequence* is one
  contiguous piece of one document inside a window (or the window's padding), so the sequence
  lengths are the boundaries; a *document* is one packed window, so ``document_indices`` (sequence
  index where each window starts, then the total) cut the ``.bin`` into windows. The ``.bin`` is
  exactly the windows' tokens, in order.
- ``npy/<split>-NNNNN.npy``: a 2-D array (windows x seq_len) of uint16/uint32, ``np.load(path,
  mmap_mode="r")``.
- ``nanogpt/train.bin`` and ``nanogpt/val.bin``: every window's tokens as one flat uint16 stream,
  the file nanoGPT's ``np.memmap(path, dtype=np.uint16, mode="r")`` reads (one file per split, as
  nanoGPT's loader expects; only for vocabularies of at most 65,536 ids).
- ``manifest.json``: every file with its sha256, bytes, sequences and tokens, plus provenance.

Writes are crash-safe: the old manifest is removed first (a reader trusts only files the manifest
lists), each file is written under a hidden temporary name (``.<name>.partial``, which no
``*.parquet`` / ``*.bin`` glob matches) and renamed when complete, files of earlier runs that the
new run did not write are deleted once every new file is in place, and ``manifest.json`` is
written (temporarily named, then renamed) last. The same windows give byte-identical files.

The output directory belongs to one build at a time (``claim_output_dir``: an advisory lock on
``<output_dir>/.winnow.lock``, released when the build's process ends, however it ends), holds the
mixture directories of that build only (``remove_other_mixtures``), and a memoized export is reused
only when every file still has the sha256 its manifest lists (``export_intact``).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .provenance import file_sha256

__all__ = [
    "FORMATS",
    "MEGATRON_DTYPE_CODES",
    "MEGATRON_HEADER",
    "SPLITS",
    "ExportError",
    "OutputDirInUse",
    "ShardFile",
    "claim_output_dir",
    "export_intact",
    "finish_mixture",
    "remove_other_mixtures",
    "start_mixture",
    "token_dtype",
    "write_manifest",
    "write_split",
]

FORMATS = ("parquet", "megatron", "npy", "nanogpt")
SPLITS = ("train", "validation")
MEGATRON_HEADER = b"MMIDIDX\x00\x00"
MEGATRON_DTYPE_CODES = {np.dtype(np.uint16): 8, np.dtype(np.int32): 4}
NANOGPT_NAMES = {"train": "train.bin", "validation": "val.bin"}
PARQUET_ROW_GROUP_WINDOWS = 1024
# Test hook for interrupted runs: SIGKILL this process once the N-th temporary file has data.
CRASH_ENV = "WINNOW_EXPORT_CRASH_AT_TEMP_FILE"
LOCK_NAME = ".winnow.lock"
# The names this module writes inside a mixture directory: only these are ever removed from one.
_SHARD_NAME = re.compile(r"(train|validation)-\d{5}\.(parquet|bin|idx|npy)|train\.bin|val\.bin")


class ExportError(ValueError):
    """Shards that cannot be written as asked (a format the vocabulary does not fit, a token id out
    of range); the message names the var or the file."""


class OutputDirInUse(RuntimeError):
    """Another build (another process, usually another database) holds the output directory."""


@dataclass
class ShardFile:
    """One file of a mixture's export, as the manifest lists it."""

    path: str  # relative to the mixture directory, '/'-separated
    format: str
    split: str
    shard: int
    sequences: int  # windows
    tokens: int  # token slots, padding included
    real_tokens: int  # tokens that are not padding
    bytes: int = 0
    sha256: str = ""
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "format": self.format,
            "split": self.split,
            "shard": self.shard,
            "sequences": self.sequences,
            "tokens": self.tokens,
            "real_tokens": self.real_tokens,
            "bytes": self.bytes,
            "sha256": self.sha256,
            **self.extra,
        }


def token_dtype(vocab_size: int, formats: Iterable[str]) -> np.dtype:
    """uint16 when every id fits (vocab_size <= 65,536), else uint32; refuses nanogpt then."""
    if vocab_size <= 2**16:
        return np.dtype(np.uint16)
    if "nanogpt" in formats:
        raise ExportError(
            f"var export_formats includes nanogpt, but the tokenizer has {vocab_size} ids: nanoGPT's .bin is a flat "
            "uint16 stream and holds ids below 65,536 only. Remove nanogpt from export_formats or use a smaller vocabulary."
        )
    return np.dtype(np.uint32)


_temp_files_opened = 0


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial")


def _crash_hook() -> None:
    """SIGKILL ourselves when the env var says so (the interrupted-run test)."""
    global _temp_files_opened
    _temp_files_opened += 1
    at = os.environ.get(CRASH_ENV)
    if at and int(at) == _temp_files_opened:
        os.kill(os.getpid(), signal.SIGKILL)


def _commit(temporary: Path, path: Path) -> tuple[int, str]:
    """fsync and rename a finished temporary file; (bytes, sha256) of the result."""
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())
    sha = file_sha256(temporary)
    size = temporary.stat().st_size
    os.replace(temporary, path)
    return size, sha


def _check_ids(tokens: np.ndarray, vocab_size: int, where: str) -> None:
    if tokens.size and (int(tokens.max()) >= vocab_size or int(tokens.min()) < 0):
        bad = int(tokens.max()) if int(tokens.max()) >= vocab_size else int(tokens.min())
        raise ExportError(
            f"{where}: token id {bad} is outside the tokenizer's {vocab_size} ids; nothing was published. "
            "Rebuild fct_training_documents with the tokenizer of int_tokenizer_prepared."
        )


class _ShardWriters:
    """The open temporary files of one shard, in every requested format but nanogpt."""

    def __init__(
        self, root: Path, split: str, shard: int, formats: list[str], dtype: np.dtype, seq_len: int, windows: int
    ):
        self.root, self.split, self.shard, self.formats = root, split, shard, formats
        self.dtype, self.seq_len, self.windows = dtype, seq_len, windows
        self.megatron_dtype = np.dtype(np.uint16) if dtype == np.uint16 else np.dtype(np.int32)
        self.name = f"{split}-{shard:05d}"
        self.written = 0
        self.real_tokens = 0
        self.pending: list[pa.RecordBatch] = []
        self.pending_rows = 0
        self.parquet = self.bin = self.npy = None
        self.sequence_lengths: list[np.ndarray] = []
        self.windows_sequences: list[np.ndarray] = []
        if "parquet" in formats:
            path = self._path("parquet", ".parquet")
            self.parquet = pq.ParquetWriter(
                _temporary(path), _parquet_schema(dtype), compression="zstd", compression_level=3
            )
            _crash_hook()
        if "megatron" in formats:
            self.bin = open(_temporary(self._path("megatron", ".bin")), "wb")
            _crash_hook()
        if "npy" in formats:
            self.npy = np.lib.format.open_memmap(
                _temporary(self._path("npy", ".npy")), mode="w+", dtype=dtype, shape=(windows, seq_len)
            )
            _crash_hook()

    def _path(self, fmt: str, suffix: str) -> Path:
        return self.root / fmt / f"{self.name}{suffix}"

    def add(self, batch: pa.RecordBatch, tokens: np.ndarray) -> None:
        n = batch.num_rows
        n_tokens = np.asarray(batch.column("n_tokens").to_numpy(), dtype=np.int64)
        self.real_tokens += int(n_tokens.sum())
        if self.parquet is not None:
            self.pending.append(_parquet_batch(batch, tokens, self.dtype))
            self.pending_rows += n
            while self.pending_rows >= PARQUET_ROW_GROUP_WINDOWS:
                self._flush_parquet(PARQUET_ROW_GROUP_WINDOWS)
        if self.bin is not None:
            self.bin.write(tokens.astype(self.megatron_dtype).tobytes(order="C"))
            boundaries = batch.column("boundaries")
            starts = np.asarray(boundaries.values.to_numpy(), dtype=np.int64)
            offsets = np.asarray(boundaries.offsets.to_numpy(), dtype=np.int64)
            starts = starts[offsets[0] : offsets[-1]]
            counts = np.diff(offsets)
            window_of = np.repeat(np.arange(n), counts)
            # Each piece runs to the next boundary, the last one to n_tokens; padding is a sequence of its own.
            ends = np.empty_like(starts)
            ends[:-1] = starts[1:]
            last = np.cumsum(counts) - 1
            ends[last] = n_tokens
            lengths = ends - starts
            padded = n_tokens < self.seq_len
            all_lengths = np.concatenate([lengths, (self.seq_len - n_tokens)[padded]])
            all_windows = np.concatenate([window_of, np.flatnonzero(padded)])
            order = np.argsort(all_windows, kind="stable")
            self.sequence_lengths.append(all_lengths[order].astype(np.int32))
            self.windows_sequences.append(counts + padded)
        if self.npy is not None:
            self.npy[self.written : self.written + n] = tokens.reshape(n, self.seq_len)
        self.written += n

    def _flush_parquet(self, rows: int) -> None:
        table = pa.Table.from_batches(self.pending)
        self.parquet.write_table(table.slice(0, rows), row_group_size=rows)
        rest = table.slice(rows)
        self.pending = rest.to_batches() if rest.num_rows else []
        self.pending_rows = rest.num_rows

    def close(self) -> list[ShardFile]:
        """Finish every file of the shard and rename it into place."""
        assert self.written == self.windows, (self.written, self.windows)
        files = []
        tokens = self.windows * self.seq_len
        if self.parquet is not None:
            if self.pending_rows:
                self._flush_parquet(self.pending_rows)
            self.parquet.close()
            path = self._path("parquet", ".parquet")
            files.append(self._file(path, "parquet", tokens))
        if self.bin is not None:
            self.bin.close()
            lengths = np.concatenate(self.sequence_lengths) if self.sequence_lengths else np.zeros(0, np.int32)
            per_window = np.concatenate(self.windows_sequences) if self.windows_sequences else np.zeros(0, np.int64)
            document_indices = np.zeros(len(per_window) + 1, dtype=np.int64)
            np.cumsum(per_window, out=document_indices[1:])
            pointers = np.zeros(len(lengths), dtype=np.int64)
            np.cumsum(lengths[:-1].astype(np.int64) * self.megatron_dtype.itemsize, out=pointers[1:])
            idx_path = self._path("megatron", ".idx")
            with open(_temporary(idx_path), "wb") as handle:
                _crash_hook()
                handle.write(MEGATRON_HEADER)
                handle.write(struct.pack("<Q", 1))
                handle.write(struct.pack("<B", MEGATRON_DTYPE_CODES[self.megatron_dtype]))
                handle.write(struct.pack("<Q", len(lengths)))
                handle.write(struct.pack("<Q", len(document_indices)))
                handle.write(lengths.astype("<i4").tobytes())
                handle.write(pointers.astype("<i8").tobytes())
                handle.write(document_indices.astype("<i8").tobytes())
            extra = {"megatron_sequences": len(lengths), "megatron_documents": len(per_window)}
            files.append(self._file(self._path("megatron", ".bin"), "megatron", tokens, extra))
            files.append(self._file(idx_path, "megatron", tokens, extra))
        if self.npy is not None:
            self.npy.flush()
            del self.npy
            self.npy = None
            files.append(self._file(self._path("npy", ".npy"), "npy", tokens))
        return files

    def _file(self, path: Path, fmt: str, tokens: int, extra: dict | None = None) -> ShardFile:
        size, sha = _commit(_temporary(path), path)
        return ShardFile(
            path.relative_to(self.root).as_posix(),
            fmt,
            self.split,
            self.shard,
            self.windows,
            tokens,
            self.real_tokens,
            size,
            sha,
            dict(extra or {}),
        )


def _parquet_schema(dtype: np.dtype) -> pa.Schema:
    ids = pa.uint16() if dtype == np.uint16 else pa.uint32()
    return pa.schema(
        [
            ("window_index", pa.int64()),
            ("input_ids", pa.list_(ids)),
            ("n_tokens", pa.int32()),
            ("boundaries", pa.list_(pa.int32())),
            ("document_positions", pa.list_(pa.int64())),
            ("document_offsets", pa.list_(pa.int32())),
        ]
    )


def _parquet_batch(batch: pa.RecordBatch, tokens: np.ndarray, dtype: np.dtype) -> pa.RecordBatch:
    n, width = batch.num_rows, tokens.size // max(batch.num_rows, 1)
    offsets = pa.array(np.arange(n + 1, dtype=np.int32) * width)
    ids = pa.ListArray.from_arrays(offsets, pa.array(tokens.astype(dtype)))
    columns = {
        "window_index": batch.column("window_index"),
        "input_ids": ids,
        "n_tokens": batch.column("n_tokens"),
        "boundaries": batch.column("boundaries"),
        "document_positions": batch.column("document_positions"),
        "document_offsets": batch.column("document_offsets"),
    }
    schema = _parquet_schema(dtype)
    return pa.RecordBatch.from_arrays([columns[f.name] for f in schema], schema=schema)


def _window_tokens(batch: pa.RecordBatch, seq_len: int) -> np.ndarray:
    ids = batch.column("input_ids")
    offsets = np.asarray(ids.offsets.to_numpy(), dtype=np.int64)
    if np.any(np.diff(offsets) != seq_len):
        raise ExportError(
            f"a window of fct_packed_sequences does not hold var seq_len = {seq_len} tokens; "
            "rebuild fct_packed_sequences with the same vars as the export"
        )
    return np.asarray(ids.values.to_numpy(zero_copy_only=False), dtype=np.int64)[offsets[0] : offsets[-1]]


def start_mixture(mixture_dir: Path) -> None:
    """Before writing: the old manifest goes first, so no reader trusts the files while they change."""
    mixture_dir.mkdir(parents=True, exist_ok=True)
    (mixture_dir / "manifest.json").unlink(missing_ok=True)


def write_split(
    windows: Iterable[pa.RecordBatch],
    mixture_dir: Path,
    split: str,
    *,
    total_windows: int,
    formats: list[str],
    vocab_size: int,
    seq_len: int,
    tokens_per_shard: int,
) -> list[ShardFile]:
    """Write one split's windows (in ``window_index`` order) as shards of every format.

    A shard holds ``max(1, tokens_per_shard // seq_len)`` whole windows (the last fewer); the
    nanogpt file holds the whole split. Every file is renamed into place when complete.
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ExportError(f"var export_formats names unknown formats {unknown}; known: {', '.join(FORMATS)}")
    dtype = token_dtype(vocab_size, formats)
    for fmt in formats:
        (mixture_dir / fmt).mkdir(parents=True, exist_ok=True)
    try:
        return _write_split(
            windows,
            mixture_dir,
            split,
            total_windows=total_windows,
            formats=formats,
            dtype=dtype,
            vocab_size=vocab_size,
            seq_len=seq_len,
            tokens_per_shard=tokens_per_shard,
        )
    except BaseException:
        # A failed export leaves no temporary files behind (a killed one does; the next run removes them).
        for path in mixture_dir.glob("*/.*.partial"):
            path.unlink(missing_ok=True)
        raise


def _write_split(
    windows, mixture_dir, split, *, total_windows, formats, dtype, vocab_size, seq_len, tokens_per_shard
) -> list[ShardFile]:
    per_shard = max(1, tokens_per_shard // seq_len)
    shard_formats = [f for f in formats if f != "nanogpt"]
    files: list[ShardFile] = []
    nanogpt = None
    nanogpt_path = mixture_dir / "nanogpt" / NANOGPT_NAMES[split]
    if "nanogpt" in formats and total_windows:
        nanogpt = open(_temporary(nanogpt_path), "wb")
        _crash_hook()
    writers: _ShardWriters | None = None
    written, real_tokens = 0, 0
    for batch in _rebatched(windows, per_shard):
        if batch.num_rows == 0:
            continue
        tokens = _window_tokens(batch, seq_len)
        _check_ids(tokens, vocab_size, f"{mixture_dir.name}/{split}, windows from {written}")
        shard = written // per_shard
        if writers is None and shard_formats:
            writers = _ShardWriters(
                mixture_dir,
                split,
                shard,
                shard_formats,
                dtype,
                seq_len,
                min(per_shard, total_windows - shard * per_shard),
            )
        if writers is not None:
            writers.add(batch, tokens)
        if nanogpt is not None:
            nanogpt.write(tokens.astype(np.uint16).tobytes(order="C"))
        written += batch.num_rows
        real_tokens += int(np.asarray(batch.column("n_tokens").to_numpy()).sum())
        if writers is not None and writers.written == writers.windows:
            files += writers.close()
            writers = None
    if written != total_windows:
        raise ExportError(f"{mixture_dir.name}/{split}: {written} windows streamed, {total_windows} expected")
    if nanogpt is not None:
        nanogpt.close()
        size, sha = _commit(_temporary(nanogpt_path), nanogpt_path)
        files.append(
            ShardFile(
                nanogpt_path.relative_to(mixture_dir).as_posix(),
                "nanogpt",
                split,
                0,
                written,
                written * seq_len,
                real_tokens,
                size,
                sha,
            )
        )
    return files


def _rebatched(batches: Iterable[pa.RecordBatch], per_shard: int) -> Iterator[pa.RecordBatch]:
    """The windows again, cut so that no batch crosses a shard boundary (``per_shard`` windows)."""
    seen = 0
    for batch in batches:
        start = 0
        while start < batch.num_rows:
            room = per_shard - seen % per_shard
            piece = batch.slice(start, room)
            seen += piece.num_rows
            start += piece.num_rows
            yield piece


def finish_mixture(mixture_dir: Path, files: list[ShardFile], manifest: dict) -> None:
    """After every file is in place: delete what this run did not write (files of earlier runs,
    temporary files of interrupted ones) in the format directories, then write the manifest."""
    keep = {f.path for f in files}
    for fmt in FORMATS:
        directory = mixture_dir / fmt
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.relative_to(mixture_dir).as_posix() not in keep:
                path.unlink()
        if not any(directory.iterdir()):
            directory.rmdir()
    write_manifest(mixture_dir, manifest)


def write_manifest(mixture_dir: Path, manifest: dict) -> Path:
    """``manifest.json``: canonical JSON (sorted keys, two-space indent), renamed into place."""
    path = mixture_dir / "manifest.json"
    temporary = _temporary(path)
    temporary.write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    _commit(temporary, path)
    return path


def export_intact(output_dir: str | os.PathLike, database: str, files: Iterable[dict]) -> bool:
    """Whether ``output_dir`` still holds exactly what an export of ``database`` wrote: ``files``
    (dicts with ``mixture``, ``path`` as fct_exported_shards records it, the mixture directory
    joined with the manifest's path, ``bytes`` and ``sha256``) are the only mixtures in it, each
    mixture's manifest lists exactly its files and names ``database``, and every file's content
    has the sha256 listed. A memoized export is reused only then: a deleted or edited file (even
    one whose size and mtime were put back), another build's manifest or a mixture this build
    does not describe means writing again. Hashing reads every shard once, a fraction of what
    writing it costs."""
    output_dir = Path(output_dir)
    expected: dict[str, list[tuple[str, int, str]]] = {}
    for f in files:
        expected.setdefault(f["mixture"], []).append((f["path"], int(f["bytes"]), f["sha256"]))
    try:
        if set(_winnow_mixture_dirs(output_dir)) != set(expected):
            return False
        for mixture, listed_by_table in expected.items():
            mixture_dir = output_dir / mixture
            manifest = json.loads((mixture_dir / "manifest.json").read_text(encoding="utf-8"))
            if manifest.get("build", {}).get("database") != os.path.abspath(database):
                return False
            listed = sorted(
                ((mixture_dir / f["path"]).as_posix(), int(f["bytes"]), f["sha256"]) for f in manifest["files"]
            )
            if listed != sorted(listed_by_table):
                return False
            if any(os.path.getsize(path) != size or file_sha256(path) != sha for path, size, sha in listed):
                return False
        return True
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _is_winnow_manifest(path: Path) -> bool:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        return isinstance(manifest, dict) and {"manifest_version", "mixture", "files"} <= manifest.keys()
    except (OSError, ValueError):
        return False


def _winnow_files(mixture_dir: Path) -> list[Path]:
    """What an export wrote in ``mixture_dir``: its manifest and, in the format directories, shards
    and temporary files of shards or of the manifest; nothing a user may have put there."""
    manifest = mixture_dir / "manifest.json"
    found = [manifest] if _is_winnow_manifest(manifest) else []
    if _temporary(manifest).is_file():
        found.append(_temporary(manifest))
    for fmt in FORMATS:
        directory = mixture_dir / fmt
        if directory.is_dir():
            for path in sorted(directory.iterdir()):
                temporary = path.name.startswith(".") and path.name.endswith(".partial")
                name = path.name[1 : -len(".partial")] if temporary else path.name
                if path.is_file() and _SHARD_NAME.fullmatch(name):
                    found.append(path)
    return found


def _winnow_mixture_dirs(output_dir: Path) -> list[str]:
    """The directories of ``output_dir`` that hold a winnow manifest or winnow shards."""
    if not output_dir.is_dir():
        return []
    return sorted(d.name for d in output_dir.iterdir() if d.is_dir() and not d.is_symlink() and _winnow_files(d))


def remove_other_mixtures(output_dir: str | os.PathLike, keep: Iterable[str]) -> list[str]:
    """Remove, from every mixture directory of ``output_dir`` not in ``keep`` (a mixture this
    build does not describe, as after a mixture left seeds/mixtures.csv or the corpus became
    empty), what an export wrote there: the manifest first, so nothing stale is trusted even if
    this is interrupted, then its shards; a directory left empty goes too, anything else stays.
    Returns the mixtures cleared."""
    output_dir, keep = Path(output_dir), set(keep)
    cleared = [m for m in _winnow_mixture_dirs(output_dir) if m not in keep]
    for mixture in cleared:
        mixture_dir = output_dir / mixture
        for path in _winnow_files(mixture_dir):
            path.unlink(missing_ok=True)
        for directory in [*(mixture_dir / fmt for fmt in FORMATS), mixture_dir]:
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()
    return cleared


_claimed: dict[str, dict] = {}


def claim_output_dir(output_dir: str | os.PathLike, database: str, invocation_id: str) -> dict:
    """Make ``output_dir`` this process's until it exits: an exclusive ``flock`` on
    ``<output_dir>/.winnow.lock``, which records who holds it. Two builds writing one directory
    would interleave their shards and manifests, so a second build (say, with another
    ``WINNOW_DB``) is refused with ``OutputDirInUse`` naming the holder's database and pid. The
    kernel drops the lock when the process ends, even when it is killed, so no stale lock outlives
    a build. Claiming again in the same process returns the first claim. Returns the holder:
    ``database`` (absolute path), ``pid`` and ``invocation_id``."""
    directory = os.path.realpath(output_dir)
    if directory in _claimed:
        return _claimed[directory]
    os.makedirs(directory, exist_ok=True)
    fd = os.open(os.path.join(directory, LOCK_NAME), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        try:
            holder = json.loads(os.pread(fd, 1 << 16, 0) or b"{}")
        except ValueError:
            holder = {}
        os.close(fd)
        unknown = "(not recorded yet)"
        raise OutputDirInUse(
            f"var output_dir = {str(output_dir)!r} ({directory}) is in use by another winnow build: database "
            f"{holder.get('database', unknown)}, pid {holder.get('pid', unknown)}, dbt invocation "
            f"{holder.get('invocation_id', unknown)}. Two builds writing one output directory would mix their "
            "shards and manifests: wait for that build to end, or give this one another output_dir "
            "(--vars '{output_dir: ...}')."
        ) from None
    holder = {"database": os.path.abspath(database), "pid": os.getpid(), "invocation_id": invocation_id}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(holder, sort_keys=True) + "\n").encode(), 0)
    # The descriptor stays open: closing it would release the lock.
    _claimed[directory] = holder
    return holder
