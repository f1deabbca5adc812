"""winnow's Python code, in four layers; each imports only from the layers listed before it.

- ``kernels``: the per-document work as pure functions over pyarrow arrays and Python values, one
  concept per module (character classes, line statistics, prose quality, languages, licenses,
  MinHash and LSH, PII, FIM, tokenizer and token ids, packing, corpus flavours, benchmarks). No
  kernel imports DuckDB or dbt (``tests/python/test_package_layout.py`` checks it), so the same
  functions could be registered on another engine (a Spark ``pandas_udf``) later.
- ``export``: the shard writers (Parquet, Megatron, NumPy, nanoGPT) and the provenance a manifest
  records; they write files from Arrow batches and know no engine either.
- ``engine``: the dbt/DuckDB glue: ``engine.plugin`` is the dbt-duckdb plugin that registers every
  kernel as an Arrow UDF on each connection dbt opens; progress logging, the code version and the
  file-state fingerprints the caches key on.
- ``cli``: the ``winnow`` command (``cli.main``) and its sub-commands: ``ingest`` (local source to
  raw Parquet), ``text-corpus``, ``report`` (reads a built DuckDB file), ``var-lineage`` (reads dbt's
  manifest), ``knobs``.
"""
