{#-
  Sources whose text is not in their rows: The Stack v2's file metadata and Software Heritage
  graph exports (flavours the_stack_v2 and swh), read with a blob store that the source's
  blob_store cell names (python_udfs/kernels/corpus_flavours.py checks both). The traversal of an
  export is SQL: stg_swh__origin_heads picks each origin's latest full snapshot, its branch and
  root directory; stg_swh__directory_files walks each root directory once with a recursive CTE.
-#}

{% macro blob_store_texts(store) -%}
  {#- One row per sha1_git of the store: its text (NULL when the bytes are not UTF-8) and size.
      A blob stored twice is read once: the first copy by file (and row), keys grouped without text.
      The empty blob is known by its id (git's e69de29...) whether or not the store holds it:
      stores often leave it out, and Spark's binaryFile reads no row for an empty file. -#}
  {%- if store.kind == 'directory' -%}
    {%- set stored = blob_directory_rows(store.directory) -%}
  {%- else -%}
    {%- set content = 'raw.' ~ sql_identifier(store.content_column) -%}
    {%- set stored -%}
    (
        select
            lower(cast(raw.{{ sql_identifier(store.id_column) }} as {{ type_text() }})) as sha1_git,
            {{ content if store.content_is_binary else utf8_bytes(content) }} as blob,
            raw.filename || ':' || cast(raw.file_row_number as {{ type_text() }}) as file_key
        from {{ parquet_rows(store.paths) }} as raw
    )
    {%- endset -%}
  {%- endif -%}
  {%- set rows -%}
    (
        select sha1_git, blob, file_key from {{ stored }} as stored_rows
        union all
        select
            'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391' as sha1_git,
            {{ utf8_bytes("''") }} as blob,
            '~' as file_key
    )
  {%- endset -%}
(
    select
        store_rows.sha1_git,
        {{ utf8_text_or_null('store_rows.blob') }} as content,
        octet_length(store_rows.blob) as n_bytes
    from {{ rows }} as store_rows
    inner join (
        select
            first_rows.sha1_git,
            min(first_rows.file_key) as file_key
        from {{ rows }} as first_rows
        group by first_rows.sha1_git
    ) as firsts
        on store_rows.sha1_git = firsts.sha1_git and store_rows.file_key = firsts.file_key
)
{%- endmacro %}

{% macro _swh_table(item, table) -%}
  {{ parquet_rows(item.tables[table].paths) }}
{%- endmacro %}

{% macro _swh_text(item, table, column, alias) -%}
  {#- Names are bytes in the published dataset; a non-UTF-8 name becomes NULL (its files are then
      dropped as missing_repo_or_path). -#}
  {%- if column in item.tables[table].binary_columns -%}
    {{ utf8_text_or_null(alias ~ '.' ~ sql_identifier(column)) }}
  {%- else -%}
    cast({{ alias }}.{{ sql_identifier(column) }} as {{ type_text() }})
  {%- endif -%}
{%- endmacro %}

{% macro _swh_empty(columns) %}
    select
    {%- for name, type in columns %}
        cast(null as {{ type }}) as {{ name }}{% if not loop.last %},{% endif %}
    {%- endfor %}
    where false
{% endmacro %}

{% macro swh_origin_heads() %}
  {#- One row per origin of every swh source: its latest full visit's snapshot, the branch taken
      (HEAD, through an alias too, else refs/heads/main, else refs/heads/master), its revision and
      the revision's root directory; NULL from the first step that finds nothing. -#}
  {% set checked = validated_corpus_sources('swh') %}
  {% if checked | length == 0 %}
    {{ _swh_empty([('source', type_text()), ('origin_id', type_text()), ('origin_url', type_text()),
        ('visit', 'bigint'), ('visit_date', type_instant()), ('snapshot_id', type_text()), ('branch_name', type_text()),
        ('revision_id', type_text()), ('root_directory_id', type_text())]) }}
  {% endif %}
  {% for item in checked %}
    {% if not loop.first %}union all{% endif %}
    select * from (
        with

        full_visits as (
            select
                cast(status.origin as {{ type_text() }}) as origin_id,
                cast(status.visit as bigint) as visit,
                cast(status.date as {{ type_instant() }}) as visit_date,
                lower(cast(status.snapshot as {{ type_text() }})) as snapshot_id,
                row_number() over (
                    partition by status.origin
                    order by cast(status.date as {{ type_instant() }}) desc, status.visit desc, status.snapshot
                ) as recency
            from {{ _swh_table(item, 'origin_visit_status') }} as status
            where status.status = 'full' and status.snapshot is not null
        ),

        branches as (
            select
                lower(cast(branch.snapshot_id as {{ type_text() }})) as snapshot_id,
                {{ _swh_text(item, 'snapshot_branch', 'name', 'branch') }} as name,
                {{ _swh_text(item, 'snapshot_branch', 'target', 'branch') }} as target,
                branch.target_type
            from {{ _swh_table(item, 'snapshot_branch') }} as branch
        ),

        candidates as (
            select
                head.snapshot_id,
                head.name as branch_name,
                1 as preference,
                lower(case when head.target_type = 'revision' then head.target else aliased.target end) as revision_id
            from branches as head
            left join branches as aliased
                on
                    head.target_type = 'alias'
                    and aliased.snapshot_id = head.snapshot_id
                    and aliased.name = head.target
                    and aliased.target_type = 'revision'
            where head.name = 'HEAD'
            union all
            select
                snapshot_id,
                name as branch_name,
                case when name = 'refs/heads/main' then 2 else 3 end as preference,
                lower(target) as revision_id
            from branches
            where target_type = 'revision' and name in ('refs/heads/main', 'refs/heads/master')
        ),

        heads as (
            select
                snapshot_id,
                branch_name,
                revision_id,
                row_number() over (partition by snapshot_id order by preference, branch_name) as rank
            from candidates
            where revision_id is not null
        ),

        revisions as (
            select
                lower(cast(revision.id as {{ type_text() }})) as revision_id,
                lower(cast(revision.directory as {{ type_text() }})) as root_directory_id
            from {{ _swh_table(item, 'revision') }} as revision
        )

        select
            {{ sql_string(item.source.name) }} as source,
            cast(origin.id as {{ type_text() }}) as origin_id,
            cast(origin.url as {{ type_text() }}) as origin_url,
            full_visits.visit,
            full_visits.visit_date,
            full_visits.snapshot_id,
            heads.branch_name,
            heads.revision_id,
            revisions.root_directory_id
        from {{ _swh_table(item, 'origin') }} as origin
        left join full_visits
            on cast(origin.id as {{ type_text() }}) = full_visits.origin_id and full_visits.recency = 1
        left join heads
            on full_visits.snapshot_id = heads.snapshot_id and heads.rank = 1
        left join revisions
            on heads.revision_id = revisions.revision_id
    ) as source_origins
  {% endfor %}
{% endmacro %}

{% macro swh_directory_files(origin_heads) %}
  {#- Every file under each root directory that an origin's head reaches, walked once per root:
      (root, path, sha1_git, length). A directory entry whose target is not in the export
      (dangling) or is a directory already on the walk's path (a cycle) is a row too, with its
      problem; the walk does not enter either, so a bad export ends. Submodules ('rev') are not files. -#}
  {% set checked = validated_corpus_sources('swh') %}
  {% if checked | length == 0 %}
    {{ _swh_empty([('source', type_text()), ('root_directory_id', type_text()), ('path', type_text()),
        ('sha1_git', type_text()), ('length', 'bigint'), ('perms', 'bigint'), ('depth', 'integer'),
        ('problem', type_text())]) }}
  {% endif %}
  {% for item in checked %}
    {% if not loop.first %}union all{% endif %}
    select * from (
        with recursive

        entries as (
            select
                lower(cast(entry.directory_id as {{ type_text() }})) as directory_id,
                {{ _swh_text(item, 'directory_entry', 'name', 'entry') }} as name,
                cast(entry.type as {{ type_text() }}) as entry_type,
                lower(cast(entry.target as {{ type_text() }})) as target,
                cast(entry.perms as bigint) as perms
            from {{ _swh_table(item, 'directory_entry') }} as entry
        ),

        known_directories as (
            select distinct directory_id from entries
            {%- if item.tables.directory %}
            union
            select lower(cast(directory.id as {{ type_text() }})) as directory_id
            from {{ _swh_table(item, 'directory') }} as directory
            {%- endif %}
        ),

        roots as (
            select distinct root_directory_id
            from {{ origin_heads }}
            where source = {{ sql_string(item.source.name) }} and root_directory_id is not null
        ),

        walk (root_directory_id, directory_id, path, depth, ancestors) as (
            select
                root_directory_id,
                root_directory_id as directory_id,
                '' as path,
                0 as depth,
                {{ list_of(['root_directory_id']) }} as ancestors
            from roots
            union all
            select
                walk.root_directory_id,
                entries.target as directory_id,
                walk.path || entries.name || '/' as path,
                walk.depth + 1 as depth,
                {{ list_concat(['walk.ancestors', list_of(['entries.target'])]) }} as ancestors
            from walk
            inner join entries
                on walk.directory_id = entries.directory_id
            inner join known_directories
                on entries.target = known_directories.directory_id
            where entries.entry_type = 'dir' and not {{ list_contains('walk.ancestors', 'entries.target') }}
        ),

        reached as (
            select
                walk.root_directory_id,
                walk.path || entries.name as path,
                entries.target as sha1_git,
                entries.perms,
                walk.depth,
                case
                    when entries.entry_type = 'dir' and {{ list_contains('walk.ancestors', 'entries.target') }}
                        then 'directory_cycle'
                    when entries.entry_type = 'dir' and known_directories.directory_id is null
                        then 'dangling_directory_entry'
                end as problem,
                entries.entry_type
            from walk
            inner join entries
                on walk.directory_id = entries.directory_id
            left join known_directories
                on entries.target = known_directories.directory_id
        )

        {%- if item.tables.content %}
        ,

        contents as (
            select
                lower(cast(content.sha1_git as {{ type_text() }})) as sha1_git,
                max(cast(content.length as bigint)) as length
            from {{ _swh_table(item, 'content') }} as content
            group by lower(cast(content.sha1_git as {{ type_text() }}))
        )
        {%- endif %}

        select
            {{ sql_string(item.source.name) }} as source,
            reached.root_directory_id,
            reached.path,
            reached.sha1_git,
            {{ 'contents.length' if item.tables.content else 'cast(null as bigint)' }} as length,
            reached.perms,
            reached.depth,
            reached.problem
        from reached
        {%- if item.tables.content %}
        left join contents
            on reached.entry_type = 'file' and reached.sha1_git = contents.sha1_git
        {%- endif %}
        where reached.entry_type = 'file' or reached.problem is not null
    ) as source_files
  {% endfor %}
{% endmacro %}

{% macro stage_swh_files(origin_heads, directory_files) %}
  {#- The staging contract for every swh source: one row per (origin, file) the traversal reached,
      text from the blob store, plus one per dangling or cyclic entry. source_file is the origin,
      source_row the file's place in it by path. A file whose blob is not in the store, and every
      problem row, carries source_problem, which becomes its ledger rule. -#}
  {% set checked = validated_corpus_sources('swh') %}
  {% if checked | length == 0 %}
    {{ _staging_empty() }}
  {% endif %}
  {% for item in checked %}
    {% if not loop.first %}union all{% endif %}
    select
        {{ sql_string(item.source.name) }} as source,
        heads.origin_url as source_file,
        row_number() over (
            partition by heads.origin_url
            order by files.path, files.sha1_git, files.problem
        ) - 1 as source_row,
        heads.origin_url as repo,
        files.path,
        cast(null as {{ type_text() }}) as declared_language,
        cast({{ list_of([]) }} as {{ type_string_list() }}) as licenses,
        cast({{ list_of([]) }} as {{ type_string_list() }}) as file_licenses,
        cast(null as {{ type_text() }}) as nearest_license_file,
        blobs.content,
        case when blobs.sha1_git is not null and blobs.content is null then blobs.n_bytes else 0 end
            as n_invalid_utf8_bytes,
        {{ sql_string(item.default_kind) }} as kind,
        cast(null as {{ type_text() }}) as url,
        cast(null as double) as edu_score,
        cast(null as integer) as edu_int_score,
        coalesce(files.problem, case when blobs.sha1_git is null then 'missing_blob' end) as source_problem
    from {{ origin_heads }} as heads
    inner join {{ directory_files }} as files
        on heads.source = files.source and heads.root_directory_id = files.root_directory_id
    left join {{ blob_store_texts(item.blob_store) }} as blobs
        on files.problem is null and files.sha1_git = blobs.sha1_git
    where heads.source = {{ sql_string(item.source.name) }}
  {% endfor %}
{% endmacro %}
