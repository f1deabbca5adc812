-- What this dbt invocation was given, for the shard manifest: the project directory and the vars
-- passed with --vars (as JSON). fct_exported_shards overlays them on dbt_project.yml's vars, as dbt
-- does for the root project, to record every var. A SQL model because only the runtime context
-- sees invocation_args_dict (model configs in YAML cannot).
{%- set cli_vars = invocation_args_dict.get('vars') or {} %}
{%- if cli_vars is string %}{% set cli_vars = fromyaml(cli_vars) or {} %}{% endif %}
select
    {{ dbt.string_literal(invocation_args_dict.get('project_dir') or '') }} as project_dir,
    {{ dbt.string_literal(tojson(cli_vars, sort_keys=true)) }} as cli_vars
