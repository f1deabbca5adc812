-- One row per dropped raw row, across every stage: which stage and rule dropped it, the measured
-- value and the threshold it failed, and for duplicates the document that was kept instead.
-- Reconciled in every build: raw rows = curated rows + ledger rows.
with

staging_drops as (
    select
        doc_id,
        source,
        repo,
        path,
        'staging' as stage,
        staging_rule as rule,
        cast(staging_value as double) as value,
        cast(staging_threshold as double) as threshold,
        duplicate_of,
        source_file || ':' || source_row as detail
    from {{ ref('int_raw_files_checked') }}
    where staging_rule is not null
),

filter_drops as (
    select
        doc_id,
        source,
        repo,
        path,
        filter_stage as stage,
        filter_rule as rule,
        filter_value as value,
        filter_threshold as threshold,
        cast(null as {{ type_text() }}) as duplicate_of,
        filter_detail as detail
    from {{ ref('int_files_filtered') }}
    where filter_rule is not null
),

url_duplicate_drops as (
    select
        files.doc_id,
        files.source,
        files.repo,
        files.path,
        'url_dedup' as stage,
        'duplicate_url' as rule,
        cast(url_dups.cluster_size as double) as value,
        cast(null as double) as threshold,
        url_dups.keeper_doc_id as duplicate_of,
        'url: ' || url_dups.normalised_url || '; value = documents with this URL' as detail
    from {{ ref('int_url_dup_clusters') }} as url_dups
    inner join {{ ref('int_raw_files_checked') }} as files
        on url_dups.doc_id = files.doc_id
    where not url_dups.is_keeper
),

exact_duplicate_drops as (
    select
        files.doc_id,
        files.source,
        files.repo,
        files.path,
        'exact_dedup' as stage,
        'exact_duplicate' as rule,
        cast(clusters.cluster_size as double) as value,
        cast(null as double) as threshold,
        clusters.keeper_doc_id as duplicate_of,
        {{ sql_string('normalisation: ' ~ var('exact_dedup_normalisation') ~ '; value = cluster size') }} as detail
    from {{ ref('int_exact_dup_clusters') }} as clusters
    inner join {{ ref('int_files_unioned') }} as files
        on clusters.doc_id = files.doc_id
    where not clusters.is_keeper
),

near_duplicate_drops as (
    select
        files.doc_id,
        files.source,
        files.repo,
        files.path,
        'near_dedup' as stage,
        'near_duplicate' as rule,
        clusters.similarity_to_keeper as value,
        cast({{ var('near_dedup_threshold') }} as double) as threshold,
        clusters.keeper_doc_id as duplicate_of,
        'value = exact shingle Jaccard to the keeper; cluster size ' || clusters.cluster_size as detail
    from {{ ref('int_near_dup_clusters') }} as clusters
    inner join {{ ref('int_files_unioned') }} as files
        on clusters.doc_id = files.doc_id
    where clusters.is_removed
),

boilerplate_only_drops as (
    -- Files that boilerplate removal left below min_file_chars, each once, with what it removed.
    select
        files.doc_id,
        files.source,
        files.repo,
        files.path,
        'boilerplate' as stage,
        'boilerplate_only' as rule,
        cast(edits.remaining_chars as double) as value,
        cast({{ var('min_file_chars') }} as double) as threshold,
        cast(null as {{ type_text() }}) as duplicate_of,
        edits.n_blocks || ' boilerplate blocks removed (' || edits.n_bytes || ' bytes); '
        || 'value = characters left' as detail
    from (
        select
            doc_id,
            any_value(remaining_chars) as remaining_chars,
            count(*) as n_blocks,
            sum(n_bytes) as n_bytes
        from {{ ref('int_boilerplate_edits') }}
        where is_document_dropped
        group by doc_id
    ) as edits
    inner join {{ ref('int_raw_files_checked') }} as files
        on edits.doc_id = files.doc_id
),

decontamination_drops as (
    -- One row per contaminated file, naming the solution with the strongest evidence: a long run
    -- first, then a share of all distinctive n-grams, then a share of the solution's own code.
    select
        files.doc_id,
        files.source,
        files.repo,
        files.path,
        'decontamination' as stage,
        'benchmark_' || matches.verdict as rule,
        case matches.verdict
            when 'long_run' then cast(matches.longest_run_tokens as double)
            when 'distinctive_share' then matches.distinctive_share
            else matches.distinctive_code_share
        end as value,
        case matches.verdict
            when 'long_run' then cast({{ var('decontamination_long_run_tokens') }} as double)
            when 'distinctive_share' then cast({{ var('decontamination_min_solution_share') }} as double)
            else cast({{ var('decontamination_min_code_share') }} as double)
        end as threshold,
        cast(null as {{ type_text() }}) as duplicate_of,
        matches.benchmark || ' ' || matches.task_id
        || case when matches.solution_id = '0' then '' else ' solution ' || matches.solution_id end
        || ': "' || matches.first_matched_ngram || '" ('
        || matches.n_matched_distinctive_ngrams || ' of ' || matches.n_distinctive_ngrams
        || {{ sql_string(' distinctive ' ~ var('decontamination_ngram_size') ~ '-grams, ') }}
        || matches.n_matched_distinctive_solution_ngrams || ' of ' || matches.n_distinctive_solution_ngrams
        || ' of its own code, longest run ' || matches.longest_run_tokens || ' tokens'
        || case when matches.n_solutions > 1 then '; ' || (matches.n_solutions - 1) || ' more solutions' else '' end
        || ')' as detail
    from (
        select * from (
            select
                *,
                count(*) over (partition by doc_id) as n_solutions,
                row_number() over (
                    partition by doc_id
                    order by
                        verdict = 'long_run' desc, verdict = 'distinctive_share' desc,
                        greatest(distinctive_share, coalesce(distinctive_code_share, 0)) desc, longest_run_tokens desc,
                        benchmark asc, task_id asc, solution_id asc
                ) as evidence_rank
            from {{ ref('int_decontamination_matches') }}
            where is_contaminated
        ) as ranked
        where evidence_rank = 1
    ) as matches
    inner join {{ ref('int_raw_files_checked') }} as files
        on matches.doc_id = files.doc_id
)

select * from staging_drops
union all
select * from filter_drops
union all
select * from url_duplicate_drops
union all
select * from exact_duplicate_drops
union all
select * from near_duplicate_drops
union all
select * from boilerplate_only_drops
union all
select * from decontamination_drops
