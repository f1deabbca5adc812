-- License families of the staged files and of the curated corpus, per source and kind. A file with
-- several licenses counts under its most restrictive family.
with

families as (
    select * from (
        values
        (1, 'public_domain'),
        (2, 'permissive'),
        (3, 'weak_copyleft'),
        (4, 'strong_copyleft'),
        (5, 'proprietary'),
        (6, 'unknown')
    ) as family_ranks (family_rank, family)
),

files as (
    select
        filtered.source,
        filtered.kind,
        filtered.license_family_rank,
        filtered.n_bytes,
        curated.doc_id is not null as is_curated
    from {{ ref('int_files_filtered') }} as filtered
    left join {{ ref('fct_curated_files') }} as curated
        on filtered.doc_id = curated.doc_id
)

select
    files.source,
    files.kind,
    families.family,
    count(*) as staged_files,
    sum(files.n_bytes) as staged_bytes,
    count(*) filter (where files.is_curated) as curated_files,
    coalesce(sum(files.n_bytes) filter (where files.is_curated), 0) as curated_bytes
from files
inner join families
    on files.license_family_rank = families.family_rank
group by all
order by files.source, files.kind, min(families.family_rank)
