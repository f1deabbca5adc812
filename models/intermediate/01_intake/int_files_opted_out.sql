-- Every staged file whose repository (for web text, the URL's host) is opted out in
-- seeds/opt_out_repos.csv, with the entry that named it. Both sides go through opt_out_key, and a
-- host is also covered by an opted-out parent domain (macros/opt_out.sql has the rules and why).
-- int_files_filtered drops these files with rule opt_out; the caches never compute them and
-- delete any row they held for them (macros/incremental_cache.sql). Keys only, no text.
with

staged as (
    select
        doc_id,
        repo
    from {{ ref('int_raw_files_checked') }}
    where staging_rule is null
)

select
    matches.doc_id,
    any_value(matches.repo) as repo,
    any_value(matches.repo_key) as repo_key,
    -- Several entries may name one file (two spellings, a host and its parent): the first in order.
    min(matches.opt_out_entry) as opt_out_entry
from {{ opt_out_matches('staged') }} as matches
group by matches.doc_id
