"""Writing training shards (Parquet, Megatron, NumPy, nanoGPT) and the provenance their manifest
records."""
