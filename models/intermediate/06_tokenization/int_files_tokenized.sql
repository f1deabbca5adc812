{{ config(materialized='view') }}
-- Token ids of every curated file, from int_token_ids_cache (encoded there once per file and
-- tokenizer). Mixing counts these tokens, and every copy that FIM leaves unchanged reuses these
-- ids. A view: the ids are stored once, in the cache.
with

files as (
    select
        doc_id,
        source
    from {{ ref('int_files_curated') }}
),

token_ids as (
    select * from {{ ref('int_token_ids_cache') }}
)

select
    files.doc_id,
    files.source,
    token_ids.n_tokens,
    token_ids.input_ids
from files
inner join token_ids
    on files.doc_id = token_ids.doc_id
