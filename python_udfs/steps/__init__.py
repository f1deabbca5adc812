"""Engine-neutral steps: the logic of winnow's dbt Python models as plain functions over ordered
batches of rows, so each engine calls the same code (DuckDB from its dbt Python model, Spark from a
Python UDTF a SQL model of the same name calls, ``python_udfs.engine.spark_steps``)."""
