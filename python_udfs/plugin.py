"""The dbt-duckdb plugin: registers winnow's Python functions on every DuckDB connection dbt opens.

This is the only module that knows about DuckDB. profiles.yml loads it with
``plugins: [{module: python_udfs.plugin}]``; each registration names the SQL function, its
argument and return types, and the pure function from this package that implements it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from dbt.adapters.duckdb.plugins import BasePlugin

from .benchmarks import check_benchmark
from .character_classes import character_classes
from .corpus_flavours import check_corpus_source, known_flavours
from .line_stats import line_stats
from .lsh import band_keys, signature_similarity
from .minhash import minhash_signatures, optimal_lsh_params, shingle_jaccard
from .pii import policy_from_json, redact_pii


def _constant(values) -> object:
    """DuckDB passes even constant arguments to Arrow UDFs as columns: take the one value."""
    return values[0].as_py()


def _minhash_udf(content, num_perm, shingle_size, seed, scheme, shingle_hash):
    return minhash_signatures(
        content,
        num_perm=_constant(num_perm),
        shingle_size=_constant(shingle_size),
        seed=_constant(seed),
        scheme=_constant(scheme),
        shingle_hash=_constant(shingle_hash),
    )


def _shingle_jaccard_udf(left, right, shingle_size, shingle_hash):
    return shingle_jaccard(
        left, right, shingle_size=_constant(shingle_size), shingle_hash=_constant(shingle_hash)
    )


def _band_keys_udf(signatures, bands, rows):
    return band_keys(signatures, _constant(bands), _constant(rows))


def _redact_pii_udf(content, policy_json):
    return redact_pii(content, policy_from_json(_constant(policy_json)))


def _optimal_lsh_params_udf(threshold: float, num_perm: int) -> list[int]:
    return list(optimal_lsh_params(threshold, num_perm))


@dataclass(frozen=True)
class Udf:
    name: str
    function: Callable
    parameters: tuple[str, ...]
    return_type: str
    # 'arrow' functions receive a whole vector (2048 rows); 'native' ones one row at a time and
    # are only for per-source checks, never per document.
    kind: str = "arrow"


UDFS: tuple[Udf, ...] = (
    Udf(
        "winnow_line_stats",
        line_stats,
        ("VARCHAR",),
        "STRUCT(n_lines BIGINT, max_line_length BIGINT, mean_line_length DOUBLE)",
    ),
    Udf(
        "winnow_character_classes",
        character_classes,
        ("VARCHAR",),
        "STRUCT(n_alphanumeric BIGINT, n_alphabetic BIGINT)",
    ),
    Udf(
        "winnow_check_corpus_source",
        check_corpus_source,
        ("VARCHAR", "VARCHAR", "VARCHAR"),
        "VARCHAR",
        kind="native",
    ),
    Udf("winnow_known_flavours", known_flavours, (), "VARCHAR[]", kind="native"),
    Udf(
        "winnow_minhash",
        _minhash_udf,
        ("VARCHAR", "INTEGER", "INTEGER", "BIGINT", "VARCHAR", "VARCHAR"),
        "UINTEGER[]",
    ),
    Udf("winnow_lsh_band_keys", _band_keys_udf, ("UINTEGER[]", "INTEGER", "INTEGER"), "UBIGINT[]"),
    Udf("winnow_signature_similarity", signature_similarity, ("UINTEGER[]", "UINTEGER[]"), "DOUBLE"),
    Udf(
        "winnow_shingle_jaccard",
        _shingle_jaccard_udf,
        ("VARCHAR", "VARCHAR", "INTEGER", "VARCHAR"),
        "DOUBLE",
    ),
    Udf(
        "winnow_optimal_lsh_params",
        _optimal_lsh_params_udf,
        ("DOUBLE", "INTEGER"),
        "INTEGER[]",
        kind="native",
    ),
    Udf(
        "winnow_redact_pii",
        _redact_pii_udf,
        ("VARCHAR", "VARCHAR"),
        "STRUCT(content VARCHAR, findings STRUCT(kind VARCHAR, detector VARCHAR, char_offset BIGINT, "
        "char_length BIGINT, value_hash VARCHAR)[])",
    ),
    Udf(
        "winnow_check_benchmark",
        check_benchmark,
        ("VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR", "VARCHAR"),
        "VARCHAR",
        kind="native",
    ),
)


def register_udfs(conn) -> None:
    """Register every function in ``UDFS`` on a DuckDB connection (idempotent)."""
    registered = {
        row[0]
        for row in conn.execute(
            "select function_name from duckdb_functions() where function_name like 'winnow_%'"
        ).fetchall()
    }
    for udf in UDFS:
        if udf.name in registered:
            continue
        conn.create_function(
            udf.name,
            udf.function,
            list(udf.parameters),
            udf.return_type,
            type=udf.kind,
            null_handling="special",
        )


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        register_udfs(conn)
