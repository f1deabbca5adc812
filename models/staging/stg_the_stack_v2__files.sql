-- Every row of every 'the_stack_v2' corpus (The Stack v2's file metadata), renamed into one schema,
-- its text read from the source's blob store by blob_id. Sources are checked first (glob, Parquet
-- footers, columns, blob store); see macros/corpus_sources.sql.
{{ stage_corpus_files('the_stack_v2') }}
