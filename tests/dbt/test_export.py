"""Shards end to end: `dbt build` on real code (parts of the standard library and ~20 installed
packages, one repository each), then the exported files read back by independent readers written
from the format descriptions: Megatron-LM's .bin/.idx, .npy, nanoGPT's flat .bin, Parquet, and the
manifest. Also: byte-identical reruns with one and two threads, a build killed mid-export, stale
shards of earlier runs, best-fit packing, and the loader snippet of docs/formats.md; and that out/ holds only
what the last build describes: no directory of a mixture it dropped, no manifest after an empty
corpus, one build at a time, and shards edited in place found by their sha256."""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import signal
import struct
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from python_udfs.cli.ingest import distribution_inputs, ingest, stdlib_input
from python_udfs.engine.plugin import register_udfs
from python_udfs.kernels.bpe_tokenizer import load_tokenizer
from tests.conftest import DBT, PROJECT_ROOT, make_dbt_project

pytestmark = pytest.mark.dbt

SEQ_LEN = 256
VARS = {
    "tokenizer_train_bytes": 1_500_000,
    "tokenizer_vocab_size": 1024,
    "tokenizer_engine_check_bytes": 200_000,
    "seq_len": SEQ_LEN,
    "export_tokens_per_shard": SEQ_LEN * 300,
    "validation_fraction": 0.25,
}
PACKAGES = [
    "idna",
    "certifi",
    "packaging",
    "six",
    "click",
    "tqdm",
    "attrs",
    "markupsafe",
    "jinja2",
    "pluggy",
    "iniconfig",
    "sqlparse",
    "termcolor",
    "filelock",
    "zipp",
    "h11",
    "sortedcontainers",
    "isodate",
]
MIXTURES = """mixture,source,weight,epochs,temperature,total_tokens,fim_rate,fim_spm_rate
pretrain,*,,,1,,0.5,0.5
repeat,*,,1.5,,,0.5,0.5
"""
MIXTURE_NAMES = ("pretrain", "repeat")
TRAINER_GLOBS = ("parquet/*.parquet", "megatron/*.bin", "megatron/*.idx", "npy/*.npy", "nanogpt/*.bin")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    ingest([stdlib_input(["json", "tomllib"]), *distribution_inputs(PACKAGES)], root / "raw", progress=False)
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "code", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "winnow", "tier": 1}]
    )
    (project.root / "seeds" / "mixtures.csv").write_text(MIXTURES)
    result = run(project, "build")
    assert result.returncode == 0, result.stdout[-4000:]
    return project


def run(project, *args, vars: dict | None = None, env: dict | None = None):
    return project.dbt(*args, "--vars", json.dumps({**VARS, **(vars or {})}), env=env)


def out(project, mixture: str) -> Path:
    return project.root / "out" / mixture


def manifest(project, mixture: str) -> dict:
    return json.loads((out(project, mixture) / "manifest.json").read_text())


def files_of(project, mixture: str, fmt: str, split: str) -> list[Path]:
    listed = [f["path"] for f in manifest(project, mixture)["files"] if f["format"] == fmt and f["split"] == split]
    return [out(project, mixture) / p for p in sorted(listed)]


def parquet_windows(project, mixture: str, split: str) -> list[dict]:
    rows = []
    for path in files_of(project, mixture, "parquet", split):
        rows += pq.read_table(path).to_pylist()
    return rows


