"""The dbt/DuckDB glue: the dbt-duckdb plugin that registers the kernels as Arrow UDFs, progress
logging, and the code version and file-state fingerprints the caches key on."""
