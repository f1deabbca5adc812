-- Every raw row of every 'codeparrot' corpus in seeds/corpus_sources.csv, renamed into one schema.
-- Sources are checked first (glob, Parquet footers, columns); see macros/corpus_sources.sql.
{{ stage_corpus_files('codeparrot') }}
