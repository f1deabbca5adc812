-- Every curated file's licenses are all in an allowed family (var license_families_allowed), and
-- no opt-out entry of seeds/opt_out_repos.csv names its repository (the opt_out_key and
-- opt_out_match_keys rules of macros/opt_out.sql). Checked on fct_curated_files itself, so a file
-- that reached the corpus by a path around int_files_filtered shows here. Returns each such file.
with

files as (
    -- Only these columns: the opt_out_key macro's lambda names its variable url, as is a column here.
    select
        doc_id,
        repo,
        license_families
    from {{ ref('fct_curated_files') }}
),

curated as (
    select
        doc_id,
        repo,
        license_families,
        {{ opt_out_key('repo') }} as repo_key
    from files
),

opt_outs as (
    select
        repo as opt_out_entry,
        {{ opt_out_key('repo') }} as opt_out_key
    from {{ ref('opt_out_repos') }}
),

curated_match_keys as (
    select
        doc_id,
        repo,
        unnest({{ opt_out_match_keys('repo_key') }}) as candidate_key
    from curated
    where repo_key <> ''
)

select
    doc_id,
    repo,
    'license families ' || array_to_string(license_families, ', ') || ' not all allowed' as problem
from curated
where
    coalesce(len(license_families), 0) = 0
    or not list_has_all([{{- sql_string_list(var('license_families_allowed')) -}}], license_families)
union all
select
    curated_match_keys.doc_id,
    curated_match_keys.repo,
    'opted out by ' || opt_outs.opt_out_entry as problem
from curated_match_keys
inner join opt_outs
    on curated_match_keys.candidate_key = opt_outs.opt_out_key
