"""The one registry of winnow's SQL functions: each one's name, argument and return types, and the
pure function (from ``python_udfs.kernels`` or ``python_udfs.export``) that implements it.

Two thin layers register it on an engine: ``plugin.py`` on every DuckDB connection dbt opens and
``spark.py`` on a SparkSession. Types are written in DuckDB's SQL notation, the one both read:
``spark.py`` translates them to Spark's. Nothing here imports an engine.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
from dbt.adapters.events.logging import AdapterLogger

from ..export.provenance import environment_state
from ..export.shards import OutputDirInUse, claim_output_dir, export_intact
from ..kernels.benchmarks import check_benchmark
from ..kernels.character_classes import CHARACTER_CLASSES_TYPE, character_classes
from ..kernels.corpus_flavours import check_corpus_source, known_flavours
from ..kernels.decontamination_tokens import decontamination_tokens
from ..kernels.exact_dedup import dedup_hashes
from ..kernels.fim import Sentinels, fim_transform
from ..kernels.line_stats import LINE_STATS_TYPE, line_stats
from ..kernels.lsh import band_keys, component_labels, signature_similarity
from ..kernels.minhash import minhash_with_shingle_sets, optimal_lsh_params
from ..kernels.ngram_keys import ngram_text_keys, window_keys
from ..kernels.pii import policy_from_json, redact_metadata, redact_pii
from ..kernels.prose_quality import PROSE_SIGNALS_TYPE, prose_signals
from ..kernels.python_syntax import PYTHON_SYNTAX_TYPE, python_syntax_signals
from ..kernels.quality_classifier import fit_ridge_vectors
from ..kernels.repository_order import python_imports, repository_layout
from ..kernels.token_ids import fim_token_ids, segmented_token_ids, token_ids
from ..kernels.utf8_repair import utf8_replaced
from .code_version import code_version
from .file_state import files_state
from .progress import ProgressRegistry

# Progress lines go to dbt's event log: they show in `dbt build`'s output and in logs/dbt.log.
_LOGGER = AdapterLogger("winnow")
PROGRESS = ProgressRegistry(_LOGGER.info)


def _progress_start(udf: str, model: str, total: int, interval: float) -> str:
    return PROGRESS.start(udf, model, total, interval)


def _progress_finish(udf: str) -> str:
    return PROGRESS.finish(udf)


def _constant(values) -> object:
    """Engines pass even constant arguments to Arrow UDFs as columns: take the one value."""
    return values[0].as_py()


def _minhash_udf(content, num_perm, shingle_size, seed, scheme, shingle_hash, shingle_unit):
    # shingle_unit is a column: one unit per document, from its kind.
    return minhash_with_shingle_sets(
        content,
        num_perm=_constant(num_perm),
        shingle_size=_constant(shingle_size),
        seed=_constant(seed),
        scheme=_constant(scheme),
        shingle_hash=_constant(shingle_hash),
        shingle_unit=shingle_unit,
    )


def _dedup_hash_udf(content, normalisation):
    return dedup_hashes(content, _constant(normalisation))


def _python_syntax_udf(content, max_bytes):
    return python_syntax_signals(content, _constant(max_bytes))


def _band_keys_udf(signatures, bands, rows):
    return band_keys(signatures, _constant(bands), _constant(rows))


def _ngram_window_keys_udf(texts, reserved_names, n):
    return window_keys(decontamination_tokens(texts), _constant(reserved_names), _constant(n))


def _redact_pii_udf(content, policy_json):
    return redact_pii(content, policy_from_json(_constant(policy_json)))


def _redact_metadata_udf(values, policy_json):
    return redact_metadata(values, policy_from_json(_constant(policy_json)))


def _environment_state_udf() -> str:
    # dbt runs in the project directory: the export's git commit is the one of this directory.
    return environment_state(os.getcwd())


def _export_intact_udf(output_dir: str, database: str, files_json: str) -> bool:
    return export_intact(output_dir, database, json.loads(files_json))


def _claim_output_dir_udf(output_dir: str, database: str, invocation_id: str) -> str:
    """'' when claimed, else why not (macros/output_dir.sql raises it as the build's error)."""
    try:
        claim_output_dir(output_dir, database, invocation_id)
    except OutputDirInUse as refused:
        return str(refused)
    return ""


def _optimal_lsh_params_udf(threshold: float, num_perm: int) -> list[int]:
    return list(optimal_lsh_params(threshold, num_perm))


def _sentinels(prefix, middle, suffix) -> Sentinels:
    return Sentinels(prefix=_constant(prefix), middle=_constant(middle), suffix=_constant(suffix))


def _tokenize_udf(content, tokenizer_path, tokenizer_sha256, engine):
    return token_ids(content, _constant(tokenizer_path), _constant(tokenizer_sha256), _constant(engine))


def _tokenize_fim_udf(
    content, cut_a, cut_b, is_spm, tokenizer_path, tokenizer_sha256, engine, prefix, middle, suffix, spm_variant
):
    return fim_token_ids(
        content,
        cut_a,
        cut_b,
        is_spm,
        _constant(tokenizer_path),
        _constant(tokenizer_sha256),
        _constant(engine),
        sentinels=_sentinels(prefix, middle, suffix),
        variant=_constant(spm_variant),
    )


def _tokenize_segments_udf(
    texts,
    markers,
    segment_fim,
    segment_cuts_a,
    segment_cuts_b,
    document_fim,
    document_cut_a,
    document_cut_b,
    is_spm,
    tokenizer_path,
    tokenizer_sha256,
    engine,
    prefix,
    middle,
    suffix,
    spm_variant,
):
    return segmented_token_ids(
        texts,
        markers,
        segment_fim,
        segment_cuts_a,
        segment_cuts_b,
        document_fim,
        document_cut_a,
        document_cut_b,
        is_spm,
        _constant(tokenizer_path),
        _constant(tokenizer_sha256),
        _constant(engine),
        sentinels=_sentinels(prefix, middle, suffix),
        variant=_constant(spm_variant),
    )


def _repository_layout_udf(repos, paths, imports, piece_bytes, header_bytes, all_paths, seed, order, max_bytes):
    return repository_layout(
        repos,
        paths,
        imports,
        piece_bytes,
        header_bytes,
        all_paths,
        seed=_constant(seed),
        order=_constant(order),
        max_bytes=_constant(max_bytes),
    )


def _fim_udf(content, is_fim, is_spm, cut_a, cut_b, prefix, middle, suffix, spm_variant):
    return fim_transform(
        content,
        is_fim,
        is_spm,
        cut_a,
        cut_b,
        sentinels=_sentinels(prefix, middle, suffix),
        variant=_constant(spm_variant),
    )


_TOKENS = "STRUCT(n_tokens INTEGER, input_ids INTEGER[])"
_IMPORT_REFERENCES = "STRUCT(anchor VARCHAR, module VARCHAR, name VARCHAR)[]"
_SQL_TYPES = {"int64": "BIGINT", "double": "DOUBLE", "bool": "BOOLEAN", "string": "VARCHAR"}


def _sql_struct(arrow_type: pa.StructType) -> str:
    return "STRUCT(" + ", ".join(f"{f.name} {_SQL_TYPES[str(f.type)]}" for f in arrow_type) + ")"


@dataclass(frozen=True)
class Udf:
    name: str
    function: Callable
    parameters: tuple[str, ...]
    return_type: str
    # 'arrow' functions receive a whole vector (2048 rows); 'native' ones one row at a time and
    # are only for per-source checks, never per document.
    kind: str = "arrow"
    # True: DuckDB must call it every time, never fold or cache a call with constant arguments.
    side_effects: bool = False
    # True: pure Python that holds the GIL for its whole call (parsing), so the DuckDB plugin runs
    # it in worker processes rather than threads. The function must be picklable (module level).
    holds_gil: bool = False


UDFS: tuple[Udf, ...] = (
    Udf(
        "winnow_line_stats",
        line_stats,
        ("VARCHAR",),
        _sql_struct(LINE_STATS_TYPE),
    ),
    Udf(
        "winnow_character_classes",
        character_classes,
        ("VARCHAR",),
        _sql_struct(CHARACTER_CLASSES_TYPE),
    ),
    Udf("winnow_dedup_hash", _dedup_hash_udf, ("VARCHAR", "VARCHAR"), "VARCHAR"),
    # Spark's staging only: DuckDB's Parquet reader repairs invalid UTF-8 itself, the same way.
    Udf("winnow_utf8_replaced", utf8_replaced, ("BLOB",), "VARCHAR"),
    Udf("winnow_prose_signals", prose_signals, ("VARCHAR",), _sql_struct(PROSE_SIGNALS_TYPE)),
    Udf(
        "winnow_python_syntax",
        _python_syntax_udf,
        ("VARCHAR", "BIGINT"),
        _sql_struct(PYTHON_SYNTAX_TYPE),
        holds_gil=True,
    ),
    # One call fits the whole code-quality model: each argument is one list over all labelled files.
    Udf(
        "winnow_fit_ridge",
        fit_ridge_vectors,
        ("BIGINT[]", "BIGINT[]", "DOUBLE[]", "DOUBLE[]", "BIGINT[]", "INTEGER", "DOUBLE[]"),
        "STRUCT(intercept DOUBLE, weights DOUBLE[], l2 DOUBLE, leave_one_group_out_mse DOUBLE)",
    ),
    Udf(
        "winnow_check_corpus_source",
        check_corpus_source,
        ("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"),
        "VARCHAR",
        kind="native",
    ),
    Udf("winnow_known_flavours", known_flavours, (), "VARCHAR[]", kind="native"),
    # The digest of this package's code: part of every incremental cache's fingerprint.
    Udf("winnow_code_version", code_version, (), "VARCHAR", kind="native"),
    Udf(
        "winnow_minhash",
        _minhash_udf,
        ("VARCHAR", "INTEGER", "INTEGER", "BIGINT", "VARCHAR", "VARCHAR", "VARCHAR"),
        "STRUCT(signature UINTEGER[], shingle_hashes UINTEGER[])",
    ),
    Udf("winnow_lsh_band_keys", _band_keys_udf, ("UINTEGER[]", "INTEGER", "INTEGER"), "UBIGINT[]"),
    Udf("winnow_signature_similarity", signature_similarity, ("UINTEGER[]", "UINTEGER[]"), "DOUBLE"),
    # One call per graph: the verified near-duplicate edges as two aligned lists.
    Udf(
        "winnow_connected_components",
        component_labels,
        ("VARCHAR[]", "VARCHAR[]"),
        "STRUCT(doc_ids VARCHAR[], cluster_ids VARCHAR[])",
    ),
    Udf(
        "winnow_optimal_lsh_params",
        _optimal_lsh_params_udf,
        ("DOUBLE", "INTEGER"),
        "INTEGER[]",
        kind="native",
    ),
    # Decontamination: a text's tokens, the keys of all its n-grams, and the key of a joined n-gram.
    Udf("winnow_decontamination_tokens", decontamination_tokens, ("VARCHAR",), "VARCHAR[]"),
    Udf(
        "winnow_ngram_window_keys",
        _ngram_window_keys_udf,
        ("VARCHAR", "VARCHAR[]", "INTEGER"),
        "STRUCT(literal BIGINT[], blind BIGINT[])",
    ),
    Udf("winnow_ngram_key", ngram_text_keys, ("VARCHAR",), "BIGINT"),
    Udf(
        "winnow_redact_pii",
        _redact_pii_udf,
        ("VARCHAR", "VARCHAR"),
        "STRUCT(content VARCHAR, findings STRUCT(kind VARCHAR, detector VARCHAR, char_offset BIGINT, "
        "char_length BIGINT, value_hash VARCHAR)[])",
    ),
    Udf(
        "winnow_redact_metadata", _redact_metadata_udf, ("VARCHAR", "VARCHAR"), "STRUCT(value VARCHAR, kinds VARCHAR[])"
    ),
    Udf(
        "winnow_check_benchmark",
        check_benchmark,
        ("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"),
        "VARCHAR",
        kind="native",
    ),
    Udf("winnow_tokenize", _tokenize_udf, ("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"), _TOKENS),
    Udf(
        "winnow_tokenize_fim",
        _tokenize_fim_udf,
        (
            "VARCHAR",
            "DOUBLE",
            "DOUBLE",
            "BOOLEAN",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
        ),
        _TOKENS,
    ),
    # Repository documents: a text and a marker (special token) per segment, FIM per segment or per document.
    Udf(
        "winnow_tokenize_segments",
        _tokenize_segments_udf,
        (
            "VARCHAR[]",  # texts first: the plugin slices vectors by the bytes of the first argument
            "VARCHAR[]",
            "BOOLEAN[]",
            "DOUBLE[]",
            "DOUBLE[]",
            "BOOLEAN",
            "DOUBLE",
            "DOUBLE",
            "BOOLEAN",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
            "VARCHAR",
        ),
        _TOKENS,
    ),
    # The state of what a memoized stage reads or writes outside the database
    # (macros/memoized_table.sql): called once per build, never folded into a cached constant.
    Udf("winnow_files_state", files_state, ("VARCHAR[]",), "VARCHAR", kind="native", side_effects=True),
    Udf("winnow_environment_state", _environment_state_udf, (), "VARCHAR", kind="native", side_effects=True),
    Udf(
        "winnow_export_intact",
        _export_intact_udf,
        ("VARCHAR", "VARCHAR", "VARCHAR"),
        "BOOLEAN",
        kind="native",
        side_effects=True,
    ),
    # on-run-start: the output directory is this build's until its process ends (python_udfs.export.shards).
    Udf(
        "winnow_claim_output_dir",
        _claim_output_dir_udf,
        ("VARCHAR", "VARCHAR", "VARCHAR"),
        "VARCHAR",
        kind="native",
        side_effects=True,
    ),
    # Progress of the UDF calls of one model (macros/progress.sql: its pre- and post-hook).
    Udf(
        "winnow_progress_start",
        _progress_start,
        ("VARCHAR", "VARCHAR", "BIGINT", "DOUBLE"),
        "VARCHAR",
        kind="native",
        side_effects=True,
    ),
    Udf("winnow_progress_finish", _progress_finish, ("VARCHAR",), "VARCHAR", kind="native", side_effects=True),
    # Repository documents (python_udfs/kernels/repository_order.py): per file, then per repository
    # over lists of its paths and import references (no text).
    Udf("winnow_python_imports", python_imports, ("VARCHAR", "VARCHAR"), _IMPORT_REFERENCES, holds_gil=True),
    Udf(
        "winnow_repository_layout",
        _repository_layout_udf,
        (
            "VARCHAR",
            "VARCHAR[]",
            f"{_IMPORT_REFERENCES}[]",
            "BIGINT[]",
            "BIGINT",
            "VARCHAR[]",
            "BIGINT",
            "VARCHAR",
            "BIGINT",
        ),
        "STRUCT(position INTEGER, document INTEGER)[]",
    ),
    Udf(
        "winnow_fim",
        _fim_udf,
        ("VARCHAR", "BOOLEAN", "BOOLEAN", "DOUBLE", "DOUBLE", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"),
        "VARCHAR",
    ),
)
