{{ cache_config(input='int_files_near_deduped') }}
-- Every top-level comment block of every near-deduplicated code file, found once per file and
-- kept between builds (see macros/incremental_cache.sql): a block is a maximal run of whole-line
-- comments of the file's language (macros/boilerplate.sql), directives excluded, hashed in its
-- normal form. Top level: its first line is not indented, as a header or banner is, while an
-- indented comment explains the code around it. It stores positions, sizes and hashes, never text
-- (the first table with text is int_pii_redactions_cache). One row per file, with an empty list
-- when it has none.
with

files as (
    select
        doc_id,
        language,
        kind,
        content
    from {{ ref('int_files_near_deduped') }}
),

uncached as (
    select * from files
    where {{ not_cached('files') }}
),

split_files as (
    select
        doc_id,
        language,
        {{ split_text('content', 'chr(10)') }} as lines
    from uncached
    where kind = 'code'
),

lines as (
    select
        doc_id,
        language,
        {{ unnest_with_positions('lines', 'line', 'line_number') }}
    from split_files
),

comment_lines as (
    -- Text does not go past this step: each line leaves as its size, words and normal form.
    select
        doc_id,
        line_number,
        {{ byte_length('line') }} + 1 as n_bytes,
        length(line) + 1 as n_chars,
        {{ comment_line_words('line') }} as n_words,
        {{ regexp_contains('line', "'^[ \\t]'") }} as is_indented,
        {{ normalised_comment_line('line') }} as normalised
    from lines
    where
        {{ is_comment_line('line', 'language') }}
        and not {{ is_directive_line('line', 'line_number') }}
),

runs as (
    -- Consecutive comment lines share line_number minus their rank among the file's comment lines.
    select
        *,
        line_number - row_number() over (partition by doc_id order by line_number) as run
    from comment_lines
),

blocks as (
    select
        doc_id,
        min(line_number) as first_line,
        count(*) as n_lines,
        sum(n_bytes) as n_bytes,
        sum(n_chars) as n_chars,
        sum(n_words) as n_words,
        {{ stable_hash([ordered_string_agg('normalised', 'chr(10)', ['line_number'])]) }} as block_hash
    from runs
    group by doc_id, run
    having not {{ arg_min_of('is_indented', 'line_number') }}
)

select
    uncached.doc_id,
    {{ cache_fingerprint() }} as fingerprint,
    coalesce(
        {{ ordered_list_agg_where(struct_of([
            ['first_line', 'blocks.first_line'],
            ['n_lines', 'blocks.n_lines'],
            ['n_bytes', 'blocks.n_bytes'],
            ['n_chars', 'blocks.n_chars'],
            ['n_words', 'blocks.n_words'],
            ['block_hash', 'blocks.block_hash'],
        ]), ['blocks.first_line'], 'blocks.doc_id is not null') }},
        {{ list_of([]) }}
    ) as comment_blocks
from uncached
left join blocks
    on uncached.doc_id = blocks.doc_id
group by uncached.doc_id
