-- Every comment block hash of the near-deduplicated code files with how many documents and
-- repositories hold it, and the verdict: boilerplate when more than boilerplate_document_threshold
-- documents hold it and it has at least boilerplate_min_block_words words. Counted after dedup,
-- so copies of one file do not make its comments common. Boilerplate blocks carry a short excerpt
-- of one occurrence, redacted like the corpus text (winnow_redact_pii), to review what is removed.
with

unnested as (
    select
        cache.doc_id,
        checked.repo,
        {{ unnest_list('cache.comment_blocks') }} as block
    from {{ ref('int_comment_blocks_cache') }} as cache
    inner join {{ ref('int_raw_files_checked') }} as checked
        on cache.doc_id = checked.doc_id
),

occurrences as (
    select
        doc_id,
        repo,
        block.first_line,
        block.n_lines,
        block.n_bytes,
        block.n_chars,
        block.n_words,
        block.block_hash
    from unnested
),

counted as (
    select
        block_hash,
        count(distinct doc_id) as n_documents,
        count(distinct repo) as n_repositories,
        count(*) as n_occurrences,
        max(n_lines) as n_lines,
        max(n_words) as n_words,
        sum(n_bytes) as n_bytes,
        -- The occurrence quoted: the first of the smallest doc_id, a stable choice.
        {{ arg_min_of(
            struct_of([['doc_id', 'doc_id'], ['first_line', 'first_line'], ['n_lines', 'n_lines']]),
            struct_of([['doc_id', 'doc_id'], ['first_line', 'first_line']])
        ) }} as example
    from occurrences
    group by block_hash
),

judged as (
    select
        *,
        n_documents > {{ var('boilerplate_document_threshold') }}
        and n_words >= {{ var('boilerplate_min_block_words') }} as is_boilerplate
    from counted
),

examples as (
    select
        judged.block_hash,
        left({{ list_join(list_slice(
            split_text('files.content', 'chr(10)'),
            'judged.example.first_line',
            'judged.example.first_line + judged.example.n_lines - 1'
        ), 'chr(10)') }}, 300) as excerpt
    from judged
    inner join {{ ref('int_files_near_deduped') }} as files
        on judged.example.doc_id = files.doc_id
    where judged.is_boilerplate
)

select
    judged.block_hash,
    judged.n_documents,
    judged.n_repositories,
    judged.n_occurrences,
    judged.n_lines,
    judged.n_words,
    judged.n_bytes,
    judged.is_boilerplate,
    judged.example.doc_id as example_doc_id,
    winnow_redact_pii(examples.excerpt, {{ sql_string(pii_policy_json()) }}).content as excerpt
from judged
left join examples
    on judged.block_hash = examples.block_hash
