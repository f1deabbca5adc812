{{ config(materialized='view') }}
-- Verdicts: each unioned file with its quality signals, normalised licenses, and the first rule
-- it fails (filter_rule NULL = kept). Rules run in a fixed order, so a file that fails several is
-- recorded once, under the first: opt-out, license, language, then the quality rules. Code rules
-- apply to kind code only; text and docs get the prose rules (macros/prose_rules.sql) over the
-- signals of int_prose_signals_cache. Python files also get the syntax rules over
-- int_python_syntax_signals_cache: a file that does not parse (python2_syntax when the parser
-- stopped at a Python 2 construct) or that executes a decoded payload.
-- A file's license is all the evidence that applies to it, and the strictest wins: the
-- repository's license, the nearest license file above the file and its own SPDX header
-- (int_file_license_evidence). The file is allowed only when every piece is; the ledger's detail
-- names each piece that is not.
-- A view: it only compares numbers already measured in int_file_signals_cache.
with

files as (
    select * from {{ ref('int_files_unioned') }}
),

signals as (
    select * from {{ ref('int_file_signals_cache') }}
),

license_lists as (
    select * from {{ ref('int_license_lists_classified') }}
),

opted_out as (
    select * from {{ ref('int_files_opted_out') }}
),

prose_signals as (
    select * from {{ ref('int_prose_signals_cache') }}
),

python_syntax as (
    select * from {{ ref('int_python_syntax_signals_cache') }}
),

file_evidence as (
    select * from {{ ref('int_file_license_evidence') }}
),

header_alternatives as (
    select
        doc_id,
        {{ unnest_list('spdx_header_alternatives') }} as alternative
    from file_evidence
),

header_verdicts as (
    -- OR in an SPDX header lets the file be used under any one alternative: the best one counts
    -- (allowed first, then the most permissive family).
    select
        header_alternatives.doc_id,
        {{ arg_min_of(
            struct_of([
                ['spdx_ids', 'alternative_lists.spdx_ids'],
                ['families', 'alternative_lists.families'],
                ['worst_family_rank', 'alternative_lists.worst_family_rank'],
                ['is_allowed', 'alternative_lists.is_allowed'],
                ['disallowed_licenses', 'alternative_lists.disallowed_licenses'],
            ]),
            struct_of([
                ['rejected', 'not alternative_lists.is_allowed'],
                ['family_rank', 'alternative_lists.worst_family_rank'],
                ['licenses', list_join('alternative_lists.licenses', "' '")],
            ])
        ) }} as chosen
    from header_alternatives
    inner join license_lists as alternative_lists
        on header_alternatives.alternative = alternative_lists.licenses
    group by header_alternatives.doc_id
),

joined as (
    select
        files.*,
        {{ list_sort(list_distinct(list_concat([
            'license_lists.spdx_ids',
            "coalesce(nearest_lists.spdx_ids, " ~ list_of([]) ~ ")",
            "coalesce(header_verdicts.chosen.spdx_ids, " ~ list_of([]) ~ ")",
        ]))) }} as spdx_licenses,
        {{ list_sort(list_distinct(list_concat([
            'license_lists.families',
            "coalesce(nearest_lists.families, " ~ list_of([]) ~ ")",
            "coalesce(header_verdicts.chosen.families, " ~ list_of([]) ~ ")",
        ]))) }} as license_families,
        greatest(
            license_lists.worst_family_rank,
            nearest_lists.worst_family_rank,
            header_verdicts.chosen.worst_family_rank
        ) as license_family_rank,
        license_lists.is_allowed
        and coalesce(nearest_lists.is_allowed, true)
        and coalesce(header_verdicts.chosen.is_allowed, true) as license_is_allowed,
        {{ list_sort(list_distinct(list_concat([
            'license_lists.disallowed_licenses',
            "coalesce(nearest_lists.disallowed_licenses, " ~ list_of([]) ~ ")",
            "coalesce(header_verdicts.chosen.disallowed_licenses, " ~ list_of([]) ~ ")",
        ]))) }} as disallowed_licenses,
        -- Which evidence is not allowed, for the ledger's detail.
        case
            when not license_lists.is_allowed then
                'repository:' || {{ list_join('license_lists.disallowed_licenses', "', '") }}
        end as repository_license_finding,
        case
            when not nearest_lists.is_allowed then
                'nearest_license_file:' || file_evidence.nearest_license_file
                || ' (' || {{ list_join('nearest_lists.disallowed_licenses', "', '") }} || ')'
        end as nearest_license_file_finding,
        case
            when not header_verdicts.chosen.is_allowed then
                'spdx_header:' || file_evidence.spdx_header
        end as spdx_header_finding,
        opted_out.doc_id is not null as is_opted_out,
        opted_out.opt_out_entry,
        {{ star_except(['doc_id', 'fingerprint', 'source', 'repo', 'path', 'n_bytes'], 'signals') }},
        {{ star_except(['doc_id', 'fingerprint'], 'prose_signals') }},
        -- Only what the Python rules read: the other syntax signals stay in their cache.
        python_syntax.parsed as python_parsed,
        python_syntax.syntax_error_line as python_syntax_error_line,
        python_syntax.syntax_error as python_syntax_error,
        python_syntax.python2_construct,
        python_syntax.payload_call_chain,
        python_syntax.payload_literal_chars
    from files
    -- Opted-out files have no signals (the caches never measure them): their verdict needs none.
    left join signals
        on files.doc_id = signals.doc_id
    inner join license_lists
        on files.licenses = license_lists.licenses
    left join file_evidence
        on files.doc_id = file_evidence.doc_id
    left join license_lists as nearest_lists
        on file_evidence.file_licenses = nearest_lists.licenses
    left join header_verdicts
        on files.doc_id = header_verdicts.doc_id
    left join opted_out
        on files.doc_id = opted_out.doc_id
    left join prose_signals
        on files.doc_id = prose_signals.doc_id
    left join python_syntax
        on files.doc_id = python_syntax.doc_id
    where signals.doc_id is not null or opted_out.doc_id is not null
),