def read_megatron(prefix: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """An independent reader of Megatron-LM's MMIDIDX index, from its format description: 9-byte
    magic, <Q version 1, <B dtype code, <Q sequence count, <Q document count, then int32 sequence
    lengths, int64 byte pointers into .bin, int64 document indices (sequence index of each
    document's start, then the total)."""
    index = prefix.with_suffix(".idx").read_bytes()
    assert index[:9] == b"MMIDIDX\x00\x00"
    (version,) = struct.unpack_from("<Q", index, 9)
    (code,) = struct.unpack_from("<B", index, 17)
    n_sequences, n_documents = struct.unpack_from("<QQ", index, 18)
    assert version == 1
    dtype = {8: np.uint16, 4: np.int32}[code]
    at = 34
    lengths = np.frombuffer(index, "<i4", n_sequences, at)
    at += 4 * n_sequences
    pointers = np.frombuffer(index, "<i8", n_sequences, at)
    at += 8 * n_sequences
    documents = np.frombuffer(index, "<i8", n_documents, at)
    assert at + 8 * n_documents == len(index), "nothing follows the document indices (no modes)"
    data = prefix.with_suffix(".bin").read_bytes()
    size = np.dtype(dtype).itemsize
    sequences = [np.frombuffer(data, dtype, int(n), int(p)) for n, p in zip(lengths, pointers)]
    assert int(pointers[-1]) + int(lengths[-1]) * size == len(data)
    return lengths, pointers, documents, sequences


@pytest.mark.parametrize("mixture", MIXTURE_NAMES)
def test_megatron_bin_idx_read_independently_gives_exactly_the_parquet_windows(project, mixture):
    checked = 0
    for split in ("train", "validation"):
        parquet_files = files_of(project, mixture, "parquet", split)
        bins = [p for p in files_of(project, mixture, "megatron", split) if p.suffix == ".bin"]
        assert [p.stem for p in bins] == [p.stem for p in parquet_files]
        for parquet_path, bin_path in zip(parquet_files, bins):
            rows = pq.read_table(parquet_path).to_pylist()
            _lengths, _, documents, sequences = read_megatron(bin_path)
            assert len(documents) == len(rows) + 1 and documents[0] == 0
            for k, row in enumerate(rows):
                pieces = sequences[documents[k] : documents[k + 1]]
                assert np.concatenate(pieces).tolist() == row["input_ids"]
                # Sequences are the document pieces, then the padding: their starts are the boundaries.
                starts = np.cumsum([0] + [len(p) for p in pieces])[:-1].tolist()
                padded = row["n_tokens"] < SEQ_LEN
                assert starts[: len(starts) - padded] == row["boundaries"]
                checked += 1
    assert (
        checked
        == manifest(project, mixture)["splits"]["train"]["sequences"]
        + manifest(project, mixture)["splits"]["validation"]["sequences"]
    )
    assert checked > 300


@pytest.mark.parametrize("mixture", MIXTURE_NAMES)
def test_npy_and_nanogpt_hold_the_parquet_tokens(project, mixture):
    for split in ("train", "validation"):
        rows = parquet_windows(project, mixture, split)
        assert [row["window_index"] for row in rows] == list(range(len(rows))), "shards hold the windows in order"
        windows = [row["input_ids"] for row in rows]
        arrays = [np.load(p, mmap_mode="r") for p in files_of(project, mixture, "npy", split)]
        assert all(a.dtype == np.uint16 and a.shape[1] == SEQ_LEN for a in arrays)
        assert np.concatenate(arrays).tolist() == windows
        [flat] = files_of(project, mixture, "nanogpt", split)
        assert flat.name == {"train": "train.bin", "validation": "val.bin"}[split]
        assert np.memmap(flat, dtype=np.uint16, mode="r").tolist() == [t for w in windows for t in w]


def _stable_uniform(*parts: str) -> str:
    """macros/stable_hash.sql's stable_uniform, spelled out (an independent copy for the test)."""
    args = ", ".join(f"coalesce(cast({p} as varchar), chr(0))" for p in parts)
    return f"(cast(cast(('0x' || substr(sha256(concat_ws(chr(31), {args})), 1, 16)) as ubigint) >> 11 as double) / 9007199254740992.0)"


def _fim_texts(project, mixture: str) -> dict[int, str]:
    """position -> the FIM-transformed text of every document copy, through the text-level FIM UDF
    (not the token-level one the pipeline used)."""
    with duckdb.connect(str(project.root / "winnow.duckdb"), read_only=True) as con:
        register_udfs(con)
        rows = con.execute(
            f"""
            select d.position, winnow_fim(f.content, d.is_fim, d.is_spm,
                {_stable_uniform("42", "'fim_cut_a'", "d.doc_id", "d.copy")},
                {_stable_uniform("42", "'fim_cut_b'", "d.doc_id", "d.copy")},
                '<fim_prefix>', '<fim_middle>', '<fim_suffix>', 'starcoder')
            from fct_training_documents d join fct_curated_files f using (doc_id)
            where d.mixture = ?""",
            [mixture],
        ).fetchall()
    return dict(rows)


def _split_positions(project, mixture: str, split: str) -> list[int]:
    return [
        p
        for (p,) in project.query(f"""
        select d.position from fct_training_documents d join fct_curated_files f using (doc_id)
        join fct_repo_splits s on s.repo = coalesce(f.repo, f.doc_id)
        where d.mixture = '{mixture}' and s.split = '{split}' order by d.position""")
    ]


@pytest.mark.parametrize("mixture", MIXTURE_NAMES)
def test_tokens_between_eos_decode_to_the_fim_transformed_documents(project, mixture):
    [(path, sha)] = project.query("select tokenizer_path, tokenizer_sha256 from int_tokenizer_prepared")
    tokenizer = load_tokenizer(path, sha)
    eos = manifest(project, mixture)["eos_token_id"]
    texts = _fim_texts(project, mixture)
    fim_documents = 0
    for split in ("train", "validation"):
        windows = parquet_windows(project, mixture, split)
        stream = [t for w in windows for t in w["input_ids"][: w["n_tokens"]]]
        cuts = [i for i, t in enumerate(stream) if t == eos]
        documents = [stream[a + 1 : b] for a, b in zip([-1] + cuts, cuts)]
        positions = _split_positions(project, mixture, split)
        # concat drops the incomplete tail: everything before it comes back, in mixture order.
        assert 0 <= len(positions) - len(documents) <= 1 + SEQ_LEN // 2
        for position, ids in zip(positions, documents):
            decoded = tokenizer.hf.decode(ids, skip_special_tokens=False)
            assert decoded == texts[position], (mixture, split, position)
            fim_documents += "<fim_middle>" in decoded
    assert fim_documents > 50


@pytest.mark.parametrize("mixture", MIXTURE_NAMES)
def test_every_curated_document_appears_floor_or_ceil_epochs_times(project, mixture):
    doc_of = dict(project.query(f"select position, doc_id from fct_mixture where mixture = '{mixture}'"))
    epochs = dict(
        project.query(f"""select f.doc_id, p.target_epochs from fct_curated_files f
        join int_mixture_sources_planned p using (source) where p.mixture = '{mixture}'""")
    )
    counts, missing = Counter(), []
    for split in ("train", "validation"):
        present = {
            p
            for w in parquet_windows(project, mixture, split)
            for p, o in zip(w["document_positions"], w["document_offsets"])
            if o == 0
        }
        positions = _split_positions(project, mixture, split)
        counts.update(doc_of[p] for p in present)
        # Only the documents wholly inside the dropped tail may be absent: the last ones of the split.
        absent = [p for p in positions if p not in present]
        assert absent == positions[len(positions) - len(absent) :]
        missing += [doc_of[p] for p in absent]
    [(dropped,)] = project.query(f"select sum(dropped_tokens) from rpt_packing where mixture = '{mixture}'")
    assert dropped < 2 * SEQ_LEN
    assert len(epochs) > 150
    for doc_id, e in epochs.items():
        seen = counts[doc_id] + missing.count(doc_id)
        assert seen in (math.floor(e), math.ceil(e)), (doc_id, e, seen)
    if mixture == "repeat":
        assert set(counts.values()) == {1, 2}


def test_train_and_validation_never_share_a_repository(project):
    for mixture in MIXTURE_NAMES:
        repos = {}
        for split in ("train", "validation"):
            positions = {p for w in parquet_windows(project, mixture, split) for p in w["document_positions"]}
            repos[split] = {
                r
                for (r,) in project.query(f"""select distinct f.repo from fct_mixture m
                join fct_curated_files f using (doc_id) where m.mixture = '{mixture}'
                and m.position in ({",".join(map(str, positions))})""")
            }
        assert repos["train"] and repos["validation"]
        assert not repos["train"] & repos["validation"]


@pytest.mark.parametrize("mixture", MIXTURE_NAMES)
def test_manifest_lists_every_file_with_its_sha256_and_the_provenance(project, mixture):
    doc = manifest(project, mixture)
    on_disk = {
        p.relative_to(out(project, mixture)).as_posix() for p in out(project, mixture).rglob("*") if p.is_file()
    } - {"manifest.json"}
    assert on_disk == {f["path"] for f in doc["files"]}
    assert len([f for f in doc["files"] if f["format"] == "parquet"]) >= 3
    for f in doc["files"]:
        data = (out(project, mixture) / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["bytes"]
        assert f["tokens"] == f["sequences"] * SEQ_LEN >= f["real_tokens"]
    for split, totals in doc["splits"].items():
        parquet = [f for f in doc["files"] if f["format"] == "parquet" and f["split"] == split]
        assert sum(f["sequences"] for f in parquet) == totals["sequences"]
        assert max((f["sequences"] for f in parquet), default=0) <= VARS["export_tokens_per_shard"] // SEQ_LEN
    assert project.query(f"select count(*) from fct_exported_shards where mixture = '{mixture}'") == [
        (len(doc["files"]),)
    ]

    provenance = doc["provenance"]
    raw = sorted((project.root.parent / "raw").glob("*.parquet"))
    assert [r["sha256"] for r in provenance["raw_inputs"]] == [hashlib.sha256(p.read_bytes()).hexdigest() for p in raw]
    [(tokenizer_path,)] = project.query("select tokenizer_path from int_tokenizer_prepared")
    assert provenance["tokenizer"]["sha256"] == hashlib.sha256(Path(tokenizer_path).read_bytes()).hexdigest()
    assert provenance["tokenizer"]["path"] == "out/tokenizer.json"
    assert set(provenance["versions"]) >= {
        "python",
        "duckdb",
        "dbt-core",
        "dbt-duckdb",
        "tokenizers",
        "datasketch",
        "pyarrow",
    }
    assert re.fullmatch(r"[0-9a-f]{40}", provenance["git"]["commit"])
    project_vars = __import__("yaml").safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())["vars"]
    assert set(provenance["vars"]) == set(project_vars)
    assert provenance["vars"]["seq_len"] == SEQ_LEN and provenance["vars"]["near_dedup_threshold"] == 0.7
    assert {row["stage"] for row in provenance["funnel"]} >= {"raw", "staging", "near_dedup", "decontamination"}
    assert sum(r["tokens"] for r in provenance["curated_tokens"]) > 0
    assert str(project.root.parent) not in json.dumps(doc["files"])


def test_manifest_names_the_tokenizer_and_the_database_it_came_from(project):
    tokenizer_sha256 = hashlib.sha256((project.root / "out" / "tokenizer.json").read_bytes()).hexdigest()
    for mixture in MIXTURE_NAMES:
        doc = manifest(project, mixture)
        assert doc["provenance"]["tokenizer"]["sha256"] == tokenizer_sha256
        assert doc["build"] == {"database": str(project.root / "winnow.duckdb")}


def _snapshot(project) -> dict[str, str]:
    return project.exported_files()


def test_one_and_two_threads_give_byte_identical_shards_and_manifests(project):
    before = _snapshot(project)
    assert {"pretrain/manifest.json", "repeat/manifest.json", "pretrain/megatron/train-00000.idx"} <= set(before)
    # --full-refresh: the memoized stages would otherwise be reused, and nothing written again.
    result = run(
        project, "build", "--select", "int_mixture_copies_ordered+", "--full-refresh", env={"WINNOW_THREADS": "1"}
    )
    assert result.returncode == 0, result.stdout[-3000:]
    statuses = project.model_statuses()
    assert [model for model, status in statuses.items() if status == "REUSED"] == []
    assert _snapshot(project) == before


def test_a_build_killed_mid_export_leaves_no_trusted_partial_file_and_reruns_identically(project):
    complete = _snapshot(project)
    # SIGKILL the dbt process once the 5th temporary file has data (in pretrain's first shards).
    killed = run(
        project,
        "run",
        "--select",
        "fct_exported_shards",
        "--full-refresh",
        env={"WINNOW_EXPORT_CRASH_AT_TEMP_FILE": "5"},
    )
    assert killed.returncode == -9
    pretrain = out(project, "pretrain")
    assert not (pretrain / "manifest.json").exists(), "no manifest while the mixture is half written"
    partial = sorted(p.name for p in pretrain.rglob(".*.partial"))
    assert partial, "the kill came while a file was being written"
    visible = [p for pattern in TRAINER_GLOBS for p in pretrain.glob(pattern)]
    assert all(not p.name.startswith(".") for p in visible)
    # What a trainer's glob sees is only ever a complete file (renamed after its last byte).
    for path in visible:
        key = path.relative_to(project.root / "out").as_posix()
        assert hashlib.sha256(path.read_bytes()).hexdigest() == complete[key], key
    # The other mixture was not touched yet: its manifest and files are still the complete ones.
    assert (out(project, "repeat") / "manifest.json").exists()

    # Not --full-refresh: the killed build forgot the export's fingerprint, so it is written again.
    rerun = run(project, "run", "--select", "fct_exported_shards")
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert project.model_statuses()["fct_exported_shards"] != "REUSED"
    assert _snapshot(project) == complete
    assert not list((project.root / "out").rglob("*.partial"))


def test_an_unchanged_export_is_reused_until_a_file_it_wrote_is_gone_or_changed(project):
    complete = _snapshot(project)
    again = run(project, "run", "--select", "fct_exported_shards")
    assert again.returncode == 0, again.stdout[-3000:]
    assert project.model_statuses()["fct_exported_shards"] == "REUSED"
    assert _snapshot(project) == complete
    shard = out(project, "pretrain") / "megatron" / "train-00000.bin"
    for damage in (
        shard.unlink,
        lambda: shard.write_bytes(b"truncated"),
        lambda: (out(project, "repeat") / "manifest.json").unlink(),
    ):
        damage()
        repaired = run(project, "run", "--select", "fct_exported_shards")
        assert repaired.returncode == 0, repaired.stdout[-3000:]
        assert project.model_statuses()["fct_exported_shards"] == "OK"
        assert _snapshot(project) == complete


def test_stale_shards_of_earlier_runs_are_removed_and_never_listed(project):
    complete = _snapshot(project)
    smaller = run(
        project,
        "run",
        "--select",
        "fct_exported_shards",
        vars={"export_tokens_per_shard": SEQ_LEN * 100, "export_formats": ["parquet", "megatron"]},
    )
    assert smaller.returncode == 0, smaller.stdout[-3000:]
    doc = manifest(project, "pretrain")
    on_disk = {
        p.relative_to(out(project, "pretrain")).as_posix() for p in out(project, "pretrain").rglob("*") if p.is_file()
    } - {"manifest.json"}
    assert on_disk == {f["path"] for f in doc["files"]}
    assert not (out(project, "pretrain") / "npy").exists() and not (out(project, "pretrain") / "nanogpt").exists()
    assert len([f for f in doc["files"] if f["format"] == "parquet"]) > len(
        [k for k in complete if k.startswith("pretrain/parquet/")]
    )
    back = run(project, "run", "--select", "fct_exported_shards")
    assert back.returncode == 0, back.stdout[-3000:]
    assert _snapshot(project) == complete


def test_docs_loader_snippet_reads_a_shard_and_prints_the_first_sequence(project):
    page = (PROJECT_ROOT / "docs" / "formats.md").read_text()
    section = page.split("## Reading the shards", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "import numpy" in snippet and not re.search(r"^\s*(import|from) (?!numpy|json|hashlib)", snippet, re.M)
    result = subprocess.run([sys.executable, "-c", snippet], cwd=project.root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    [(path, sha)] = project.query("select tokenizer_path, tokenizer_sha256 from int_tokenizer_prepared")
    first = pq.read_table(files_of(project, "pretrain", "parquet", "train")[0]).to_pylist()[0]["input_ids"]
    assert result.stdout == load_tokenizer(path, sha).hf.decode(first, skip_special_tokens=False) + "\n"


def test_best_fit_keeps_whole_documents_and_pads(project):
    try:
        result = run(project, "build", "--select", "fct_packed_sequences+", vars={"packing_strategy": "best_fit"})
        assert result.returncode == 0, result.stdout[-3000:]
        lengths = dict(
            project.query("select position, n_tokens + 1 from fct_training_documents where mixture = 'pretrain'")
        )
        pieces = defaultdict(list)
        for split in ("train", "validation"):
            for window in parquet_windows(project, "pretrain", split):
                ends = window["boundaries"][1:] + [window["n_tokens"]]
                for position, offset, start, end in zip(
                    window["document_positions"], window["document_offsets"], window["boundaries"], ends
                ):
                    pieces[position].append((offset, end - start))
                assert window["input_ids"][window["n_tokens"] :] == [manifest(project, "pretrain")["pad_token_id"]] * (
                    SEQ_LEN - window["n_tokens"]
                )
        assert set(pieces) == set(lengths), "every document is packed"
        for position, parts in pieces.items():
            assert sum(n for _, n in parts) == lengths[position]
            assert len(parts) == math.ceil(lengths[position] / SEQ_LEN), "only documents longer than a window are cut"
        [(dropped, padding)] = project.query(
            "select sum(dropped_tokens), sum(padding_tokens) / sum(windows * seq_len) from rpt_packing"
        )
        assert dropped == 0 and 0 < padding < 0.2
        assert manifest(project, "pretrain")["packing"]["strategy"] == "best_fit"
    finally:
        restored = [run(project, "build", "--select", "fct_packed_sequences+")]
    assert all(r.returncode == 0 for r in restored), [r.stdout[-2000:] for r in restored]


def test_a_shard_edited_in_place_with_its_size_and_mtime_restored_is_rewritten(project):
    complete = _snapshot(project)
    shard = out(project, "pretrain") / "npy" / "train-00000.npy"
    before = shard.stat()
    data = bytearray(shard.read_bytes())
    data[-1] ^= 0xFF
    shard.write_bytes(bytes(data))
    os.utime(shard, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (shard.stat().st_size, shard.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert _snapshot(project) != complete
    repaired = run(project, "run", "--select", "fct_exported_shards")
    assert repaired.returncode == 0, repaired.stdout[-3000:]
    assert project.model_statuses()["fct_exported_shards"] == "OK"
    assert _snapshot(project) == complete


USERS_JSON = '{"files": ["a file of the user, not winnow\'s"]}\n'


def test_a_mixture_removed_from_the_seed_leaves_no_directory_behind(project):
    complete = _snapshot(project)
    mixtures = project.root / "seeds" / "mixtures.csv"
    user_files = [project.root / "out" / "notes.txt", project.root / "out" / "mine" / "manifest.json"]
    for path in user_files:
        path.parent.mkdir(exist_ok=True)
        path.write_text(USERS_JSON)
    try:
        mixtures.write_text(MIXTURES.replace("repeat,*,,1.5,,,0.5,0.5\n", ""))
        result = run(project, "build", "--select", "mixtures+")
        assert result.returncode == 0, result.stdout[-3000:]
        assert not out(project, "repeat").exists()
        assert {p.name for p in (project.root / "out").iterdir()} == {
            "pretrain",
            "tokenizer.json",
            ".winnow.lock",
            "notes.txt",
            "mine",
        }
        assert all(path.read_text() == USERS_JSON for path in user_files)
        assert {k for k in _snapshot(project) if k.startswith("pretrain/")} == {
            k for k in complete if k.startswith("pretrain/")
        }
    finally:
        mixtures.write_text(MIXTURES)
        for path in user_files:
            path.unlink()
        (project.root / "out" / "mine").rmdir()
        restored = [run(project, "build", "--select", "mixtures+")]
    assert all(r.returncode == 0 for r in restored), [r.stdout[-2000:] for r in restored]
    assert _snapshot(project) == complete


def test_a_build_whose_corpus_became_empty_leaves_no_manifest(project):
    complete = _snapshot(project)
    try:
        # Every raw file is longer than one byte: the filters drop the whole corpus.
        result = run(project, "build", vars={"max_file_bytes": 1})
        assert result.returncode == 0, result.stdout[-3000:]
        assert project.query("select count(*) from fct_curated_files") == [(0,)]
        assert not list((project.root / "out").rglob("manifest.json"))
        assert not [p for pattern in TRAINER_GLOBS for p in (project.root / "out").glob(f"*/{pattern}")]
    finally:
        restored = [run(project, "build")]
    assert all(r.returncode == 0 for r in restored), [r.stdout[-2000:] for r in restored]
    assert _snapshot(project) == complete


def _holder(lock: Path) -> dict:
    try:
        return json.loads(lock.read_text() or "{}")
    except (OSError, ValueError):
        return {}


def test_two_databases_cannot_write_one_out_directory_at_the_same_time(project):
    complete = _snapshot(project)
    other = project.root / "other.duckdb"
    other.write_bytes((project.root / "winnow.duckdb").read_bytes())
    # Its own target path: the other profile would otherwise replace the partial-parse state.
    other_database = {"env": {"WINNOW_DB": "other.duckdb"}}
    other_target = ("--target-path", str(project.root / "target-other"))
    lock = project.root / "out" / ".winnow.lock"
    command = [
        str(DBT),
        "run",
        "--select",
        "int_mixture_copies_ordered+",
        "--full-refresh",
        "--vars",
        json.dumps(VARS),
        "--profiles-dir",
        str(project.root),
        "--project-dir",
        str(project.root),
    ]
    first = subprocess.Popen(
        command,
        cwd=project.root,
        env={**os.environ, **project.environment()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300
        while _holder(lock).get("pid") != first.pid and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _holder(lock).get("pid") == first.pid, "the first build claimed out/"
        # Held still while the second build starts, so the two overlap however slow the machine.
        os.kill(first.pid, signal.SIGSTOP)
        try:
            # Another database, other shard sizes: interleaved, the two would list each other's files.
            second = run(
                project,
                "run",
                "--select",
                "fct_exported_shards",
                "--full-refresh",
                *other_target,
                vars={"export_tokens_per_shard": SEQ_LEN * 100},
                **other_database,
            )
        finally:
            os.kill(first.pid, signal.SIGCONT)
    finally:
        stdout, _ = first.communicate(timeout=600)
    assert first.returncode == 0, stdout[-3000:]
    assert second.returncode != 0, second.stdout[-3000:]
    refusal = " ".join(second.stdout.split())
    assert "is in use by another winnow build" in refusal
    assert f"database {project.root / 'winnow.duckdb'}, pid {first.pid}" in refusal
    assert _snapshot(project) == complete
    for mixture in MIXTURE_NAMES:
        for f in manifest(project, mixture)["files"]:
            assert hashlib.sha256((out(project, mixture) / f["path"]).read_bytes()).hexdigest() == f["sha256"]

    # One after the other, the second database's export replaces the first's and names it; the
    # first database's next build does not take those files for its own.
    after = run(project, "run", "--select", "fct_exported_shards", "--full-refresh", *other_target, **other_database)
    assert after.returncode == 0, after.stdout[-3000:]
    assert manifest(project, "pretrain")["build"]["database"] == str(other)
    back = run(project, "run", "--select", "fct_exported_shards")
    assert back.returncode == 0, back.stdout[-3000:]
    assert project.model_statuses()["fct_exported_shards"] == "OK"
    assert manifest(project, "pretrain")["build"]["database"] == str(project.root / "winnow.duckdb")
    assert _snapshot(project) == complete
    other.unlink()
