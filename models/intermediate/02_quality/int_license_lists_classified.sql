-- Every distinct license list found in the corpus, normalised to SPDX ids through the alias seed
-- and classified by family. A list is allowed only if every license in it is in an allowed
-- family (var license_families_allowed); an unrecognised string is family 'unknown'.
with

license_lists as (
    select licenses from {{ ref('int_files_unioned') }}
    union
    -- File-level evidence (int_file_license_evidence) goes through the same rules: the nearest
    -- license file's list, and each alternative of an SPDX header.
    select file_licenses from {{ ref('int_file_license_evidence') }}
    where {{ list_size('file_licenses') }} > 0
    union
    select {{ unnest_list('spdx_header_alternatives') }} from {{ ref('int_file_license_evidence') }}
),

license_list_entries as (
    select
        licenses,
        {{ unnest_list('licenses') }} as raw_license
    from license_lists
),

aliases as (
    select * from {{ ref('license_aliases') }}
),

licenses as (
    select * from {{ ref('licenses') }}
),

family_ranks as (
    -- Lower is better: the keeper of a duplicate cluster comes from the best-ranked family.
    select * from (
        values
        ('public_domain', 1),
        ('permissive', 2),
        ('weak_copyleft', 3),
        ('strong_copyleft', 4),
        ('proprietary', 5),
        ('unknown', 6)
    ) as family_ranks (family, family_rank)
),

one_row_per_license as (
    select
        license_list_entries.licenses,
        license_list_entries.raw_license,
        coalesce(aliases.spdx_id, licenses.spdx_id) as spdx_id
    from license_list_entries
    left join aliases
        on aliases.alias = lower({{ regexp_replace_all(
            'trim(license_list_entries.raw_license)', "'" ~ regex_space() ~ "+'", "' '"
        ) }})
    left join licenses
        on licenses.spdx_id = trim(license_list_entries.raw_license)
),

classified as (
    select
        one_row_per_license.licenses,
        one_row_per_license.raw_license,
        coalesce(one_row_per_license.spdx_id, 'unknown') as spdx_id,
        coalesce(licenses.family, 'unknown') as family
    from one_row_per_license
    left join licenses
        on one_row_per_license.spdx_id = licenses.spdx_id
)

select
    classified.licenses,
    {{ sorted_distinct_list_agg('classified.spdx_id') }} as spdx_ids,
    {{ sorted_distinct_list_agg('classified.family') }} as families,
    max(family_ranks.family_rank) as worst_family_rank,
    bool_and(classified.family in (
        {{- sql_string_list(var('license_families_allowed')) -}}
    )) as is_allowed,
    {{ sorted_distinct_list_agg('classified.raw_license',
        'classified.family not in (' ~ sql_string_list(var('license_families_allowed')) ~ ')') }} as disallowed_licenses
from classified
inner join family_ranks
    on classified.family = family_ranks.family
group by classified.licenses
