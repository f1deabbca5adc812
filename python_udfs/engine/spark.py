"""Registers winnow's Python functions on a SparkSession: the Spark counterpart of ``plugin.py``.

The functions, their kernels and their types come from the one registry, ``udfs.UDFS``; this
module only translates its (DuckDB-notation) types to Spark's and wraps each kernel as a Spark
UDF: 'arrow' functions as Arrow UDFs (pyarrow arrays in and out, as on DuckDB), 'native' ones as
row-at-a-time UDFs. Spark SQL cannot create Python functions itself, so the runner
(``python_udfs.cli.spark``) calls ``register_udfs`` on the session before dbt starts.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyarrow as pa

from .udfs import UDFS, Udf

# Spark has no unsigned integers: each takes the next wider signed type (or exact decimal) that
# holds all its values, so no value changes on the way.
_SCALARS = {
    "VARCHAR": "string",
    "BLOB": "binary",
    "BOOLEAN": "boolean",
    "INTEGER": "int",
    "BIGINT": "bigint",
    "DOUBLE": "double",
    "UINTEGER": "bigint",
    "UBIGINT": "decimal(20,0)",
}


def spark_type(sql_type: str) -> str:
    """The Spark DDL type of a registry type: ``STRUCT(a VARCHAR, b INTEGER[])`` ->
    ``struct<a:string,b:array<int>>``. Raises ValueError naming a type it does not know."""
    text = sql_type.strip()
    if text.endswith("[]"):
        return f"array<{spark_type(text[:-2])}>"
    struct = re.fullmatch(r"STRUCT\((.*)\)", text, re.DOTALL)
    if struct:
        return "struct<" + ",".join(f"{name}:{spark_type(kind)}" for name, kind in _struct_fields(struct[1])) + ">"
    if text not in _SCALARS:
        raise ValueError(f"no Spark type for the registry type {sql_type!r}: add it to engine/spark.py's _SCALARS")
    return _SCALARS[text]


def _struct_fields(body: str) -> list[tuple[str, str]]:
    """(name, type) of each top-level field of a STRUCT(...) body, nested parentheses kept whole."""
    fields, depth, start = [], 0, 0
    for i, char in enumerate(body + ","):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            name, _, kind = body[start:i].strip().partition(" ")
            fields.append((name, kind))
            start = i + 1
    return fields


def _arrow_result(function: Callable, arrow_type: pa.DataType) -> Callable:
    """The kernel, its result as one array of exactly the declared type (a uint32 kernel column
    becomes Spark's bigint; Spark refuses a result whose Arrow type differs from the declared one)."""

    def call(*columns):
        result = function(*columns)
        if isinstance(result, pa.ChunkedArray):
            result = result.combine_chunks()
        return result if result.type == arrow_type else result.cast(arrow_type)

    call.__name__ = getattr(function, "__name__", "winnow_udf")
    return call


def spark_udf(udf: Udf):
    """The Spark UDF for one registry entry."""
    from pyspark.sql.functions import ArrowUDFType, arrow_udf
    from pyspark.sql.functions import udf as python_udf
    from pyspark.sql.pandas.types import to_arrow_type
    from pyspark.sql.types import _parse_datatype_string

    return_type = _parse_datatype_string(spark_type(udf.return_type))
    if udf.kind == "arrow" and udf.parameters:
        spark_function = arrow_udf(
            _arrow_result(udf.function, to_arrow_type(return_type)), return_type, ArrowUDFType.SCALAR
        )
    else:
        spark_function = python_udf(udf.function, return_type)
    # Spark would otherwise be free to call it fewer times (or more) than the query names it.
    return spark_function.asNondeterministic() if udf.side_effects else spark_function


def register_udfs(spark) -> list[str]:
    """Register every function of ``UDFS`` on ``spark`` (a SparkSession); returns their names."""
    for udf in UDFS:
        spark.udf.register(udf.name, spark_udf(udf))
    return [udf.name for udf in UDFS]


def _spark_ddl(schema: pa.Schema) -> str:
    """Spark DDL of an Arrow schema of strings, int32/int64 and lists of them."""
    names = {pa.string(): "string", pa.int32(): "int", pa.int64(): "bigint"}

    def kind(arrow_type):
        if pa.types.is_list(arrow_type):
            return f"array<{kind(arrow_type.value_type)}>"
        return names[arrow_type]

    return ", ".join(f"{field.name} {kind(field.type)}" for field in schema)


def register_table_functions(spark) -> list[str]:
    """Register the steps of winnow's dbt Python models (``spark_steps.TABLE_FUNCTIONS``) as Python
    UDTFs on ``spark``; returns their names."""
    from pyspark.sql.functions import udtf

    from .spark_steps import TABLE_FUNCTIONS

    for function in TABLE_FUNCTIONS:
        # Left nondeterministic (a UDTF's default): they write files (the tokenizer, shards).
        spark.udtf.register(function.name, udtf(function.cls, returnType=_spark_ddl(function.schema)))
    return [function.name for function in TABLE_FUNCTIONS]
