-- MinHash signatures of the exact-deduplicated files, from int_minhash_signatures_cache (computed
-- there once per file and settings). A file with fewer tokens than a shingle has no signature and
-- is skipped by near dedup (kept), with minhash_skip_reason saying why.
with

files as (
    select doc_id from {{ ref('int_files_exact_deduped') }}
),

signatures as (
    select * from {{ ref('int_minhash_signatures_cache') }}
)

select
    signatures.doc_id,
    signatures.signature,
    signatures.minhash_skip_reason
from signatures
semi join files
    on signatures.doc_id = files.doc_id
