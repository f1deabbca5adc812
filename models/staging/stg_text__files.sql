-- Every raw row of every 'text' corpus in seeds/corpus_sources.csv (natural-language documents,
-- FineWeb / FineWeb-Edu style), renamed into the same schema as the code flavours, kind 'text'.
-- Sources are checked first (glob, Parquet footers, columns); see macros/corpus_sources.sql.
{{ stage_corpus_files('text') }}
