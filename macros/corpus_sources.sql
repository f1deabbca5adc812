{#-
  Raw corpora are listed in seeds/corpus_sources.csv. These macros read that seed when a model
  runs, check every listed source before anything reads it (python_udfs.kernels.corpus_flavours does the
  checking through the winnow_check_corpus_source UDF), and generate the staging select.
-#}

{% macro corpus_sources() %}
  {#- Every row of the corpus_sources seed, as a list of dicts. Empty at parse time. -#}
  {#- ref() before the execute guard, so dbt records the dependency at parse time. -#}
  {% set seed = ref('corpus_sources') %}
  {% if not execute %}{{ return([]) }}{% endif %}
  {% if load_relation(seed) is none %}
    {{ exceptions.raise_compiler_error(
        "The corpus_sources seed is not loaded. Run `dbt build` (which seeds first) or `dbt seed`.") }}
  {% endif %}
  {#- blob_store is optional: a seed written before that column existed still loads. -#}
  {% set seed_columns = adapter.get_columns_in_relation(load_relation(seed)) | map(attribute='name') | map('lower') | list %}
  {% set blob_store = 'blob_store' if 'blob_store' in seed_columns else 'cast(null as ' ~ type_text() ~ ')' %}
  {% set result = run_query(
      "select source_name, parquet_glob, flavour, tier, default_license, " ~ blob_store ~ " from " ~ seed
      ~ " order by source_name") %}
  {% set rows = [] %}
  {% for row in result.rows %}
    {% do rows.append({
        'name': row[0], 'glob': row[1], 'flavour': row[2], 'tier': row[3], 'default_license': row[4],
        'blob_store': row[5]}) %}
  {% endfor %}
  {{ return(rows) }}
{% endmacro %}

{% macro validated_corpus_sources(flavour) %}
  {#- The sources of one flavour, each checked; stops the build on any bad row of the seed. -#}
  {% set sources = corpus_sources() %}
  {% if not execute %}{{ return([]) }}{% endif %}
  {% set known_flavours = run_query("select " ~ unnest_list("winnow_known_flavours()") ~ " as flavour").columns[0].values() | list %}
  {% set names = [] %}
  {% for source in sources %}
    {% if source.name is none or source.name | trim == '' %}
      {{ exceptions.raise_compiler_error(
          "seeds/corpus_sources.csv: a row has an empty source_name. Give every corpus a name.") }}
    {% endif %}
    {% if source.name in names %}
      {{ exceptions.raise_compiler_error(
          "seeds/corpus_sources.csv: source_name '" ~ source.name ~ "' is listed twice. Names must be unique.") }}
    {% endif %}
    {% do names.append(source.name) %}
    {% if source.flavour not in known_flavours %}
      {{ exceptions.raise_compiler_error(
          "corpus source '" ~ source.name ~ "': unknown flavour '" ~ source.flavour
          ~ "'. Known flavours: " ~ known_flavours | join(', ') ~ ". Fix its row in seeds/corpus_sources.csv.") }}
    {% endif %}
  {% endfor %}
  {% set checked = [] %}
  {% for source in sources if source.flavour == flavour %}
    {% set check = checked_corpus_source(source) %}
    {% do checked.append({'source': source, 'columns': check.columns, 'default_kind': check.default_kind,
                          'paths': check.paths, 'blob_store': check.blob_store, 'tables': check.tables}) %}
  {% endfor %}
  {{ return(checked) }}
{% endmacro %}

{% macro checked_corpus_source(source) %}
  {#- The check of one source (its columns and the files its glob matches); stops the build if bad. -#}
  {% set result = run_query(
      "select winnow_check_corpus_source(" ~ sql_string(source.name) ~ ", "
      ~ sql_string(source.glob or '') ~ ", " ~ sql_string(source.flavour) ~ ", "
      ~ sql_string(source.blob_store or '') ~ ")") %}
  {% set check = fromjson(result.rows[0][0]) %}
  {% if not check.ok %}
    {{ exceptions.raise_compiler_error(check.error) }}
  {% endif %}
  {{ return(check) }}
{% endmacro %}

{% macro _parquet_file_list(paths) -%}
  {#- The files a source's check returned, as a DuckDB list: read exactly these, not the glob
      again (DuckDB's glob also matches hidden files, such as an interrupted ingest's). -#}
  [{% for path in paths %}{{ sql_string(path) }}{% if not loop.last %}, {% endif %}{% endfor %}]
{%- endmacro %}

{% macro _coalesced_text(candidates) -%}
  {%- if candidates | length == 0 -%}
    cast(null as {{ type_text() }})
  {%- else -%}
    coalesce({% for c in candidates %}cast(raw.{{ sql_identifier(c.name) }} as {{ type_text() }}){% if not loop.last %}, {% endif %}{% endfor %})
  {%- endif -%}
{%- endmacro %}

{% macro _coalesced_number(candidates, type) -%}
  {%- if candidates | length == 0 -%}
    cast(null as {{ type }})
  {%- else -%}
    coalesce({% for c in candidates %}try_cast(raw.{{ sql_identifier(c.name) }} as {{ type }}){% if not loop.last %}, {% endif %}{% endfor %})
  {%- endif -%}
{%- endmacro %}

{% macro _licenses_list(candidates) -%}
  {#- Every license column as a VARCHAR[]: lists kept, a single string wrapped, blanks dropped. -#}
  {%- if candidates | length == 0 -%}
    cast({{ list_of([]) }} as {{ type_string_list() }})
  {%- else -%}
    coalesce(
      {%- for c in candidates %}
      {%- if c.is_list %}
      nullif({{ list_filter('cast(raw.' ~ sql_identifier(c.name) ~ ' as ' ~ type_string_list() ~ ')', 'l', "nullif(trim(l), '') is not null") }}, {{ list_of([]) }}),
      {%- else %}
      case when nullif(trim(raw.{{ sql_identifier(c.name) }}), '') is not null then {{ list_of(['trim(raw.' ~ sql_identifier(c.name) ~ ')']) }} end,
      {%- endif %}
      {%- endfor %}
      cast({{ list_of([]) }} as {{ type_string_list() }})
    )
  {%- endif -%}
{%- endmacro %}

{% macro stage_corpus_files(flavour) %}
  {#-
    The staging select for every source of one flavour: one row per raw row, contract columns
    renamed and cast, plus where it came from (file, row) and how many bytes were not valid UTF-8.
    DuckDB refuses a whole file on one invalid UTF-8 value, so content is read with
    utf8_validation='replace' (one '?' per bad byte) and measured again with 'ignore' (bad bytes
    dropped); the difference counts the bad bytes and the row is dropped downstream, with a reason.
  -#}
  {% set checked = validated_corpus_sources(flavour) %}
  {% if checked | length == 0 %}
    {{ _staging_empty() }}
  {% endif %}
  {% for item in checked %}
    {% set source = item.source %}
    {% set columns = item.columns %}
    {% set from_blobs = item.blob_store is not none %}
    {% set content_column = none if from_blobs else columns.content[0].name %}
    {% if not loop.first %}union all{% endif %}
    select
      {{ sql_string(source.name) }} as source,
      raw.filename as source_file,
      raw.file_row_number as source_row,
      {%- if item.default_kind == 'text' %}
      {#- Web text has no repository: the URL's host plays the repo (opt-outs name domains), the
          URL (else the id, else the row) the path. #}
      coalesce(nullif(regexp_extract({{ _coalesced_text(columns.url) }}, '^[A-Za-z][A-Za-z0-9+.-]*://([^/?#]+)', 1), ''),
               {{ sql_string(source.name) }}) as repo,
      coalesce({{ _coalesced_text(columns.url) }}, {{ _coalesced_text(columns.id) }},
               'row/' || raw.file_row_number) as path,
      {%- else %}
      {{ _coalesced_text(columns.repo) }} as repo,
      {{ _coalesced_text(columns.path) }} as path,
      {%- endif %}
      lower({{ _coalesced_text(columns.language) }}) as declared_language,
      {{ _licenses_list(columns.licenses) }} as licenses,
      {#- Only winnow's own ingest finds license files per subtree: other flavours give [] and NULL. #}
      {{ _licenses_list(columns.file_licenses or []) }} as file_licenses,
      {{ _coalesced_text(columns.nearest_license_file or []) }} as nearest_license_file,
      {%- if from_blobs %}
      {#- The text is the blob's, by blob_id; a blob that is not UTF-8 counts all its bytes as invalid. #}
      blobs.content,
      case when blobs.sha1_git is not null and blobs.content is null then blobs.n_bytes else 0 end as n_invalid_utf8_bytes,
      {%- else %}
      cast(raw.{{ sql_identifier(content_column) }} as {{ type_text() }}) as content,
      {{ byte_length('raw.' ~ sql_identifier(content_column)) }} - lenient.n_valid_bytes as n_invalid_utf8_bytes,
      {%- endif %}
      coalesce(lower(trim({{ _coalesced_text(columns.kind or []) }})), {{ sql_string(item.default_kind) }}) as kind,
      {{ _coalesced_text(columns.url or []) }} as url,
      {{ _coalesced_number(columns.score or [], 'double') }} as edu_score,
      {{ _coalesced_number(columns.int_score or [], 'integer') }} as edu_int_score,
      {%- if from_blobs %}
      case when blobs.sha1_git is null then 'missing_blob' end as source_problem
    from {{ parquet_rows(item.paths) }} as raw
    left join {{ blob_store_texts(item.blob_store) }} as blobs
      on lower({{ _coalesced_text(columns.blob_id) }}) = blobs.sha1_git
      {%- else %}
      cast(null as {{ type_text() }}) as source_problem
    from {{ parquet_rows(item.paths) }} as raw
    left join (
      select filename, file_row_number, {{ valid_utf8_byte_length(sql_identifier(content_column)) }} as n_valid_bytes
      from {{ parquet_rows(item.paths, lenient=true) }}
    ) as lenient
      using (filename, file_row_number)
      {%- endif %}
  {% endfor %}
{% endmacro %}

{% macro _staging_empty() %}
  {#- The staging contract's columns with no rows (a flavour that no source uses). -#}
    select
      cast(null as {{ type_text() }}) as source,
      cast(null as {{ type_text() }}) as source_file,
      cast(null as bigint) as source_row,
      cast(null as {{ type_text() }}) as repo,
      cast(null as {{ type_text() }}) as path,
      cast(null as {{ type_text() }}) as declared_language,
      cast(null as {{ type_string_list() }}) as licenses,
      cast(null as {{ type_string_list() }}) as file_licenses,
      cast(null as {{ type_text() }}) as nearest_license_file,
      cast(null as {{ type_text() }}) as content,
      cast(null as bigint) as n_invalid_utf8_bytes,
      cast(null as {{ type_text() }}) as kind,
      cast(null as {{ type_text() }}) as url,
      cast(null as double) as edu_score,
      cast(null as integer) as edu_int_score,
      cast(null as {{ type_text() }}) as source_problem
    where false
{% endmacro %}

{% macro raw_row_counts() %}
  {#- Rows per source straight from the Parquet footers: the reconciliation's independent count. -#}
  {% set sources = corpus_sources() %}
  {% if sources | length == 0 %}
    select cast(null as {{ type_text() }}) as source, cast(0 as bigint) as raw_rows where false
  {% endif %}
  {% for source in sources %}
    {% if not loop.first %}union all{% endif %}
    {% if source.flavour == 'swh' %}
    {#- A Software Heritage export's rows are what its traversal reached: each origin's files and
        problem entries (the calling test declares these refs with depends_on). #}
    select {{ sql_string(source.name) }} as source, count(*) as raw_rows
    from {{ ref('stg_swh__origin_heads') }} as heads
    inner join {{ ref('stg_swh__directory_files') }} as files
      on heads.source = files.source and heads.root_directory_id = files.root_directory_id
    where heads.source = {{ sql_string(source.name) }}
    {% else %}
    select {{ sql_string(source.name) }} as source, {{ parquet_files_row_count(checked_corpus_source(source).paths) }}
    {% endif %}
  {% endfor %}
{% endmacro %}

{#- `raw_rows` and its FROM clause: the rows of the Parquet files, from their footers on DuckDB and
    counted by Spark's Parquet reader (which also answers a count from the footers). -#}
{% macro parquet_files_row_count(paths) -%}{{ return(adapter.dispatch('parquet_files_row_count', 'winnow')(paths)) }}{%- endmacro %}
{% macro duckdb__parquet_files_row_count(paths) -%}
cast(sum(num_rows) as bigint) as raw_rows
    from parquet_file_metadata({{ _parquet_file_list(paths) }})
{%- endmacro %}
{% macro spark__parquet_files_row_count(paths) -%}
count(*) as raw_rows
    from {{ parquet_rows(paths) }} as raw
{%- endmacro %}

{% macro staged_corpus_files() %}
  {#- Every staged row of every flavour, one schema: the union of the staging views. -#}
    select * from {{ ref('stg_winnow__files') }}
    {{ union_all_by_name() }}
    select * from {{ ref('stg_the_stack__files') }}
    {{ union_all_by_name() }}
    select * from {{ ref('stg_codeparrot__files') }}
    {{ union_all_by_name() }}
    select * from {{ ref('stg_text__files') }}
    {{ union_all_by_name() }}
    select * from {{ ref('stg_the_stack_v2__files') }}
    {{ union_all_by_name() }}
    select * from {{ ref('stg_swh__files') }}
{% endmacro %}
