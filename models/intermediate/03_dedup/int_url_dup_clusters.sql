-- URL-level exact dedup of documents that passed the filters and carry a URL (web text): files
-- whose normalised URL is alike, one keeper per URL (best license family, most trusted source
-- tier, then the most complete copy: most bytes, then smallest doc_id), as datatrove's URLDedup
-- keeps one document per URL before content dedup. The URL is normalised by lower-casing the scheme and host and
-- dropping the fragment and a trailing slash (paths and queries are case-sensitive). Off with
-- var url_dedup: false. No content is stored here.
with

with_urls as (
    select
        doc_id,
        url,
        license_family_rank,
        source_tier,
        n_bytes,
        regexp_replace(trim(url), '#.*{{ regex_end_of_text() }}', '') as unfragmented
    from {{ ref('int_files_filtered') }}
    where
        filter_rule is null
        and url is not null
        and trim(url) != ''
    {%- if not var('url_dedup') %}
        and false
        {%- endif %}
),

normalised as (
    select
        *,
        {{ rtrim_characters(
            "lower(regexp_extract(unfragmented, '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*', 0))\n            || substr(unfragmented, "
            ~ byte_length("regexp_extract(unfragmented, '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*', 0)") ~ " + 1)",
            "'/'"
        ) }} as normalised_url
    from with_urls
),

ranked as (
    select
        *,
        count(*) over (partition by normalised_url) as cluster_size,
        first_value(doc_id) over (
            partition by normalised_url
            order by license_family_rank asc, source_tier asc, n_bytes desc, doc_id asc
        ) as keeper_doc_id
    from normalised
)

select
    doc_id,
    url,
    normalised_url,
    cluster_size,
    keeper_doc_id,
    doc_id = keeper_doc_id as is_keeper
from ranked
