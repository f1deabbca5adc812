-- Every PII or secret finding, one row each: where it was (document, character offset and
-- length in the text redacted, after boilerplate removal; document_kind code, text or docs), what
-- kind, which detector, and a hash of the value. Never the value itself: stable_hash('the value')
-- finds a known value here.
with

files as (
    select
        doc_id,
        source,
        kind as document_kind,
        repo,
        path,
        {{ unnest_with_positions('pii_findings', 'finding', 'finding_number') }}
    from {{ ref('int_files_redacted') }}
    where n_pii_findings > 0
),

placeholders as (
    select * from (
        values
        {%- for kind, placeholder in var('pii_placeholders').items() %}
            ({{ sql_string(kind) }}, {{ sql_string(placeholder) }}){% if not loop.last %},{% endif %}
        {%- endfor %}
    ) as placeholders (kind, placeholder)
)

select
    files.doc_id,
    files.source,
    files.document_kind,
    files.repo,
    files.path,
    files.finding_number,
    files.finding.kind,
    files.finding.detector,
    files.finding.char_offset,
    files.finding.char_length,
    files.finding.value_hash,
    placeholders.placeholder
from files
left join placeholders
    on files.finding.kind = placeholders.kind