verdicts as (
    select
        *,
        case
            when is_opted_out
                then {{ filter_verdict('license', 'opt_out', detail="'seeds/opt_out_repos.csv: ' || opt_out_entry") }}
            when not license_is_allowed
                then {{ filter_verdict('license', 'license_not_allowed',
                    detail="concat_ws('; ', repository_license_finding, nearest_license_file_finding, spdx_header_finding)") }}
            when kind != 'code' then {{ prose_quality_verdict() }}
            when
                language not in (
                    {{- sql_string_list(var('language_allow_list')) -}}
                )
                then {{ filter_verdict('quality', 'language_not_allowed', detail='language') }}
            when n_bytes > {{ var('max_file_bytes') }}
                then {{ filter_verdict('quality', 'too_large', 'n_bytes', var('max_file_bytes'), "'bytes'") }}
            when n_chars < {{ var('min_file_chars') }}
                then {{ filter_verdict('quality', 'too_small', 'n_chars', var('min_file_chars'), "'characters'") }}
            -- The Python rules come before the line and character rules: a file that does not parse
            -- or that executes a payload often has long lines too, and this reason says more.
            {% if var('drop_python_syntax_errors') -%}
                when not python_parsed and python2_construct is not null
                    then {{ filter_verdict('quality', 'python2_syntax', 'python_syntax_error_line',
                        detail="'Python 2 ' || python2_construct || ' (line ' || python_syntax_error_line || '): '
                        || python_syntax_error") }}
                when not python_parsed
                    then {{ filter_verdict('quality', 'python_syntax_error', 'python_syntax_error_line',
                        detail="'line ' || coalesce(" ~ cast_as('python_syntax_error_line', type_text()) ~ ", '?') || ': '
                        || python_syntax_error") }}
            {% endif -%}
            when payload_literal_chars >= {{ var('obfuscated_payload_min_literal_chars') }}
                then {{ filter_verdict('quality', 'obfuscated_payload', 'payload_literal_chars',
                    var('obfuscated_payload_min_literal_chars'), "'literal characters executed by ' || payload_call_chain") }}
            when n_lines > {{ var('max_lines') }}
                then {{ filter_verdict('quality', 'too_many_lines', 'n_lines', var('max_lines'), "'lines'") }}
            when max_line_length > {{ var('max_line_length') }}
                then {{ filter_verdict('quality', 'max_line_length',
                    'max_line_length', var('max_line_length'), "'characters'") }}
            when mean_line_length > {{ var('max_mean_line_length') }}
                then {{ filter_verdict('quality', 'mean_line_length',
                    'mean_line_length', var('max_mean_line_length'), "'characters'") }}
            when alphanumeric_fraction < {{ var('min_alphanumeric_fraction') }}
                then {{ filter_verdict('quality', 'alphanumeric_fraction',
                    'alphanumeric_fraction', var('min_alphanumeric_fraction')) }}
            when alphabetic_fraction < {{ var('min_alphabetic_fraction') }}
                then {{ filter_verdict('quality', 'alphabetic_fraction',
                    'alphabetic_fraction', var('min_alphabetic_fraction')) }}
            when has_autogenerated_marker
                then {{ filter_verdict('quality', 'autogenerated',
                    detail=sql_string('marker in the first ' ~ var('autogenerated_scan_lines') ~ ' lines')) }}
            when longest_encoded_run > {{ var('encoded_data_max_run') }}
                then {{ filter_verdict('quality', 'encoded_data', 'longest_encoded_run', var('encoded_data_max_run'),
                    "'longest encoded run (characters)'") }}
            when encoded_fraction > {{ var('encoded_data_max_fraction') }}
                then {{ filter_verdict('quality', 'encoded_data', 'encoded_fraction', var('encoded_data_max_fraction'),
                    "'fraction of characters encoded'") }}
            when has_xml_header and language != 'xml'
                then {{ filter_verdict('quality', 'xml_header',
                    detail=sql_string('xml header in the first ' ~ var('xml_header_scan_chars') ~ ' characters')) }}
        end as verdict
    from joined
)

select
    {{ star_except([
        'verdict', 'opt_out_entry', 'repository_license_finding', 'nearest_license_file_finding', 'spdx_header_finding',
        'python_parsed', 'python_syntax_error_line', 'python_syntax_error', 'python2_construct', 'payload_call_chain',
        'payload_literal_chars',
    ]) }},
    verdict.stage as filter_stage,
    verdict.rule as filter_rule,
    verdict.value as filter_value,
    verdict.threshold as filter_threshold,
    verdict.detail as filter_detail
from verdicts
