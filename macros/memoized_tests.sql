{#-
  Data tests whose result is already known. A test's result is a function of its SQL and of the
  rows it reads, so it carries a fingerprint like a memoized table (macros/memoized_table.sql): the
  MD5 of the SQL that would run (the test's compiled code wrapped with its fail_calc, warn_if,
  error_if and limit, where every var it reads is rendered), winnow_code_version() and the state of
  every node it reads (memo_node_state: a memoized table's recorded rows hash, a cache's keys and
  fingerprints, a seed's or table's rows, a view's SQL and upstream nodes down to the raw files).

  A passing result is recorded with that fingerprint; a test whose fingerprint equals its recorded
  one answers with the recorded failure count (dbt reports it as a pass, with adapter response
  REUSED) instead of scanning the tables again. Only passes are recorded and a failing or warning
  run deletes the record, so a red test runs again on every build until it passes. It always runs
  when the state of something it reads is unknown (a source, or a memoized table without a
  recorded fingerprint), when its SQL reads anything outside the database (files, or a winnow_
  function, which may read files), with --store-failures, with --full-refresh and with the env var
  WINNOW_RERUN_DATA_TESTS=1.

  Like a memoized table's, the state of a memoized table it reads is the rows hash recorded when
  the build wrote it: a table edited by hand outside dbt is not an input change. Run the tests
  again with WINNOW_RERUN_DATA_TESTS=1 after such an edit.
-#}

{% materialization test, adapter='duckdb' %}
  {%- set test_sql = memo_test_sql() -%}
  {%- set fingerprint_sql = memo_test_fingerprint(test_sql) -%}
  {%- set recorded = memo_test_lookup(fingerprint_sql) if fingerprint_sql is not none else {} -%}
  {%- set fingerprint = recorded.get('fingerprint') -%}

  {%- if recorded.get('failures') is not none -%}
    {{ log(model.unique_id ~ ": inputs unchanged since it passed (fingerprint " ~ fingerprint[:12] ~ "), result reused") }}
    {% call statement('main', fetch_result=True) -%}
      select cast({{ recorded['failures'] | int }} as bigint) as failures, false as should_warn, false as should_error
    {%- endcall %}
    {% do store_raw_result('main', message='REUSED', code='REUSED', rows_affected=-1,
                           agate_table=load_result('main').table) %}
    {{ return({'relations': []}) }}
  {%- endif -%}

  {%- set outcome = materialization_test_default() -%}

  {%- set row = load_result('main').table.rows[0] -%}
  {%- if row['should_warn'] or row['should_error'] -%}
    {% do memo_test_forget() %}
  {%- elif fingerprint is not none -%}
    {% do memo_test_record(fingerprint, row['failures']) %}
  {%- endif -%}
  {{ return(outcome) }}
{% endmaterialization %}


{#- The query the test materialization runs, as text: what the fingerprint hashes. -#}
{% macro memo_test_sql() %}
  {%- set sql_with_limit = get_limit_subquery_sql(sql, config.get('limit')) -%}
  {{ return(get_test_sql(sql_with_limit, config.get('fail_calc'), config.get('warn_if'), config.get('error_if'), limit=none)) }}
{% endmacro %}

{#- A call of a table function that reads files, or of any winnow_ function: such a test reads
    state that no node's fingerprint describes, so it always runs. -#}
{% macro memo_test_reads_outside_the_database(test_sql) %}
  {{ return(modules.re.search('\\b(read_[a-z_]+|parquet_[a-z_]+|glob|sniff_csv|winnow_[a-z_]+)\\s*[(]', test_sql | lower) is not none) }}
{% endmacro %}

{#- The SQL expression (VARCHAR) of the test's fingerprint, or none when it must run. -#}
{% macro memo_test_fingerprint(test_sql) %}
  {% if should_store_failures() or flags.FULL_REFRESH or env_var('WINNOW_RERUN_DATA_TESTS', '') not in ('', '0')
        or memo_test_reads_outside_the_database(test_sql) %}
    {{ return(none) }}
  {% endif %}
  {% set parts = [sql_string(local_md5(test_sql)), 'winnow_code_version()'] %}
  {% set visited = [] %}
  {% for node_id in model.depends_on.nodes | sort %}
    {% do parts.extend(memo_node_state(node_id, visited)) %}
  {% endfor %}
  {{ return("md5(" ~ parts | join(" || '|' || ") ~ ")") }}
{% endmacro %}

{#- The fingerprint's value and the failure count recorded with it when the test last passed
    (none when it did not). -#}
{% macro memo_test_lookup(fingerprint_sql) %}
  {% set result = run_query("select current.fingerprint, recorded.failures from (select " ~ fingerprint_sql
                            ~ " as fingerprint) as current left join " ~ memo_test_results_relation()
                            ~ " as recorded on recorded.test = " ~ sql_string(model.unique_id)
                            ~ " and recorded.fingerprint = current.fingerprint") %}
  {% set row = result.rows[0] %}
  {{ return({'fingerprint': row[0], 'failures': row[1]}) }}
{% endmacro %}

{% macro memo_test_results_relation() -%}
  {{ target.database }}.{{ target.schema }}.winnow_test_results
{%- endmacro %}

{#- Created by on-run-start with the memoized tables' fingerprints, before dbt's threads start. -#}
{% macro create_memo_test_results_table() -%}
  {{ return(adapter.dispatch('create_memo_test_results_table', 'winnow')()) }}
{%- endmacro %}

{#- Spark runs every test (dbt's own test materialization). -#}
{% macro spark__create_memo_test_results_table() -%}
  select 'data tests always run on Spark' as winnow_memo
{%- endmacro %}

{% macro duckdb__create_memo_test_results_table() -%}
  create table if not exists {{ memo_test_results_relation() }} (
      test varchar primary key,
      fingerprint varchar not null,
      failures bigint not null
  )
{%- endmacro %}

{% macro memo_test_record(fingerprint, failures) %}
  {% call statement('memo_test_record', auto_begin=True) %}
    insert or replace into {{ memo_test_results_relation() }}
    select {{ sql_string(model.unique_id) }}, {{ sql_string(fingerprint) }}, {{ failures | int }}
  {% endcall %}
  {#- dbt rolls a test's transaction back when it ends. -#}
  {% do adapter.commit() %}
{% endmacro %}

{% macro memo_test_forget() %}
  {% call statement('memo_test_forget', auto_begin=True) %}
    delete from {{ memo_test_results_relation() }} where test = {{ sql_string(model.unique_id) }}
  {% endcall %}
  {% do adapter.commit() %}
{% endmacro %}
