{#-
  Mixtures are listed in seeds/mixtures.csv, one row per (mixture, source). These macros read the
  seed when a model runs, check every row against seeds/corpus_sources.csv and the rules below, and
  stop the build with a message naming the mixture, the source and what to change (every problem
  of the seed at once, one line each). Their numbers (ranges, NaN, infinities) were checked before
  any model ran, by validate_seed_numbers (macros/validate_seed_numbers.sql):

  - source '*' stands for every source of corpus_sources.csv that the mixture does not name on
    another row (the default mixtures use it, so they work whatever the sources are called); it
    takes epochs, a temperature, or nothing (each source's defaults), never a weight;
  - a row gives a weight (target token share of the mixture) or a number of epochs, not both; a
    row with neither takes the source's weight or epochs from corpus_sources.csv; a mixture with a
    temperature gives neither (its shares are proportional to source tokens^(1/temperature));
  - without epoch rows the weights of a mixture sum to 1 (within 0.01; they are normalised), and
    total_tokens may set the mixture's size (default: the tokens of its sources, one pass);
  - with epoch rows, the weights are shares of the whole mixture and sum to less than 1: the epoch
    rows fill the rest;
  - temperature, total_tokens, fim_rate and fim_spm_rate are per mixture: equal on all its rows;
  - kind (an optional column) is empty for a source's files or `repo` for its repository documents
    (int_repository_documents), a source of its own: (mixture, source, kind) is the row's key, and
    '*' stands for the sources not named with the same kind. A mixture that trains a source's
    repository documents trains the files they hold only there: its row for the source's files
    draws the other files (mixture_documents_drawn), so no file is seen twice per pass.

  seeds/mixture_score_buckets.csv (validated_score_buckets) splits a mixture's files of a source
  into buckets by educational score and says how many times each bucket's files go into one pass
  of the source (repeats: 0 drops, 1 keeps, 2 upsamples); the row's weight or epochs then apply to
  that re-weighted pass.
-#}

{#- The kinds of document a mixture row can draw: a source's files, or its repository documents. -#}
{% macro mixture_document_kinds() %}
  {{ return({'': 'files', 'files': 'files', 'repo': 'repo'}) }}
{% endmacro %}

{#- Stops the build listing every problem found in seeds/<seed>.csv, one line each. -#}
{% macro _raise_seed_problems(seed, problems) %}
  {%- if problems %}
    {{ exceptions.raise_compiler_error("seeds/" ~ seed ~ ".csv: " ~ problems | length ~ " problem(s):\n  - "
        ~ problems | join("\n  - ")) }}
  {%- endif %}
{% endmacro %}

{% macro validated_mixtures() %}
  {#- Every row of the mixtures seed with defaults resolved, as a list of dicts. Empty at parse time. -#}
  {% set seed = ref('mixtures') %}
  {% set sources_seed = ref('corpus_sources') %}
  {% if not execute %}{{ return([]) }}{% endif %}
  {% for relation, name in [(seed, 'mixtures'), (sources_seed, 'corpus_sources')] %}
    {% if load_relation(relation) is none %}
      {{ exceptions.raise_compiler_error(
          "The " ~ name ~ " seed is not loaded. Run `dbt build` (which seeds first) or `dbt seed`.") }}
    {% endif %}
  {% endfor %}
  {% set defaults = {} %}
  {% for row in run_query("select source_name, weight, epochs from " ~ sources_seed).rows %}
    {% do defaults.update({row[0]: {'weight': row[1], 'epochs': row[2]}}) %}
  {% endfor %}
  {#- kind is optional: a seed written before it existed trains files only. -#}
  {% set has_kind = 'kind' in adapter.get_columns_in_relation(seed) | map(attribute='name') | map('lower') | list %}
  {% set result = run_query(
      "select mixture, source, weight, epochs, temperature, total_tokens, fim_rate, fim_spm_rate, "
      ~ ("coalesce(trim(cast(kind as " ~ type_text() ~ ")), '')" if has_kind else "''") ~ " as kind from "
      ~ seed ~ " order by mixture, source, kind") %}
  {% set kinds = mixture_document_kinds() %}
  {% set problems = [] %}
  {#- Mixtures with a problem on any row: left out of the per-mixture checks. -#}
  {% set broken = [] %}
  {#- Expand source '*' to the sources its mixture does not name with the same kind. -#}
  {% set named = {} %}
  {% for r in result.rows if r[1] != '*' %}
    {% do named.setdefault((r[0], kinds.get(r[8], r[8])), []).append(r[1]) %}
  {% endfor %}
  {% set expanded = [] %}
  {% for r in result.rows %}
    {% if r[1] == '*' %}
      {% if r[2] is not none %}
        {% do problems.append("mixture '" ~ r[0] ~ "', source '*': a weight cannot be shared out over every source. "
            ~ "Give epochs, a temperature, or nothing (each source's defaults from corpus_sources.csv).") %}
        {% do broken.append(r[0]) %}
      {% else %}
        {% for source in defaults.keys() | sort if source not in named.get((r[0], kinds.get(r[8], r[8])), []) %}
          {% do expanded.append([r[0], source] + (r | list)[2:]) %}
        {% endfor %}
      {% endif %}
    {% else %}
      {% do expanded.append(r | list) %}
    {% endif %}
  {% endfor %}
  {% set rows = [] %}
  {% set seen = [] %}
  {% for r in expanded %}
    {% set mixture, source, documents = r[0], r[1], kinds.get(r[8]) %}
    {% set where = "mixture '" ~ mixture ~ "', source '" ~ source ~ "'" ~ (", kind 'repo'" if documents == 'repo' else "") %}
    {#- A row's problems; a row with any is left out of the per-mixture checks below. -#}
    {% set found = [] %}
    {% if mixture is none or mixture | trim == '' or source is none or source | trim == '' %}
      {% do found.append("a row has an empty mixture or source. Name both.") %}
    {% elif not is_safe_directory_name(mixture) %}
      {% do found.append(where ~ ": the mixture name becomes the directory <output_dir>/" ~ mixture ~ "/; "
          ~ "use letters, digits, '_', '.' and '-', not starting with '.' or '-' and without '..'.") %}
    {% elif documents is none %}
      {% do found.append(where ~ ": unknown kind '" ~ r[8] ~ "'. Leave kind empty for the source's files, "
          ~ "or give 'repo' for its repository documents.") %}
    {% elif (mixture, source, documents) in seen %}
      {% do found.append(where ~ " is listed twice. List each source once per mixture and kind.") %}
    {% elif source not in defaults %}
      {% do found.append(where ~ ": unknown source. Sources are the source_name values of seeds/corpus_sources.csv: "
          ~ defaults.keys() | sort | join(', ') ~ ".") %}
    {% endif %}
    {% do seen.append((mixture, source, documents)) %}
    {% set row = {'mixture': mixture, 'source': source, 'documents': documents, 'weight': r[2], 'epochs': r[3], 'temperature': r[4],
                  'total_tokens': r[5], 'fim_rate': r[6], 'fim_spm_rate': r[7]} %}
    {% if row.weight is not none and row.epochs is not none %}
      {% do found.append(where ~ ": both weight (" ~ row.weight ~ ") and epochs (" ~ row.epochs
          ~ ") are given. Give a target token share (weight) or a number of epochs, not both.") %}
    {% endif %}
    {% if row.temperature is not none %}
      {% if row.weight is not none or row.epochs is not none %}
        {% do found.append(where ~ ": the mixture has a temperature (" ~ row.temperature
            ~ "), which sets every share; leave weight and epochs empty on its rows.") %}
      {% endif %}
    {% elif row.weight is none and row.epochs is none and source in defaults %}
      {% do row.update({'weight': defaults[source].weight, 'epochs': defaults[source].epochs}) %}
      {% if (row.weight is none) == (row.epochs is none) %}
        {% do found.append(where ~ ": no weight or epochs on the row, and seeds/corpus_sources.csv gives "
            ~ ("both" if row.weight is not none else "neither") ~ " for the source. Give one of them on the row.") %}
      {% endif %}
    {% endif %}
    {% for name in ['fim_rate', 'fim_spm_rate'] %}
      {% if row[name] is none %}
        {% do row.update({name: var(name) | float}) %}
      {% endif %}
    {% endfor %}
    {% if found %}
      {% do problems.extend(found) %}
      {% do broken.append(mixture) %}
    {% else %}
      {% do rows.append(row) %}
    {% endif %}
  {% endfor %}
  {#- Per-mixture checks, over the mixtures whose rows are all valid. -#}
  {% for mixture in rows | map(attribute='mixture') | unique if mixture not in broken %}
    {% set members = rows | selectattr('mixture', 'equalto', mixture) | list %}
    {% for name in ['temperature', 'total_tokens', 'fim_rate', 'fim_spm_rate'] %}
      {% if members | map(attribute=name) | unique | list | length > 1 %}
        {% do problems.append("mixture '" ~ mixture ~ "': " ~ name ~ " differs between its rows ("
            ~ members | map(attribute=name) | unique | join(', ') ~ "). It is per mixture: give the same value on every row.") %}
      {% endif %}
    {% endfor %}
    {% set weights = members | rejectattr('weight', 'none') | map(attribute='weight') | list %}
    {% set has_epochs = members | rejectattr('epochs', 'none') | list | length > 0 %}
    {% set weight_sum = weights | sum %}
    {% if has_epochs %}
      {% if weight_sum >= 1 %}
        {% do problems.append("mixture '" ~ mixture ~ "': its weights sum to " ~ weight_sum ~ ", leaving no share for its epoch rows. "
            ~ "With epoch rows, weights are shares of the whole mixture and must sum to less than 1.") %}
      {% endif %}
      {% if members[0].total_tokens is not none %}
        {% do problems.append("mixture '" ~ mixture ~ "': total_tokens cannot be combined with epoch rows, whose tokens fix the size.") %}
      {% endif %}
    {% elif members[0].temperature is none and (weight_sum < 0.99 or weight_sum > 1.01) %}
      {% do problems.append("mixture '" ~ mixture ~ "': its weights sum to " ~ weight_sum
          ~ ". Weights are target token shares and must sum to 1 (within 0.01).") %}
    {% endif %}
  {% endfor %}
  {{ _raise_seed_problems('mixtures', problems) }}
  {{ return(rows) }}
{% endmacro %}

{#- True when `name` can be one path component under output_dir: no separators, quotes or spaces,
    no hidden or relative name ('.', '..'), no leading '-' that a shell would read as an option. -#}
{% macro is_safe_directory_name(name) %}
  {{ return(modules.re.fullmatch('[A-Za-z0-9_][A-Za-z0-9_.-]*', name | string) is not none and '..' not in (name | string)) }}
{% endmacro %}

{% macro _sql_value(value, type) -%}
  {%- if value is none -%}cast(null as {{ type }}){%- else -%}cast({{ value }} as {{ type }}){%- endif -%}
{%- endmacro %}

{% macro mixture_rows() %}
  {#- The validated mixture rows as a select (no rows when the seed is empty). -#}
  {% set rows = validated_mixtures() %}
  {% if rows | length == 0 %}
    select
      cast(null as {{ type_text() }}) as mixture, cast(null as {{ type_text() }}) as source,
      cast(null as {{ type_text() }}) as documents,
      cast(null as double) as weight,
      cast(null as double) as epochs, cast(null as double) as temperature, cast(null as bigint) as total_tokens,
      cast(null as double) as fim_rate, cast(null as double) as fim_spm_rate
    where false
  {% endif %}
  {% for row in rows %}
    {% if not loop.first %}union all{% endif %}
    select
      {{ sql_string(row.mixture) }} as mixture,
      {{ sql_string(row.source) }} as source,
      {{ sql_string(row.documents) }} as documents,
      {{ _sql_value(row.weight, 'double') }} as weight,
      {{ _sql_value(row.epochs, 'double') }} as epochs,
      {{ _sql_value(row.temperature, 'double') }} as temperature,
      {{ _sql_value(row.total_tokens, 'bigint') }} as total_tokens,
      {{ _sql_value(row.fim_rate, 'double') }} as fim_rate,
      {{ _sql_value(row.fim_spm_rate, 'double') }} as fim_spm_rate
  {% endfor %}
{% endmacro %}

{#- The sources whose repository documents some mixture trains (rows of kind repo), sorted; empty
    at parse time. Only these sources' Python files are parsed into repository documents. -#}
{% macro repository_document_sources() %}
  {{ return(validated_mixtures() | selectattr('documents', 'equalto', 'repo') | map(attribute='source') | unique | sort) }}
{% endmacro %}

{#- `column` is one of repository_document_sources(), as SQL (false when there are none). -#}
{% macro repository_document_source_condition(column) -%}
  {%- set sources = repository_document_sources() -%}
  {%- if sources -%}
    {{ column }} in ({% for source in sources %}{{ sql_string(source) }}{{ ', ' if not loop.last }}{% endfor %})
  {%- else -%}
    false
  {%- endif -%}
{%- endmacro %}

{#- The score buckets of seeds/mixture_score_buckets.csv, checked against the mixtures: a list of
    {mixture, source, documents, score_bucket, min_score, max_score, repeats} for the mixture rows
    of files that have buckets, in score order. A source's buckets cover the scores 0-5 and the
    unscored files: a row's bucket runs from its min_score to the next row's min_score less one
    (the last to 5); scores below the lowest min_score are a bucket of repeats 0 (dropped, shown in
    rpt_mixture); files without a score (neither a code-quality nor a FineWeb-Edu score) repeat
    as the row with an empty min_score says, else once. Source '*' stands for the mixture's files
    sources that have no bucket rows of their own. Empty at parse time; every problem at once. -#}
{% macro validated_score_buckets() %}
  {% set mixtures = validated_mixtures() %}
  {% set seed = ref('mixture_score_buckets') %}
  {% if not execute %}{{ return([]) }}{% endif %}
  {% if load_relation(seed) is none %}
    {{ exceptions.raise_compiler_error(
        "The mixture_score_buckets seed is not loaded. Run `dbt build` (which seeds first) or `dbt seed`.") }}
  {% endif %}
  {% set result = run_query("select mixture, source, min_score, repeats from " ~ seed
      ~ " order by mixture, source, min_score nulls first") %}
  {% set file_sources = {} %}
  {% for row in mixtures if row.documents == 'files' %}
    {% do file_sources.setdefault(row.mixture, []).append(row.source) %}
  {% endfor %}
  {% set problems = [] %}
  {% set named = {} %}
  {% for r in result.rows if r[1] != '*' %}
    {% do named.setdefault(r[0], []).append(r[1]) %}
  {% endfor %}
  {% set grouped = {} %}
  {% for r in result.rows %}
    {% set mixture, source, min_score, repeats = r[0], r[1], r[2], r[3] %}
    {% set where = "mixture '" ~ mixture ~ "', source '" ~ source ~ "', min_score " ~ (min_score if min_score is not none else "(empty)") %}
    {% if mixture is none or mixture | trim == '' or source is none or source | trim == '' %}
      {% do problems.append("a row has an empty mixture or source. Name both.") %}
    {% elif mixture not in file_sources %}
      {% do problems.append(where ~ ": the mixture trains no source's files in seeds/mixtures.csv"
          ~ " (its mixtures with files: " ~ (file_sources.keys() | sort | join(', ') or 'none') ~ "). Score buckets split a mixture's files; repository documents have no score.") %}
    {% elif source != '*' and source not in file_sources[mixture] %}
      {% do problems.append(where ~ ": the mixture does not train this source's files (it trains "
          ~ file_sources[mixture] | sort | join(', ') ~ ").") %}
    {% elif repeats is none %}
      {% do problems.append(where ~ ": repeats is empty. Give how many times each file of the bucket goes into one pass of the source (0 drops the bucket, 2 doubles it).") %}
    {% else %}
      {% set sources = [source] if source != '*' else file_sources[mixture] | reject('in', named.get(mixture, [])) | list %}
      {% for each in sources %}
        {% set key = (mixture, each) %}
        {% set bucket_rows = grouped.setdefault(key, []) %}
        {% if min_score in bucket_rows | map(attribute='min_score') | list %}
          {% do problems.append(where ~ (" (through '*')" if source == '*' else "") ~ ": the source already has a bucket from this score. List each min_score once per mixture and source.") %}
        {% else %}
          {% do bucket_rows.append({'min_score': min_score, 'repeats': repeats}) %}
        {% endif %}
      {% endfor %}
    {% endif %}
  {% endfor %}
  {{ _raise_seed_problems('mixture_score_buckets', problems) }}
  {% set buckets = [] %}
  {% for key in grouped.keys() | sort %}
    {% set scored = grouped[key] | rejectattr('min_score', 'none') | sort(attribute='min_score') | list %}
    {% set unscored = grouped[key] | selectattr('min_score', 'none') | list %}
    {% set row = {'mixture': key[0], 'source': key[1], 'documents': 'files'} %}
    {% set bounds = [] %}
    {#- Only an unscored row: every score is one bucket, kept once. -#}
    {% if not scored %}
      {% do bounds.append((0, 5, 1)) %}
    {% elif scored[0].min_score > 0 %}
      {% do bounds.append((0, scored[0].min_score - 1, 0)) %}
    {% endif %}
    {% for bucket in scored %}
      {% do bounds.append((bucket.min_score, scored[loop.index].min_score - 1 if not loop.last else 5, bucket.repeats)) %}
    {% endfor %}
    {% for low, high, repeats in bounds %}
      {% do buckets.append(dict(row, score_bucket=(low ~ '-' ~ high if high > low else low | string), min_score=low, max_score=high, repeats=repeats)) %}
    {% endfor %}
    {% do buckets.append(dict(row, score_bucket='unscored', min_score=none, max_score=none,
        repeats=(unscored[0].repeats if unscored else 1))) %}
  {% endfor %}
  {{ return(buckets) }}
{% endmacro %}

{#- Every mixture row's score buckets as a select: the rows of validated_score_buckets, and one
    bucket 'all' (every document, repeats 1) for each row without buckets. repeats is an exact
    DECIMAL, so a pass's tokens (the sum of repeats x tokens) do not depend on summation order. -#}
{% macro score_bucket_rows() %}
  {% set buckets = validated_score_buckets() %}
  {% set bucketed = [] %}
  {% for bucket in buckets %}
    {% do bucketed.append((bucket.mixture, bucket.source)) %}
  {% endfor %}
  {% set rows = buckets + [] %}
  {% for row in validated_mixtures() if (row.mixture, row.source) not in bucketed or row.documents != 'files' %}
    {% do rows.append(dict(mixture=row.mixture, source=row.source, documents=row.documents, score_bucket='all',
        min_score=none, max_score=none, repeats=1)) %}
  {% endfor %}
  {% if rows | length == 0 %}
    select
      cast(null as string) as mixture, cast(null as string) as source,
      cast(null as string) as documents, cast(null as string) as score_bucket,
      cast(null as integer) as min_score, cast(null as integer) as max_score, cast(null as decimal(18, 6)) as repeats
    where false
  {% endif %}
  {% for row in rows %}
    {% if not loop.first %}union all{% endif %}
    select
      {{ sql_string(row.mixture) }} as mixture,
      {{ sql_string(row.source) }} as source,
      {{ sql_string(row.documents) }} as documents,
      {{ sql_string(row.score_bucket) }} as score_bucket,
      {{ _sql_value(row.min_score, 'integer') }} as min_score,
      {{ _sql_value(row.max_score, 'integer') }} as max_score,
      {{ _sql_value(row.repeats, 'decimal(18, 6)') }} as repeats
  {% endfor %}
{% endmacro %}

{#- The documents each (mixture, source, documents) row of `rows` (a CTE holding every row of the
    mixtures seed, or of int_mixture_sources_planned) draws from int_mixture_documents: a row of
    kind repo the source's repository documents; a row of files the source's files, less those a
    repository document holds when the same mixture trains the source's repository documents. So a
    file is trained inside its repository document or alone, never both in one mixture. Each
    document comes with its score bucket (score_bucket_rows) and the bucket's repeats. The one
    home of those rules: planning, copies and rpt_mixture_kinds call it, each on the rows it reads,
    so no table can hold the rows of an older seed. -#}
{% macro mixture_documents_drawn(rows) -%}
    select
        drawing.mixture,
        drawing.source,
        drawing.documents,
        buckets.score_bucket,
        buckets.repeats,
        documents.doc_id,
        documents.n_tokens
    from {{ rows }} as drawing
    inner join {{ ref('int_mixture_documents') }} as documents
        on
            drawing.source = documents.source
            and drawing.documents = documents.documents
    inner join ({{ score_bucket_rows() }}) as buckets
        on
            drawing.mixture = buckets.mixture
            and drawing.source = buckets.source
            and drawing.documents = buckets.documents
            and (
                buckets.score_bucket = 'all'
                or (buckets.score_bucket = 'unscored' and documents.educational_score is null)
                or documents.educational_score between buckets.min_score and buckets.max_score
            )
    where not (
        drawing.documents = 'files'
        and documents.repo_doc_id is not null
        and exists (
            select 1 from {{ rows }} as repository_rows
            where
                repository_rows.mixture = drawing.mixture
                and repository_rows.source = drawing.source
                and repository_rows.documents = 'repo'
        )
    )
{%- endmacro %}
