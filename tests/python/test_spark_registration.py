"""The Spark registration reads the one UDF registry: every function there gets a Spark type
(without a JVM: the translation is plain text), and the runner leaves the master to spark-submit."""

from __future__ import annotations

import pytest

from python_udfs.cli import spark as runner
from python_udfs.engine.spark import spark_type
from python_udfs.engine.udfs import UDFS


@pytest.mark.parametrize("udf", UDFS, ids=lambda udf: udf.name)
def test_every_registered_function_has_spark_types(udf):
    for sql_type in (*udf.parameters, udf.return_type):
        assert spark_type(sql_type)


@pytest.mark.parametrize(
    ("sql_type", "expected"),
    [
        ("VARCHAR", "string"),
        ("UINTEGER[]", "array<bigint>"),
        ("UBIGINT[]", "array<decimal(20,0)>"),
        (
            "STRUCT(content VARCHAR, findings STRUCT(kind VARCHAR, char_offset BIGINT)[])",
            "struct<content:string,findings:array<struct<kind:string,char_offset:bigint>>>",
        ),
        ("STRUCT(n_tokens INTEGER, input_ids INTEGER[])", "struct<n_tokens:int,input_ids:array<int>>"),
    ],
)
def test_registry_types_translate_to_spark_types_that_hold_every_value(sql_type, expected):
    assert spark_type(sql_type) == expected


def test_an_unknown_type_is_refused_by_name():
    with pytest.raises(ValueError, match="HUGEINT"):
        spark_type("STRUCT(a HUGEINT)")


def test_the_runner_sets_a_master_only_when_nothing_else_did(monkeypatch):
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
    monkeypatch.delenv("MASTER", raising=False)
    assert not runner._master_configured()
    # spark-submit starts the JVM and hands Python its gateway: its --master stands.
    monkeypatch.setenv("PYSPARK_GATEWAY_PORT", "40000")
    assert runner._master_configured()
