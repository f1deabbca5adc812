-- The distinct 32-bit shingle hashes (winnow_shingle_hash_sets: the shingles, unit per kind and
-- hash of the signatures) of every file on a candidate edge, for the exact Jaccard of
-- int_near_dup_edges and int_near_dup_clusters (macro shingle_set_jaccard). Every cluster member
-- and keeper is on a candidate edge. Holds hashes, not text. The text
-- streams through once: the files to read are a small table, so the hash table of the semi-join
-- holds their ids and the text stays on the probe side (DuckDB cannot spill a hash table of large
-- strings).
with

checked_files as (
    select doc_id from {{ ref('int_near_dup_candidates') }}
    union
    select anchor_doc_id from {{ ref('int_near_dup_candidates') }}
),

contents as (
    select doc_id, kind, content from {{ ref('int_files_exact_deduped') }}
)

select
    contents.doc_id,
    winnow_shingle_hash_sets(
        contents.content,
        {{ var('near_dedup_shingle_size') }},
        '{{ var("near_dedup_shingle_hash") }}',
        {{ shingle_unit('contents.kind') }}
    ) as shingle_hashes
from contents
semi join checked_files
    on checked_files.doc_id = contents.doc_id
