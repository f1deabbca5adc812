-- Every raw row of every source, typed, identified and judged: staging_rule is NULL for a row
-- that goes on, or the reason it stops here (it then appears in fct_drop_ledger). The content is
-- not stored: raw text may hold secrets and PII, and the first table that stores text is
-- int_pii_redactions_cache (redacted text). int_files_unioned reads it back from the staging views by
-- (source, source_file, source_row).
with

staged as (
    {{ staged_corpus_files() }}
),

metadata_redacted as {{ cte_not_materialized() }} (
    -- Credentials and PII in repository names, paths and URLs (a URL's password, token and
    -- signature parameters, an address or key id as a path segment) replaced before any table
    -- stores them, as the text is in int_pii_redactions_cache: winnow_redact_metadata
    -- (python_udfs/kernels/pii/). What was replaced is kept as 'column:kind', never the value.
    -- Invalid UTF-8 repaired as DuckDB's reader does, so the hash below is the same on Spark.
    select
        {{ star_except(['repo', 'path', 'url', 'content']) }},
        {{ utf8_repaired_text('content') }} as content,
        winnow_redact_metadata(repo, {{ sql_string(pii_policy_json()) }}) as repo_redaction,
        winnow_redact_metadata(path, {{ sql_string(pii_policy_json()) }}) as path_redaction,
        winnow_redact_metadata(url, {{ sql_string(pii_policy_json()) }}) as url_redaction
    from staged
),

corpus_sources as (
    select * from {{ ref('corpus_sources') }}
),

languages as (
    select * from {{ ref('languages') }}
),

typed as {{ cte_not_materialized() }} (
    select
        staged.source,
        staged.source_file,
        staged.source_row,
        staged.repo_redaction.value as repo,
        staged.path_redaction.value as path,
        {{ list_concat([
            list_transform('staged.repo_redaction.kinds', 'k', "'repo:' || k"),
            list_transform('staged.path_redaction.kinds', 'k', "'path:' || k"),
            list_transform('staged.url_redaction.kinds', 'k', "'url:' || k"),
        ]) }} as metadata_redactions,
        case
            -- A URL's extension says nothing about a web page's language: text keeps what the
            -- source declares (a natural language, e.g. 'en').
            when staged.kind = 'text' then coalesce(staged.declared_language, 'unknown')
            else coalesce(
                staged.declared_language,
                languages.language,
                'unknown'
            )
        end as language,
        staged.kind,
        staged.url_redaction.value as url,
        staged.edu_score,
        -- FineWeb-Edu's int_score is the classifier score rounded and clipped to 0..5. greatest()
        -- and least() skip NULLs: without the case a row without a score would get 5.
        coalesce(
            staged.edu_int_score,
            case
                when staged.edu_score is not null
                    then cast(round(greatest(0, least(staged.edu_score, 5))) as integer)
            end
        ) as edu_int_score,
        case
            when {{ list_size('staged.licenses') }} > 0 then staged.licenses
            else {{ list_of(["coalesce(nullif(trim(corpus_sources.default_license), ''), 'unknown')"]) }}
        end as licenses,
        staged.file_licenses,
        staged.nearest_license_file,
        staged.content,
        {{ byte_length('staged.content') }} as n_bytes,
        {{ sha256_hex('staged.content') }} as content_hash,
        staged.n_invalid_utf8_bytes,
        staged.source_problem,
        corpus_sources.tier as source_tier
    from metadata_redacted as staged
    left join corpus_sources
        on staged.source = corpus_sources.source_name
    left join languages
        on languages.extension = lower(regexp_extract(staged.path_redaction.value, '(\.[^./]+)$', 1))
),

occurrences as (
    -- A source can hold the same (repo, path, content) twice (re-crawls, concatenated dumps);
    -- the first occurrence in file order keeps the plain doc_id, the others are dropped.
    -- Numbered over the keys alone and joined back: a window that carries content needs the whole
    -- corpus in memory at once, while reading the Parquet twice (typed is not materialized) streams.
    select
        source,
        source_file,
        source_row,
        row_number() over (
            partition by source, repo, path, content_hash
            order by source_file, source_row
        ) as occurrence
    from typed
),

numbered as (
    select
        typed.*,
        occurrences.occurrence
    from typed
    inner join occurrences
        using (source, source_file, source_row)
),

identified as (
    select
        *,
        {{ stable_hash(['source', 'repo', 'path', 'content_hash']) }} as first_doc_id,
        case
            when occurrence = 1 then {{ stable_hash(['source', 'repo', 'path', 'content_hash']) }}
            else {{ stable_hash(['source', 'repo', 'path', 'content_hash', 'occurrence']) }}
        end as doc_id
    from numbered
),

judged as (
    select
        *,
        case
            -- What the source itself reports: a blob missing from the store, a dangling or
            -- cyclic directory entry of a Software Heritage export.
            when source_problem is not null then source_problem
            -- Before null_content: a blob that is not UTF-8 has no text but known bytes.
            when n_invalid_utf8_bytes > 0 then 'invalid_utf8'
            when content is null then 'null_content'
            when n_bytes = 0 then 'empty_content'
            -- A NUL byte marks a binary file, as ingest, git and The Stack's pipeline decide.
            when contains(content, chr(0)) then 'binary_content'
            when repo is null or path is null then 'missing_repo_or_path'
            when kind not in ('code', 'text', 'docs') then 'unknown_kind'
            when occurrence > 1 then 'duplicate_row'
        end as staging_rule
    from identified
)

select
    doc_id,
    source,
    repo,
    path,
    language,
    kind,
    url,
    edu_score,
    edu_int_score,
    licenses,
    file_licenses,
    nearest_license_file,
    n_bytes,
    content_hash,
    source_tier,
    metadata_redactions,
    source_file,
    source_row,
    staging_rule,
    case
        when staging_rule = 'invalid_utf8' then n_invalid_utf8_bytes
        when staging_rule = 'empty_content' then 0
        when staging_rule = 'binary_content' then n_bytes - {{ byte_length("replace(content, chr(0), '')") }}
        when staging_rule = 'duplicate_row' then occurrence
    end as staging_value,
    case
        when staging_rule = 'invalid_utf8' then 0
        when staging_rule = 'empty_content' then 1
        when staging_rule = 'binary_content' then 0
        when staging_rule = 'duplicate_row' then 1
    end as staging_threshold,
    case when staging_rule = 'duplicate_row' then first_doc_id end as duplicate_of
from judged
