{#-
  Every SQL difference between the engines winnow builds on (DuckDB, and Apache Spark through
  dbt-spark: docs/spark.md), one adapter.dispatch macro each: models call these and never the
  engine's own spelling (tests/python/test_engine_portable_sql.py bans it outside macros/).
  The duckdb__ form is what the models said before; the spark__ form gives the same values,
  NULLs included, checked by tests/spark/test_spark_parity.py. Add a macro here rather than an
  `if target.type` in a model.
-#}

{#- The SQL type of a list of strings. -#}
{% macro type_string_list() -%}{{ return(adapter.dispatch('type_string_list', 'winnow')()) }}{%- endmacro %}
{% macro duckdb__type_string_list() -%}varchar[]{%- endmacro %}
{% macro spark__type_string_list() -%}array<string>{%- endmacro %}

{#- A list of the given SQL expressions (none: the empty list; cast it where its type matters). -#}
{% macro list_of(items) -%}{{ return(adapter.dispatch('list_of', 'winnow')(items)) }}{%- endmacro %}
{% macro duckdb__list_of(items) -%}[{{ items | join(', ') }}]{%- endmacro %}
{% macro spark__list_of(items) -%}array({{ items | join(', ') }}){%- endmacro %}

{#- Elements of a list; NULL for a NULL list (Spark's size() would say -1). -#}
{% macro list_size(expr) -%}{{ return(adapter.dispatch('list_size', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__list_size(expr) -%}len({{ expr }}){%- endmacro %}
{% macro spark__list_size(expr) -%}array_size({{ expr }}){%- endmacro %}

{#- The lists one after the other; a NULL list counts as empty (DuckDB's list_concat; Spark's
    concat would return NULL). -#}
{% macro list_concat(lists) -%}{{ return(adapter.dispatch('list_concat', 'winnow')(lists)) }}{%- endmacro %}
{% macro duckdb__list_concat(lists) -%}
list_concat(
            {{ lists | join(',\n            ') }}
        )
{%- endmacro %}
{% macro spark__list_concat(lists) -%}
flatten(filter(array({{ lists | join(', ') }}), winnow_list -> winnow_list is not null))
{%- endmacro %}

{#- `expr` (over the variable `name`) applied to every element of a list. -#}
{% macro list_transform(list, name, expr) -%}{{ return(adapter.dispatch('list_transform', 'winnow')(list, name, expr)) }}{%- endmacro %}
{% macro duckdb__list_transform(list, name, expr) -%}list_transform({{ list }}, lambda {{ name }}: {{ expr }}){%- endmacro %}
{% macro spark__list_transform(list, name, expr) -%}transform({{ list }}, {{ name }} -> {{ expr }}){%- endmacro %}

{#- The elements of a list for which `condition` (over the variable `name`) holds. -#}
{% macro list_filter(list, name, condition) -%}{{ return(adapter.dispatch('list_filter', 'winnow')(list, name, condition)) }}{%- endmacro %}
{% macro duckdb__list_filter(list, name, condition) -%}list_filter({{ list }}, lambda {{ name }}: {{ condition }}){%- endmacro %}
{% macro spark__list_filter(list, name, condition) -%}filter({{ list }}, {{ name }} -> {{ condition }}){%- endmacro %}

{#- Length in bytes of the UTF-8 text (DuckDB's length() counts characters). -#}
{% macro byte_length(expr) -%}{{ return(adapter.dispatch('byte_length', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__byte_length(expr) -%}strlen({{ expr }}){%- endmacro %}
{% macro spark__byte_length(expr) -%}octet_length({{ expr }}){%- endmacro %}

{#- SHA-256 of the text's UTF-8 bytes, 64 lower-case hex digits. -#}
{% macro sha256_hex(expr) -%}{{ return(adapter.dispatch('sha256_hex', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__sha256_hex(expr) -%}sha256({{ expr }}){%- endmacro %}
{% macro spark__sha256_hex(expr) -%}sha2({{ expr }}, 256){%- endmacro %}

{#- Every column of the relation (of the one named `relation` when given) but these (names, unquoted). -#}
{% macro star_except(columns, relation=none) -%}{{ return(adapter.dispatch('star_except', 'winnow')(columns, relation)) }}{%- endmacro %}
{% macro duckdb__star_except(columns, relation) -%}{{ relation ~ '.' if relation }}* exclude ({{ columns | join(', ') }}){%- endmacro %}
{% macro spark__star_except(columns, relation) -%}{{ relation ~ '.' if relation }}* except ({{ columns | join(', ') }}){%- endmacro %}

{#- Written after `name as` in a WITH clause: a CTE the engine must not store, so that a scan it
    feeds twice streams instead of holding the text (DuckDB; Spark inlines CTEs anyway). -#}
{% macro cte_not_materialized() -%}{{ return(adapter.dispatch('cte_not_materialized', 'winnow')()) }}{%- endmacro %}
{% macro duckdb__cte_not_materialized() -%}not materialized{%- endmacro %}
{% macro spark__cte_not_materialized() -%}{%- endmacro %}

{#- True for a number that is neither NaN nor infinite. -#}
{% macro is_finite(expr) -%}{{ return(adapter.dispatch('is_finite', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__is_finite(expr) -%}isfinite({{ expr }}){%- endmacro %}
{% macro spark__is_finite(expr) -%}(not isnan({{ expr }}) and abs({{ expr }}) <> double('infinity')){%- endmacro %}

{#- A relation over a CSV file with a header row, every column text: for checks that read a
    seed's file before dbt loads it. Spark reads files only through a view, made here. -#}
{% macro csv_relation(path) -%}{{ return(adapter.dispatch('csv_relation', 'winnow')(path)) }}{%- endmacro %}
{% macro duckdb__csv_relation(path) -%}
  {{ return("read_csv(" ~ sql_string(path) ~ ", all_varchar = true, header = true)") }}
{%- endmacro %}
{% macro spark__csv_relation(path) -%}
  {% set view = 'winnow_csv_' ~ local_md5(path) %}
  {% do run_query("create or replace temporary view " ~ view ~ " using csv options (path "
      ~ sql_string(path) ~ ", header 'true', inferSchema 'false')") %}
  {{ return(view) }}
{%- endmacro %}

{#-
  Rows of Parquet files (the paths a source's check returned) as one relation, columns matched
  by name across files, with each row's file (as the check named it) and index in that file:
  filename and file_row_number. Text that is not valid UTF-8 is replaced, one '?' per bad byte,
  on DuckDB (utf8_validation 'replace'; `lenient` drops those bytes), and kept as bytes on Spark
  (valid_utf8_byte_length counts them). Spark reads the files as one Hadoop glob of
  alternatives, {a,b,...}, with its glob characters escaped; the profile sets
  spark.sql.parquet.mergeSchema so columns meet by name.
-#}
{% macro parquet_rows(paths, lenient=false) -%}{{ return(adapter.dispatch('parquet_rows', 'winnow')(paths, lenient)) }}{%- endmacro %}
{% macro duckdb__parquet_rows(paths, lenient) -%}
read_parquet({{ _parquet_file_list(paths) }}, union_by_name = true, filename = true, file_row_number = true,
                      utf8_validation = {{ "'ignore'" if lenient else "'replace'" }})
{%- endmacro %}
{% macro spark__parquet_rows(paths, lenient) -%}
  {#- The directory the files share, then the alternatives below it (a glob cannot start with one). -#}
  {%- set shared = namespace(parts=paths[0].split('/')[:-1]) -%}
  {%- for path in paths -%}
    {%- set parts = path.split('/')[:-1] -%}
    {%- for i in range(shared.parts | length) if shared.parts[:i + 1] != parts[:i + 1] -%}
      {%- if loop.first %}{% set shared.parts = shared.parts[:i] %}{% endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- set directory = shared.parts | join('/') ~ '/' -%}
  {%- set alternatives = [] -%}
  {%- for path in paths -%}
    {%- do alternatives.append(_hadoop_glob_literal(path[directory | length:])) -%}
  {%- endfor -%}
(
      select
        *,
        url_decode(replace(regexp_replace(_metadata.file_path, '^file:(//)?', ''), '+', '%2B')) as filename,
        _metadata.row_index as file_row_number
      from parquet.`{{ (_hadoop_glob_literal(directory) ~ '{' ~ alternatives | join(',') ~ '}') | replace('`', '``') }}`
    )
{%- endmacro %}

{#- The path with Hadoop's glob characters escaped, so it matches itself only. -#}
{% macro _hadoop_glob_literal(path) -%}
  {%- set escaped = namespace(text=path | replace('\\', '\\\\')) -%}
  {%- for char in ['{', '}', '[', ']', '*', '?', ','] -%}
    {%- set escaped.text = escaped.text | replace(char, '\\' ~ char) -%}
  {%- endfor -%}
  {{ return(escaped.text) }}
{%- endmacro %}

{#- Staged text with invalid UTF-8 repaired. DuckDB's Parquet reader has already replaced each
    invalid sequence, one '?' per byte (parquet_rows); Spark keeps the bytes, and
    winnow_utf8_replaced repairs them by DuckDB's rules, so the text, its hash and the doc_id agree
    on both engines. Not in the staging views: a Spark view cannot call a session function. -#}
{% macro utf8_repaired_text(expr) -%}{{ return(adapter.dispatch('utf8_repaired_text', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__utf8_repaired_text(expr) -%}{{ expr }}{%- endmacro %}
{% macro spark__utf8_repaired_text(expr) -%}winnow_utf8_replaced(cast({{ expr }} as binary)){%- endmacro %}

{#- Between the selects of relations with the same columns, matched by name (Spark SQL has no
    `by name`: the staging views, the only callers, share one column order from one macro). -#}
{% macro union_all_by_name() -%}{{ return(adapter.dispatch('union_all_by_name', 'winnow')()) }}{%- endmacro %}
{% macro duckdb__union_all_by_name() -%}union all by name{%- endmacro %}
{% macro spark__union_all_by_name() -%}union all{%- endmacro %}

{#- Bytes of the text that are valid UTF-8: on DuckDB the `lenient` read already dropped the
    others; Spark keeps them, and make_valid_utf8 marks each bad sequence with U+FFFD
    (EF BF BD). -#}
{% macro valid_utf8_byte_length(expr) -%}{{ return(adapter.dispatch('valid_utf8_byte_length', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__valid_utf8_byte_length(expr) -%}strlen({{ expr }}){%- endmacro %}
{% macro spark__valid_utf8_byte_length(expr) -%}octet_length(replace(make_valid_utf8({{ expr }}), decode(unhex('EFBFBD'), 'UTF-8'), '')){%- endmacro %}

{#- One row per element of the list (in a select list: the other columns repeat). -#}
{% macro unnest_list(expr) -%}{{ return(adapter.dispatch('unnest_list', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__unnest_list(expr) -%}unnest({{ expr }}){%- endmacro %}
{% macro spark__unnest_list(expr) -%}explode({{ expr }}){%- endmacro %}

{#- One row per position of lists of equal length, element i of each list in its column: a list of
    [list expression, column name] pairs (in a select list, alone). -#}
{% macro unnest_lists_in_step(pairs) -%}{{ return(adapter.dispatch('unnest_lists_in_step', 'winnow')(pairs)) }}{%- endmacro %}
{% macro duckdb__unnest_lists_in_step(pairs) -%}
{% for list, name in pairs %}unnest({{ list }}) as {{ name }}{{ ',\n    ' if not loop.last }}{% endfor %}
{%- endmacro %}
{% macro spark__unnest_lists_in_step(pairs) -%}
inline(arrays_zip({% for list, name in pairs %}{{ list }}{{ ', ' if not loop.last }}{% endfor %})) as ({% for list, name in pairs %}{{ name }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- The positions of a list's elements, 1 to its length. -#}
{% macro list_positions(expr) -%}{{ return(adapter.dispatch('list_positions', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__list_positions(expr) -%}generate_series(1, len({{ expr }})){%- endmacro %}
{% macro spark__list_positions(expr) -%}transform({{ expr }}, (winnow_item, winnow_index) -> winnow_index + 1){%- endmacro %}

{#- The text without the characters of `characters` (an SQL string) at its end. -#}
{% macro rtrim_characters(expr, characters) -%}{{ return(adapter.dispatch('rtrim_characters', 'winnow')(expr, characters)) }}{%- endmacro %}
{% macro duckdb__rtrim_characters(expr, characters) -%}
rtrim(
            {{ expr }},
            {{ characters }}
        )
{%- endmacro %}
{% macro spark__rtrim_characters(expr, characters) -%}trim(trailing {{ characters }} from {{ expr }}){%- endmacro %}

{#- The list 0, 1, ..., n - 1 (n a positive integer). -#}
{% macro list_range(n) -%}{{ return(adapter.dispatch('list_range', 'winnow')(n)) }}{%- endmacro %}
{% macro duckdb__list_range(n) -%}range({{ n }}){%- endmacro %}
{% macro spark__list_range(n) -%}sequence(0, {{ n }} - 1){%- endmacro %}

{#- The unsigned integer a text of up to 16 hex digits spells (DuckDB's ubigint; Spark, which has
    no unsigned integers, an exact decimal(20, 0)): a fixed-width key for joins. -#}
{% macro hex_to_integer(expr) -%}{{ return(adapter.dispatch('hex_to_integer', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__hex_to_integer(expr) -%}('0x' || {{ expr }})::ubigint{%- endmacro %}
{% macro spark__hex_to_integer(expr) -%}cast(conv({{ expr }}, 16, 10) as decimal(20, 0)){%- endmacro %}

{#- A 64-bit hash of a list of integers, to compare two lists computed in the same query without
    carrying them through a join (DuckDB's hash(), Spark's xxhash64(): different on each engine,
    never stored). Equal lists hash equal; unequal ones collide with chance 2^-64. -#}
{% macro int_list_hash(expr) -%}{{ return(adapter.dispatch('int_list_hash', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__int_list_hash(expr) -%}hash(cast({{ expr }} as bigint[])){%- endmacro %}
{% macro spark__int_list_hash(expr) -%}xxhash64(cast({{ expr }} as array<bigint>)){%- endmacro %}

{#- The SQL type of text (Spark's varchar needs a length). -#}
{% macro type_text() -%}{{ return(adapter.dispatch('type_text', 'winnow')()) }}{%- endmacro %}
{% macro duckdb__type_text() -%}varchar{%- endmacro %}
{% macro spark__type_text() -%}string{%- endmacro %}

{#- The element is in the list. -#}
{% macro list_contains(list, element) -%}{{ return(adapter.dispatch('list_contains', 'winnow')(list, element)) }}{%- endmacro %}
{% macro duckdb__list_contains(list, element) -%}list_contains({{ list }}, {{ element }}){%- endmacro %}
{% macro spark__list_contains(list, element) -%}array_contains({{ list }}, {{ element }}){%- endmacro %}

{#- Bytes as UTF-8 text, NULL when they are not valid UTF-8 (a binary file, a Latin-1 name). -#}
{% macro utf8_text_or_null(expr) -%}{{ return(adapter.dispatch('utf8_text_or_null', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__utf8_text_or_null(expr) -%}try(decode({{ expr }})){%- endmacro %}
{% macro spark__utf8_text_or_null(expr) -%}case when is_valid_utf8(cast({{ expr }} as string)) then cast({{ expr }} as string) end{%- endmacro %}

{#- Text as its UTF-8 bytes (DuckDB's cast to blob would read '\x..' escapes in it). -#}
{% macro utf8_bytes(expr) -%}{{ return(adapter.dispatch('utf8_bytes', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__utf8_bytes(expr) -%}encode({{ expr }}){%- endmacro %}
{% macro spark__utf8_bytes(expr) -%}encode({{ expr }}, 'UTF-8'){%- endmacro %}

{#-
  The files of a directory blob store (any depth, named by 40 hex digits: their sha1_git) as
  (sha1_git, blob, file_key). DuckDB reads them with read_blob, Spark with its binaryFile source.
  Runs SQL at compile time on Spark: call it only when a model runs (execute).
-#}
{% macro blob_directory_rows(directory) -%}{{ return(adapter.dispatch('blob_directory_rows', 'winnow')(directory)) }}{%- endmacro %}
{% macro duckdb__blob_directory_rows(directory) -%}
(
        select
            lower(regexp_extract(filename, '([0-9a-fA-F]{40})$', 1)) as sha1_git,
            content as blob,
            filename as file_key
        from read_blob({{ sql_string(directory ~ '/**') }})
        where regexp_matches(filename, '(^|/)[0-9a-fA-F]{40}$')
    )
{%- endmacro %}
{% macro spark__blob_directory_rows(directory) -%}
  {#- An external table over the directory, made again at every run (a persistent view cannot
      read a temporary one); dropping it leaves the files. -#}
  {% set table = target.schema ~ '.winnow_blobs_' ~ local_md5(directory) %}
  {% do run_query("drop table if exists " ~ table) %}
  {% do run_query("create table " ~ table ~ " using binaryFile options (path "
      ~ sql_string(directory) ~ ", recursiveFileLookup 'true')") %}
(
        select
            lower(regexp_extract(path, '([0-9a-fA-F]{40})$', 1)) as sha1_git,
            content as blob,
            path as file_key
        from {{ table }}
        where path rlike '(^|/)[0-9a-fA-F]{40}$'
    )
{%- endmacro %}

{#- The SQL type of a point in time (DuckDB's timestamp has no zone; Spark's is an instant). -#}
{% macro type_instant() -%}{{ return(adapter.dispatch('type_instant', 'winnow')()) }}{%- endmacro %}
{% macro duckdb__type_instant() -%}timestamptz{%- endmacro %}
{% macro spark__type_instant() -%}timestamp{%- endmacro %}
{#- Cast to a type (Spark has no `::`). -#}
{% macro cast_as(expr, type) -%}cast({{ expr }} as {{ type }}){%- endmacro %}

{#- The largest / the sum of the elements of a list of numbers; NULL for an empty list on both
    engines for the largest, 0 (DuckDB: NULL) for the sum, so callers coalesce both. -#}
{% macro list_min(expr) -%}{{ return(adapter.dispatch('list_min', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__list_min(expr) -%}list_min({{ expr }}){%- endmacro %}
{% macro spark__list_min(expr) -%}array_min({{ expr }}){%- endmacro %}
{% macro list_max(expr) -%}{{ return(adapter.dispatch('list_max', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__list_max(expr) -%}list_max({{ expr }}){%- endmacro %}
{% macro spark__list_max(expr) -%}array_max({{ expr }}){%- endmacro %}

{% macro list_sum(expr) -%}{{ return(adapter.dispatch('list_sum', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__list_sum(expr) -%}list_sum({{ expr }}){%- endmacro %}
{% macro spark__list_sum(expr) -%}aggregate({{ expr }}, cast(0 as bigint), (winnow_total, winnow_item) -> winnow_total + winnow_item){%- endmacro %}

{#- The list sorted ascending. -#}
{% macro list_sort(expr) -%}{{ return(adapter.dispatch('list_sort', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__list_sort(expr) -%}list_sort({{ expr }}){%- endmacro %}
{% macro spark__list_sort(expr) -%}array_sort({{ expr }}){%- endmacro %}

{#- The distinct elements of a list. DuckDB also drops NULL elements and Spark keeps one: callers
    pass lists without NULLs (or sort what they get). -#}
{% macro list_distinct(expr) -%}{{ return(adapter.dispatch('list_distinct', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__list_distinct(expr) -%}list_distinct({{ expr }}){%- endmacro %}
{% macro spark__list_distinct(expr) -%}array_distinct({{ expr }}){%- endmacro %}

{#- The elements of a list of strings joined by `separator` (NULL elements skipped). -#}
{% macro list_join(expr, separator) -%}{{ return(adapter.dispatch('list_join', 'winnow')(expr, separator)) }}{%- endmacro %}
{% macro duckdb__list_join(expr, separator) -%}array_to_string({{ expr }}, {{ separator }}){%- endmacro %}
{% macro spark__list_join(expr, separator) -%}array_join({{ expr }}, {{ separator }}){%- endmacro %}

{#- Aggregate: the distinct non-NULL values of `expr` in the group (of the rows where `condition`
    holds, if given), sorted; NULL when no row of the group qualifies (DuckDB's list() of no rows;
    Spark's collect_list would give the empty list). -#}
{% macro sorted_distinct_list_agg(expr, condition=none) -%}{{ return(adapter.dispatch('sorted_distinct_list_agg', 'winnow')(expr, condition)) }}{%- endmacro %}
{% macro duckdb__sorted_distinct_list_agg(expr, condition) -%}
list_sort(list_distinct(list({{ expr }}){% if condition %} filter (where {{ condition }}){% endif %}))
{%- endmacro %}
{% macro spark__sorted_distinct_list_agg(expr, condition) -%}
case
        when count(*){% if condition %} filter (where {{ condition }}){% endif %} > 0
            then array_sort(array_distinct(collect_list({{ expr }}){% if condition %} filter (where {{ condition }}){% endif %}))
    end
{%- endmacro %}

{#- Aggregate: the values of `expr` in the group as a list ordered by the `order_by` expressions
    (ascending, each group's order total); NULL for a group of no rows (DuckDB's list()). -#}
{% macro ordered_list_agg(expr, order_by) -%}{{ return(adapter.dispatch('ordered_list_agg', 'winnow')(expr, order_by)) }}{%- endmacro %}
{% macro duckdb__ordered_list_agg(expr, order_by) -%}list({{ expr }} order by {{ order_by | join(', ') }}){%- endmacro %}
{% macro spark__ordered_list_agg(expr, order_by) -%}
case
        when count(*) > 0 then transform(
            array_sort(collect_list(named_struct(
                {%- for key in order_by %}'k{{ loop.index }}', {{ key }}, {% endfor %}'v', {{ expr }}
            ))),
            winnow_entry -> winnow_entry.v
        )
    end
{%- endmacro %}

{#- Aggregate: the value of `expr` on the row with the smallest `key` (structs compare field by field). -#}
{% macro arg_min_of(expr, key) -%}{{ return(adapter.dispatch('arg_min_of', 'winnow')(expr, key)) }}{%- endmacro %}
{% macro duckdb__arg_min_of(expr, key) -%}arg_min({{ expr }}, {{ key }}){%- endmacro %}
{% macro spark__arg_min_of(expr, key) -%}min_by({{ expr }}, {{ key }}){%- endmacro %}

{#- A struct of the given fields: a list of [name, SQL expression] pairs, in order. -#}
{% macro struct_of(fields) -%}{{ return(adapter.dispatch('struct_of', 'winnow')(fields)) }}{%- endmacro %}
{% macro duckdb__struct_of(fields) -%}
struct_pack({% for name, expr in fields %}{{ name }} := {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}
{% macro spark__struct_of(fields) -%}
named_struct({% for name, expr in fields %}'{{ name }}', {{ expr }}{{ ', ' if not loop.last }}{% endfor %})
{%- endmacro %}

{#- The current session's SQL variable `name` (a string), set by set_session_variable. -#}
{% macro session_variable(name) -%}{{ return(adapter.dispatch('session_variable', 'winnow')(name)) }}{%- endmacro %}
{% macro duckdb__session_variable(name) -%}getvariable({{ sql_string(name) }}){%- endmacro %}
{% macro spark__session_variable(name) -%}session.{{ name }}{%- endmacro %}

{#- A statement setting the session's SQL variable `name` to the value of an SQL expression. -#}
{% macro set_session_variable(name, expr) -%}{{ return(adapter.dispatch('set_session_variable', 'winnow')(name, expr)) }}{%- endmacro %}
{% macro duckdb__set_session_variable(name, expr) -%}set variable {{ name }} = {{ expr }}{%- endmacro %}
{% macro spark__set_session_variable(name, expr) -%}declare or replace variable {{ name }} default {{ expr }}{%- endmacro %}

{#- Regular expression pieces whose meaning differs between RE2 (DuckDB) and Java (Spark), for
    use inside a pattern literal: a word boundary between ASCII word characters (Java 17's \b
    counts every Unicode letter), and RE2's whitespace class (Java's \s also holds \x0B). -#}
{% macro regex_word_boundary() -%}{{ return(adapter.dispatch('regex_word_boundary', 'winnow')()) }}{%- endmacro %}
{% macro duckdb__regex_word_boundary() -%}\b{%- endmacro %}
{% macro spark__regex_word_boundary() -%}(?:(?<=[A-Za-z0-9_])(?![A-Za-z0-9_])|(?<![A-Za-z0-9_])(?=[A-Za-z0-9_])){%- endmacro %}

{% macro regex_space() -%}{{ return(adapter.dispatch('regex_space', 'winnow')()) }}{%- endmacro %}
{% macro duckdb__regex_space() -%}\s{%- endmacro %}
{% macro spark__regex_space() -%}[\t\n\f\r ]{%- endmacro %}

{#- The same whitespace, inside a character class ([^...]; the space spelled \x20 on Spark, as Jinja
    trims a trailing blank). -#}
{% macro regex_space_in_class() -%}{{ return(adapter.dispatch('regex_space_in_class', 'winnow')()) }}{%- endmacro %}
{% macro duckdb__regex_space_in_class() -%}\s{%- endmacro %}
{% macro spark__regex_space_in_class() -%}\t\n\f\r\x20{%- endmacro %}

{#- The end of the text (Java's $ also matches before a final line break). -#}
{% macro regex_end_of_text() -%}{{ return(adapter.dispatch('regex_end_of_text', 'winnow')()) }}{%- endmacro %}
{% macro duckdb__regex_end_of_text() -%}${%- endmacro %}
{% macro spark__regex_end_of_text() -%}\z{%- endmacro %}

{#- Every match of the pattern replaced (Spark's regexp_replace always replaces every match). -#}
{% macro regexp_replace_all(expr, pattern, replacement) -%}{{ return(adapter.dispatch('regexp_replace_all', 'winnow')(expr, pattern, replacement)) }}{%- endmacro %}
{% macro duckdb__regexp_replace_all(expr, pattern, replacement) -%}regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }}, 'g'){%- endmacro %}
{% macro spark__regexp_replace_all(expr, pattern, replacement) -%}regexp_replace({{ expr }}, {{ pattern }}, {{ replacement }}){%- endmacro %}

{#- True when the whole text matches the pattern (an SQL string expression). Java's find() would
    accept a match anywhere, and its $ a final line break: anchored with \z. -#}
{% macro regexp_matches_whole(expr, pattern) -%}{{ return(adapter.dispatch('regexp_matches_whole', 'winnow')(expr, pattern)) }}{%- endmacro %}
{% macro duckdb__regexp_matches_whole(expr, pattern) -%}
regexp_full_match(
        {{ expr }},
        {{ pattern }}
    )
{%- endmacro %}
{% macro spark__regexp_matches_whole(expr, pattern) -%}regexp_like({{ expr }}, '^(?:' || {{ pattern }} || ')\z'){%- endmacro %}

{#- The SQL type of a list of `element` (an SQL type). -#}
{% macro type_list_of(element) -%}{{ return(adapter.dispatch('type_list_of', 'winnow')(element)) }}{%- endmacro %}
{% macro duckdb__type_list_of(element) -%}{{ element }}[]{%- endmacro %}
{% macro spark__type_list_of(element) -%}array<{{ element }}>{%- endmacro %}

{#- The list without its first element (empty for a list of one). -#}
{% macro list_without_first(expr) -%}{{ return(adapter.dispatch('list_without_first', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__list_without_first(expr) -%}{{ expr }}[2:]{%- endmacro %}
{% macro spark__list_without_first(expr) -%}filter({{ expr }}, (winnow_item, winnow_index) -> winnow_index > 0){%- endmacro %}

{#- True when the text ends with `suffix`. -#}
{% macro ends_with(expr, suffix) -%}{{ return(adapter.dispatch('ends_with', 'winnow')(expr, suffix)) }}{%- endmacro %}
{% macro duckdb__ends_with(expr, suffix) -%}suffix({{ expr }}, {{ suffix }}){%- endmacro %}
{% macro spark__ends_with(expr, suffix) -%}endswith({{ expr }}, {{ suffix }}){%- endmacro %}

{#- Stops the query with the message (an SQL string expression) when evaluated; its value, never
    returned, fits any type of a CASE. -#}
{% macro sql_error(message) -%}{{ return(adapter.dispatch('sql_error', 'winnow')(message)) }}{%- endmacro %}
{% macro duckdb__sql_error(message) -%}error({{ message }}){%- endmacro %}
{% macro spark__sql_error(message) -%}raise_error({{ message }}){%- endmacro %}

{#- The text split at every occurrence of `separator` (an SQL string of one plain character such
    as chr(10) or ' ': Spark's split reads it as a regular expression), empty pieces kept. -#}
{% macro split_text(expr, separator) -%}{{ return(adapter.dispatch('split_text', 'winnow')(expr, separator)) }}{%- endmacro %}
{% macro duckdb__split_text(expr, separator) -%}string_split({{ expr }}, {{ separator }}){%- endmacro %}
{% macro spark__split_text(expr, separator) -%}split({{ expr }}, {{ separator }}, -1){%- endmacro %}

{#- One row per element of the list with its 1-based position, as two columns named `value_name`
    and `position_name` (in a select list, alone with plain columns). -#}
{% macro unnest_with_positions(expr, value_name, position_name) -%}{{ return(adapter.dispatch('unnest_with_positions', 'winnow')(expr, value_name, position_name)) }}{%- endmacro %}
{% macro duckdb__unnest_with_positions(expr, value_name, position_name) -%}
unnest({{ expr }}) as {{ value_name }},
        generate_subscripts({{ expr }}, 1) as {{ position_name }}
{%- endmacro %}
{% macro spark__unnest_with_positions(expr, value_name, position_name) -%}
inline(transform({{ expr }}, (winnow_item, winnow_index) -> named_struct('v', winnow_item, 'p', winnow_index + 1))) as ({{ value_name }}, {{ position_name }})
{%- endmacro %}

{#- True when the pattern matches somewhere in the text (RE2 partial match; Java's find()). -#}
{% macro regexp_contains(expr, pattern) -%}{{ return(adapter.dispatch('regexp_contains', 'winnow')(expr, pattern)) }}{%- endmacro %}
{% macro duckdb__regexp_contains(expr, pattern) -%}regexp_matches({{ expr }}, {{ pattern }}){%- endmacro %}
{% macro spark__regexp_contains(expr, pattern) -%}regexp_like({{ expr }}, {{ pattern }}){%- endmacro %}

{#- Every match of the pattern in the text, as a list (the whole match, not a group). -#}
{% macro regexp_all_matches(expr, pattern) -%}{{ return(adapter.dispatch('regexp_all_matches', 'winnow')(expr, pattern)) }}{%- endmacro %}
{% macro duckdb__regexp_all_matches(expr, pattern) -%}regexp_extract_all({{ expr }}, {{ pattern }}){%- endmacro %}
{% macro spark__regexp_all_matches(expr, pattern) -%}regexp_extract_all({{ expr }}, {{ pattern }}, 0){%- endmacro %}

{#- Aggregate: the strings of `expr` joined by `separator` in the order of the `order_by`
    expressions (NULLs skipped). -#}
{% macro ordered_string_agg(expr, separator, order_by) -%}{{ return(adapter.dispatch('ordered_string_agg', 'winnow')(expr, separator, order_by)) }}{%- endmacro %}
{% macro duckdb__ordered_string_agg(expr, separator, order_by) -%}string_agg({{ expr }}, {{ separator }} order by {{ order_by | join(', ') }}){%- endmacro %}
{% macro spark__ordered_string_agg(expr, separator, order_by) -%}
case
        when count({{ expr }}) > 0 then array_join(transform(
            array_sort(collect_list(named_struct(
                {%- for key in order_by %}'k{{ loop.index }}', {{ key }}, {% endfor %}'v', {{ expr }}
            ))),
            winnow_entry -> winnow_entry.v
        ), {{ separator }})
    end
{%- endmacro %}

{#- Aggregate: ordered_list_agg over the rows where `condition` holds; NULL when none does. -#}
{% macro ordered_list_agg_where(expr, order_by, condition) -%}{{ return(adapter.dispatch('ordered_list_agg_where', 'winnow')(expr, order_by, condition)) }}{%- endmacro %}
{% macro duckdb__ordered_list_agg_where(expr, order_by, condition) -%}
list(
            {{ expr }}
            order by {{ order_by | join(', ') }}
        ) filter (where {{ condition }})
{%- endmacro %}
{% macro spark__ordered_list_agg_where(expr, order_by, condition) -%}
case
        when count(*) filter (where {{ condition }}) > 0 then transform(
            array_sort(collect_list(named_struct(
                {%- for key in order_by %}'k{{ loop.index }}', {{ key }}, {% endfor %}'v', {{ expr }}
            )) filter (where {{ condition }})),
            winnow_entry -> winnow_entry.v
        )
    end
{%- endmacro %}

{#- Aggregate: the distinct values of `expr` in the group, sorted (NULLs skipped). -#}
{% macro sorted_distinct_list(expr) -%}{{ return(adapter.dispatch('sorted_distinct_list', 'winnow')(expr)) }}{%- endmacro %}
{% macro duckdb__sorted_distinct_list(expr) -%}list(distinct {{ expr }} order by {{ expr }}){%- endmacro %}
{% macro spark__sorted_distinct_list(expr) -%}array_sort(collect_set({{ expr }})){%- endmacro %}

{#- The elements of a list from position `start` to `stop` (1-based, both included; clipped to the list). -#}
{% macro list_slice(expr, start, stop) -%}{{ return(adapter.dispatch('list_slice', 'winnow')(expr, start, stop)) }}{%- endmacro %}
{% macro duckdb__list_slice(expr, start, stop) -%}list_slice({{ expr }}, {{ start }}, {{ stop }}){%- endmacro %}
{% macro spark__list_slice(expr, start, stop) -%}
filter({{ expr }}, (winnow_item, winnow_index) -> winnow_index + 1 between {{ start }} and {{ stop }})
{%- endmacro %}

{#- The element at 1-based position `index` (NULL past the end). -#}
{% macro list_element(expr, index) -%}{{ return(adapter.dispatch('list_element', 'winnow')(expr, index)) }}{%- endmacro %}
{% macro duckdb__list_element(expr, index) -%}{{ expr }}[{{ index }}]{%- endmacro %}
{% macro spark__list_element(expr, index) -%}try_element_at({{ expr }}, {{ index }}){%- endmacro %}

{#- The column names of a relation, in order (empty while dbt parses). -#}
{% macro relation_columns(relation) -%}
  {%- if not execute %}{{ return([]) }}{% endif -%}
  {{ return(adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list) }}
{%- endmacro %}

{#- Every column of a relation whose columns are `columns` (names, in order), through `alias` if
    given, but those in `exclude`, and with those named in `replacements` (name -> SQL expression)
    replaced in place. DuckDB's `* exclude (...) replace (...)`; Spark has neither, so the columns
    are listed. -#}
{% macro star_replace(columns, replacements, alias=none, exclude=[]) -%}{{ return(adapter.dispatch('star_replace', 'winnow')(columns, replacements, alias, exclude)) }}{%- endmacro %}
{% macro duckdb__star_replace(columns, replacements, alias, exclude) -%}
{{ alias ~ '.' if alias }}*{% if exclude %} exclude ({{ exclude | join(', ') }}){% endif %} replace (
            {%- for name, expr in replacements.items() %}
            {{ expr }} as {{ name }}{{ ',' if not loop.last }}
            {%- endfor %}
        )
{%- endmacro %}
{% macro spark__star_replace(columns, replacements, alias, exclude) -%}
{%- if not columns %}{{ alias ~ '.' if alias }}*{% endif -%}
{%- for column in columns if column not in exclude %}
        {% if column in replacements %}{{ replacements[column] }} as {{ column }}{% else %}{{ alias ~ '.' if alias }}{{ column }}{% endif %}{{ ',' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{#- The integers from `start` up to `stop` (excluded). -#}
{% macro integer_range(start, stop) -%}{{ return(adapter.dispatch('integer_range', 'winnow')(start, stop)) }}{%- endmacro %}
{% macro duckdb__integer_range(start, stop) -%}range({{ start }}, {{ stop }}){%- endmacro %}
{% macro spark__integer_range(start, stop) -%}
filter(sequence({{ start }}, greatest({{ start }}, {{ stop }} - 1)), winnow_item -> winnow_item < {{ stop }})
{%- endmacro %}

{#- A row of values that compares field by field, for ordering by several keys at once. -#}
{% macro row_tuple(items) -%}{{ return(adapter.dispatch('row_tuple', 'winnow')(items)) }}{%- endmacro %}
{% macro duckdb__row_tuple(items) -%}({{ items | join(', ') }}){%- endmacro %}
{% macro spark__row_tuple(items) -%}struct({{ items | join(', ') }}){%- endmacro %}

{#- Aggregate: the distinct non-NULL strings of `expr` in the group, sorted, joined by `separator`. -#}
{% macro sorted_distinct_string_agg(expr, separator) -%}{{ return(adapter.dispatch('sorted_distinct_string_agg', 'winnow')(expr, separator)) }}{%- endmacro %}
{% macro duckdb__sorted_distinct_string_agg(expr, separator) -%}string_agg(distinct {{ expr }}, {{ separator }} order by {{ expr }}){%- endmacro %}
{% macro spark__sorted_distinct_string_agg(expr, separator) -%}
case when count({{ expr }}) > 0 then array_join(array_sort(collect_set({{ expr }})), {{ separator }}) end
{%- endmacro %}

{#- True when every element of `sublist` is an element of `list`. -#}
{% macro list_has_all(list, sublist) -%}{{ return(adapter.dispatch('list_has_all', 'winnow')(list, sublist)) }}{%- endmacro %}
{% macro duckdb__list_has_all(list, sublist) -%}list_has_all({{ list }}, {{ sublist }}){%- endmacro %}
{% macro spark__list_has_all(list, sublist) -%}(size(array_except({{ sublist }}, {{ list }})) = 0){%- endmacro %}

{#- True when the text starts with the prefix (Spark's function is startswith). -#}
{% macro text_starts_with(expr, prefix) -%}{{ return(adapter.dispatch('text_starts_with', 'winnow')(expr, prefix)) }}{%- endmacro %}
{% macro duckdb__text_starts_with(expr, prefix) -%}starts_with({{ expr }}, {{ prefix }}){%- endmacro %}
{% macro spark__text_starts_with(expr, prefix) -%}startswith({{ expr }}, {{ prefix }}){%- endmacro %}
