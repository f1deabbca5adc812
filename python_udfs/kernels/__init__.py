"""Pure per-document functions over pyarrow arrays and Python values, one concept per module.

None imports DuckDB or dbt (``tests/python/test_package_layout.py``): ``python_udfs.engine.plugin``
registers them as DuckDB Arrow UDFs, and another engine could register the same functions.
"""
