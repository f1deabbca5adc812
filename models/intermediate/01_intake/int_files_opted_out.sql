-- Every staged file whose repository (for web text, the URL's host) is opted out in
-- seeds/opt_out_repos.csv, with the entry that named it. Both sides go through opt_out_key, and a
-- host is also covered by an opted-out parent domain (macros/opt_out.sql has the rules and why).
-- int_files_filtered drops these files with rule opt_out; the caches never compute them and
-- delete any row they held for them (macros/incremental_cache.sql). Keys only, no text.
with

files as (
    select
        doc_id,
        repo
    from {{ ref('int_raw_files_checked') }}
    where staging_rule is null
),

opt_outs as (
    select
        repo as opt_out_entry,
        {{ opt_out_key('repo') }} as opt_out_key
    from {{ ref('opt_out_repos') }}
),

keyed as (
    select
        doc_id,
        repo,
        {{ opt_out_key('repo') }} as repo_key
    from files
),

candidates as (
    select
        doc_id,
        repo,
        repo_key,
        unnest({{ opt_out_match_keys('repo_key') }}) as candidate_key
    from keyed
    where repo_key <> ''
)

select
    candidates.doc_id,
    any_value(candidates.repo) as repo,
    any_value(candidates.repo_key) as repo_key,
    -- Several entries may name one file (two spellings, a host and its parent): the first in order.
    min(opt_outs.opt_out_entry) as opt_out_entry
from candidates
inner join opt_outs
    on candidates.candidate_key = opt_outs.opt_out_key
group by candidates.doc_id
