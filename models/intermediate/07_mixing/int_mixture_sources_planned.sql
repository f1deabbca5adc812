-- The plan of every mixture, one row per (mixture, source, documents) of seeds/mixtures.csv (checked
-- by the validated_mixtures macro; documents is the source's files or its repository documents):
-- the tokens of the documents the row draws (macro mixture_documents_drawn), its target token share
-- and tokens, and the epochs that realise them as whole copies plus a fractional copy. Shares are
-- in tokens of one pass of the source: its documents' tokens, each times its score bucket's repeats
-- (seeds/mixture_score_buckets.csv; without buckets, the source's tokens):
--   temperature T:   share = tokens^(1/T) / sum over the mixture's sources of tokens^(1/T)
--   weight rows:     share = weight (normalised to sum 1 when the mixture has no epoch rows)
--   epoch rows:      tokens = epochs x source tokens; weight rows then share the rest
-- The mixture's size is total_tokens if given, else the epoch rows' tokens / (1 - sum of weights)
-- when it has epoch rows, else its sources' tokens (one pass, redistributed). target_epochs are
-- passes; int_mixture_buckets_planned turns them into each bucket's epochs.
{#- The messages that stop the build, as SQL string expressions over a planned row. -#}
{% set no_tokens_error %}
    'seeds/mixtures.csv: mixture ''' || mixture || ''' wants a share of ' || round(target_share, 4)
    || ' from source ''' || source || ''''
    || case when documents = 'repo' then ' (kind repo: its repository documents)' else '' end
    || ', which has no curated tokens'
    || case
        when source_tokens > 0 then ' in the score buckets it repeats (seeds/mixture_score_buckets.csv)'
        else ''
    end
    || '. Remove the row or set its weight to 0.'
{% endset %}
{% set epochs_limit_error %}
    'seeds/mixtures.csv: mixture ''' || mixture || ''' plans ' || round(planned_epochs, 1)
    || ' epochs of source ''' || source || ''' (' || source_tokens || ' curated tokens for a target of '
    || round(target_tokens) || '), more than the limit of {{ mixture_epochs_limit() }} epochs. '
    || 'Lower its weight or the mixture''s total_tokens, or raise its temperature.'
{% endset %}
with

mixture_rows as (
    {{ mixture_rows() }}
),

drawn as (
    {{ mixture_documents_drawn('mixture_rows') }}
),

source_tokens as (
    select
        mixture,
        source,
        documents,
        count(*) as source_files,
        sum(n_tokens) as source_tokens,
        -- repeats is an exact DECIMAL: the sum does not depend on the order threads add it in.
        cast(sum(repeats * n_tokens) as double) as pass_tokens
    from drawn
    group by mixture, source, documents
),

sized as (
    select
        mixture_rows.*,
        coalesce(source_tokens.source_files, 0) as source_files,
        coalesce(source_tokens.source_tokens, 0) as source_tokens,
        coalesce(source_tokens.pass_tokens, 0) as pass_tokens
    from mixture_rows
    left join source_tokens using (mixture, source, documents)
),

mixture_totals as (
    select
        mixture,
        bool_or(epochs is not null) as has_epoch_rows,
        coalesce(sum(weight), 0) as weight_sum,
        coalesce(sum(epochs * pass_tokens), 0) as epoch_tokens,
        sum(power(pass_tokens, 1.0 / temperature)) as temperature_mass,
        sum(pass_tokens) as sources_tokens,
        any_value(total_tokens) as total_tokens
    from sized
    group by mixture
),

sized_mixtures as (
    select
        *,
        case
            when total_tokens is not null then total_tokens
            when has_epoch_rows then epoch_tokens / (1 - weight_sum)
            else sources_tokens
        end as mixture_tokens
    from mixture_totals
),

targets as (
    select
        sized.mixture,
        sized.source,
        sized.documents,
        sized.weight,
        sized.epochs,
        sized.temperature,
        sized.fim_rate,
        sized.fim_spm_rate,
        sized.source_files,
        sized.source_tokens,
        sized.pass_tokens,
        sized_mixtures.mixture_tokens,
        case
            when sized.temperature is not null
                then power(sized.pass_tokens, 1.0 / sized.temperature) / nullif(sized_mixtures.temperature_mass, 0)
            when sized.epochs is not null
                then sized.epochs * sized.pass_tokens / nullif(sized_mixtures.mixture_tokens, 0)
            when sized_mixtures.has_epoch_rows then sized.weight
            else sized.weight / nullif(sized_mixtures.weight_sum, 0)
        end as target_share
    from sized
    inner join sized_mixtures using (mixture)
),

planned as (
    select
        *,
        coalesce(target_share, 0) * mixture_tokens as target_tokens,
        case
            -- Epoch rows keep their epochs exactly; shares are rounded to 1e-9 epochs so that
            -- floating point does not turn a whole number of epochs into one fewer plus a fraction.
            when epochs is not null and pass_tokens > 0 then epochs
            when pass_tokens > 0 then round(coalesce(target_share, 0) * mixture_tokens / pass_tokens, 9)
            when coalesce(target_share, 0) > 0
                then {{ sql_error(no_tokens_error) }}
            else 0
        end as planned_epochs
    from targets
),

bounded as (
    -- Every copy is a row of fct_mixture: a share that asks a small source for more epochs than
    -- the limit (a weight, temperature or total_tokens far beyond its tokens) stops here, before
    -- int_mixture_copies_ordered would allocate them.
    select
        {{ star_except(['planned_epochs']) }},
        case
            when planned_epochs > {{ mixture_epochs_limit() }}
                then {{ sql_error(epochs_limit_error) }}
            else planned_epochs
        end as target_epochs
    from planned
)

select
    mixture,
    source,
    documents,
    weight,
    epochs,
    temperature,
    fim_rate,
    fim_spm_rate,
    source_files,
    source_tokens,
    pass_tokens,
    mixture_tokens,
    coalesce(target_share, 0) as target_share,
    target_tokens,
    target_epochs
from bounded
