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

header_verdicts as (
    -- OR in an SPDX header lets the file be used under any one alternative: the best one counts
    -- (allowed first, then the most permissive family).
    select
        file_evidence.doc_id,
        arg_min(
            struct_pack(
                spdx_ids := alternative_lists.spdx_ids,
                families := alternative_lists.families,
                worst_family_rank := alternative_lists.worst_family_rank,
                is_allowed := alternative_lists.is_allowed,
                disallowed_licenses := alternative_lists.disallowed_licenses
            ),
            struct_pack(
                rejected := not alternative_lists.is_allowed,
                family_rank := alternative_lists.worst_family_rank,
                licenses := array_to_string(alternative_lists.licenses, ' ')
            )
        ) as chosen
    from file_evidence,
        unnest(file_evidence.spdx_header_alternatives) as u (alternative)
    inner join license_lists as alternative_lists
        on u.alternative = alternative_lists.licenses
    group by file_evidence.doc_id
),

joined as (
    select
        files.*,
        list_sort(list_distinct(flatten([
            license_lists.spdx_ids,
            coalesce(nearest_lists.spdx_ids, []),
            coalesce(header_verdicts.chosen.spdx_ids, [])
        ]))) as spdx_licenses,
        list_sort(list_distinct(flatten([
            license_lists.families,
            coalesce(nearest_lists.families, []),
            coalesce(header_verdicts.chosen.families, [])
        ]))) as license_families,
        greatest(
            license_lists.worst_family_rank,
            nearest_lists.worst_family_rank,
            header_verdicts.chosen.worst_family_rank
        ) as license_family_rank,
        license_lists.is_allowed
        and coalesce(nearest_lists.is_allowed, true)
        and coalesce(header_verdicts.chosen.is_allowed, true) as license_is_allowed,
        list_sort(list_distinct(flatten([
            license_lists.disallowed_licenses,
            coalesce(nearest_lists.disallowed_licenses, []),
            coalesce(header_verdicts.chosen.disallowed_licenses, [])
        ]))) as disallowed_licenses,
        -- Which evidence is not allowed, for the ledger's detail.
        case
            when not license_lists.is_allowed then
                'repository:' || array_to_string(license_lists.disallowed_licenses, ', ')
        end as repository_license_finding,
        case
            when not nearest_lists.is_allowed then
                'nearest_license_file:' || file_evidence.nearest_license_file
                || ' (' || array_to_string(nearest_lists.disallowed_licenses, ', ') || ')'
        end as nearest_license_file_finding,
        case
            when not header_verdicts.chosen.is_allowed then
                'spdx_header:' || file_evidence.spdx_header
        end as spdx_header_finding,
        opted_out.doc_id is not null as is_opted_out,
        opted_out.opt_out_entry,
        signals.* exclude (doc_id, fingerprint, source, repo, path, n_bytes),
        prose_signals.* exclude (doc_id, fingerprint),
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
                then struct_pack(
                    stage := 'license', rule := 'opt_out', value := null::double, threshold := null::double,
                    detail := 'seeds/opt_out_repos.csv: ' || opt_out_entry
                )
            when not license_is_allowed
                then struct_pack(
                    stage := 'license', rule := 'license_not_allowed', value := null::double, threshold := null::double,
                    detail
                    := concat_ws('; ', repository_license_finding, nearest_license_file_finding, spdx_header_finding)
                )
            when kind != 'code' then {{ prose_quality_verdict() }}
            when
                language not in (
                    {{- sql_string_list(var('language_allow_list')) -}}
                )
                then struct_pack(
                    stage := 'quality',
                    rule := 'language_not_allowed',
                    value := null::double,
                    threshold := null::double,
                    detail := language
                )
            when n_bytes > {{ var('max_file_bytes') }}
                then struct_pack(
                    stage := 'quality', rule := 'too_large', value := n_bytes::double,
                    threshold := {{ var('max_file_bytes') }}::double, detail := 'bytes'
                )
            when n_chars < {{ var('min_file_chars') }}
                then struct_pack(
                    stage := 'quality', rule := 'too_small', value := n_chars::double,
                    threshold := {{ var('min_file_chars') }}::double, detail := 'characters'
                )
            -- The Python rules come before the line and character rules: a file that does not parse
            -- or that executes a payload often has long lines too, and this reason says more.
            {% if var('drop_python_syntax_errors') -%}
                when not python_parsed and python2_construct is not null
                    then struct_pack(
                        stage := 'quality', rule := 'python2_syntax', value := python_syntax_error_line::double,
                        threshold := null::double,
                        detail := 'Python 2 ' || python2_construct || ' (line ' || python_syntax_error_line || '): '
                        || python_syntax_error
                    )
                when not python_parsed
                    then struct_pack(
                        stage := 'quality', rule := 'python_syntax_error', value := python_syntax_error_line::double,
                        threshold := null::double,
                        detail := 'line ' || coalesce(python_syntax_error_line::varchar, '?') || ': '
                        || python_syntax_error
                    )
            {% endif -%}
            when payload_literal_chars >= {{ var('obfuscated_payload_min_literal_chars') }}
                then struct_pack(
                    stage := 'quality', rule := 'obfuscated_payload', value := payload_literal_chars::double,
                    threshold := {{ var('obfuscated_payload_min_literal_chars') }}::double,
                    detail := 'literal characters executed by ' || payload_call_chain
                )
            when n_lines > {{ var('max_lines') }}
                then struct_pack(
                    stage := 'quality', rule := 'too_many_lines', value := n_lines::double,
                    threshold := {{ var('max_lines') }}::double, detail := 'lines'
                )
            when max_line_length > {{ var('max_line_length') }}
                then struct_pack(
                    stage := 'quality', rule := 'max_line_length', value := max_line_length::double,
                    threshold := {{ var('max_line_length') }}::double, detail := 'characters'
                )
            when mean_line_length > {{ var('max_mean_line_length') }}
                then struct_pack(
                    stage := 'quality', rule := 'mean_line_length', value := mean_line_length,
                    threshold := {{ var('max_mean_line_length') }}::double, detail := 'characters'
                )
            when alphanumeric_fraction < {{ var('min_alphanumeric_fraction') }}
                then struct_pack(
                    stage := 'quality', rule := 'alphanumeric_fraction', value := alphanumeric_fraction,
                    threshold := {{ var('min_alphanumeric_fraction') }}::double, detail := null::varchar
                )
            when alphabetic_fraction < {{ var('min_alphabetic_fraction') }}
                then struct_pack(
                    stage := 'quality', rule := 'alphabetic_fraction', value := alphabetic_fraction,
                    threshold := {{ var('min_alphabetic_fraction') }}::double, detail := null::varchar
                )
            when has_autogenerated_marker
                then struct_pack(
                    stage := 'quality', rule := 'autogenerated', value := null::double, threshold := null::double,
                    detail := {{ sql_string('marker in the first ' ~ var('autogenerated_scan_lines') ~ ' lines') }}
                )
            when longest_encoded_run > {{ var('encoded_data_max_run') }}
                then struct_pack(
                    stage := 'quality', rule := 'encoded_data', value := longest_encoded_run::double,
                    threshold := {{ var('encoded_data_max_run') }}::double, detail := 'longest encoded run (characters)'
                )
            when encoded_fraction > {{ var('encoded_data_max_fraction') }}
                then struct_pack(
                    stage := 'quality', rule := 'encoded_data', value := encoded_fraction,
                    threshold := {{ var('encoded_data_max_fraction') }}::double,
                    detail := 'fraction of characters encoded'
                )
            when has_xml_header and language != 'xml' then struct_pack(
                stage := 'quality', rule := 'xml_header', value := null::double, threshold := null::double,
                detail := {{ sql_string('xml header in the first ' ~ var('xml_header_scan_chars') ~ ' characters') }}
            )
        end as verdict
    from joined
)

select
    * exclude (
        verdict, opt_out_entry, repository_license_finding, nearest_license_file_finding, spdx_header_finding,
        python_parsed, python_syntax_error_line, python_syntax_error, python2_construct, payload_call_chain,
        payload_literal_chars
    ),
    verdict.stage as filter_stage,
    verdict.rule as filter_rule,
    verdict.value as filter_value,
    verdict.threshold as filter_threshold,
    verdict.detail as filter_detail
from verdicts
