-- Drops per source, kind (code, text, docs), stage and rule, with the range of measured values and
-- the threshold.
select
    ledger.source,
    checked.kind,
    ledger.stage,
    ledger.rule,
    count(*) as files,
    coalesce(sum(checked.n_bytes), 0) as bytes,
    min(ledger.value) as min_value,
    median(ledger.value) as median_value,
    max(ledger.value) as max_value,
    any_value(ledger.threshold) as threshold
from {{ ref('fct_drop_ledger') }} as ledger
inner join {{ ref('int_raw_files_checked') }} as checked
    on ledger.doc_id = checked.doc_id
group by all
order by source asc, kind asc, files desc, stage asc, rule asc
