-- Every curated file's licenses are all in an allowed family (var license_families_allowed), and
-- no opt-out entry of seeds/opt_out_repos.csv names its repository (the opt_out_key and
-- opt_out_matches rules of macros/opt_out.sql). Checked on fct_curated_files itself, so a file
-- that reached the corpus by a path around int_files_filtered shows here. Returns each such file.
with

curated as (
    select
        doc_id,
        repo,
        license_families
    from {{ ref('fct_curated_files') }}
)

select
    doc_id,
    repo,
    'license families ' || {{ list_join('license_families', "', '") }} || ' not all allowed' as problem
from curated
where
    coalesce({{ list_size('license_families') }}, 0) <= 0
    or not {{ list_has_all(list_of([sql_string_list(var('license_families_allowed'))]), 'license_families') }}
union all
select
    matches.doc_id,
    matches.repo,
    'opted out by ' || matches.opt_out_entry as problem
from {{ opt_out_matches('curated') }} as matches
