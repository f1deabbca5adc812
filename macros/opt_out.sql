{#-
  Opt-out matching (seeds/opt_out_repos.csv): one normalisation, applied to the seed's entries and
  to the corpus's repo column alike (for web text the repo is the URL's host), so that the ways
  people write a repository or a site all meet on one key.

  opt_out_key(value), in this order:
    1. lower-case and trim; `git@host:owner/repo` (scp-like git syntax) reads `host/owner/repo`
       (an all-digit owner there reads as a port);
    2. drop the scheme (`https://`), credentials (`user:pw@`), a leading `www.`, the host's
       trailing dots and its port (`:443`), any `?query` or `#fragment`, trailing slashes and a
       `.git` suffix;
    3. on a known forge host (github.com, gitlab.com, bitbucket.org, codeberg.org) the key is the
       repository: `owner/repo` (on GitLab the whole group path, up to `/-/`), so
       `https://github.com/Owner/Repo.git` and `owner/repo` are one key;
    4. any other URL (a value with a scheme) names its site: the key is the host alone, since web
       text is opted out per host (its repo is the host);
    5. anything else keeps its path: `Owner/Repo` -> `owner/repo`, `example.com:443` -> `example.com`.
  An entry that normalises to the empty string names nothing and matches nothing.

  opt_out_match_keys(key): the keys an opt-out entry may name to cover a corpus key. A host is
  covered by an opted-out parent domain (`blog.example.com` by `example.com`): a site owner who
  asks to be removed speaks for the subdomains they run, and a takedown errs on the side of
  removing. A repository (`owner/repo`) matches only itself: an owner or a repository prefix is
  not a parent (`owner/repo` does not cover `owner/repo-fork`).
  Each macro dispatches: DuckDB extracts the URL's parts into a struct; Spark (no struct from a
  regex, `$1` back-references) extracts each part on its own, with the same pattern.
-#}

{% macro opt_out_key(value) -%}{{ return(adapter.dispatch('opt_out_key', 'winnow')(value)) }}{%- endmacro %}

{% macro duckdb__opt_out_key(value) -%}
  list_transform(
      [regexp_extract(
          regexp_replace(lower(trim({{ value }})), '^[a-z0-9._-]+@([a-z0-9.-]+):([0-9]*[^0-9/])', '\1/\2'),
          '^(?:([a-z][a-z0-9+.-]*)://)?(?:[^/?#]*@)?(?:www\.)?([^/?#]*?)\.*(?::[0-9]*)?((?:/[^?#]*?[^/?#])?)(?:\.git)?/*(?:[?#].*)?$',
          ['scheme', 'host', 'path'])],
      lambda url: case
          when url.host in ('github.com', 'bitbucket.org', 'codeberg.org') and url.path <> ''
              then regexp_extract(url.path, '^/([^/]+(?:/[^/]+?)?)(?:\.git)?(?:/|$)', 1)
          when url.host = 'gitlab.com' and url.path <> ''
              then regexp_extract(url.path, '^/(.*?)(?:\.git)?(?:/-(?:/.*)?)?$', 1)
          when url.scheme <> '' then url.host
          else url.host || url.path
      end
  )[1]
{%- endmacro %}

{% macro spark__opt_out_key(value) -%}
  {%- set scp_read = "regexp_replace(lower(trim(" ~ value ~ ")), '^[a-z0-9._-]+@([a-z0-9.-]+):([0-9]*[^0-9/])', '$1/$2')" -%}
  {%- set url_pattern = "'^(?:([a-z][a-z0-9+.-]*)://)?(?:[^/?#]*@)?(?:www\.)?([^/?#]*?)\.*(?::[0-9]*)?((?:/[^?#]*?[^/?#])?)(?:\.git)?/*(?:[?#].*)?$'" -%}
  {%- set scheme = "regexp_extract(" ~ scp_read ~ ", " ~ url_pattern ~ ", 1)" -%}
  {%- set host = "regexp_extract(" ~ scp_read ~ ", " ~ url_pattern ~ ", 2)" -%}
  {%- set path = "regexp_extract(" ~ scp_read ~ ", " ~ url_pattern ~ ", 3)" -%}
  case
      when {{ host }} in ('github.com', 'bitbucket.org', 'codeberg.org') and {{ path }} <> ''
          then regexp_extract({{ path }}, '^/([^/]+(?:/[^/]+?)?)(?:\.git)?(?:/|$)', 1)
      when {{ host }} = 'gitlab.com' and {{ path }} <> ''
          then regexp_extract({{ path }}, '^/(.*?)(?:\.git)?(?:/-(?:/.*)?)?$', 1)
      when {{ scheme }} <> '' then {{ host }}
      else {{ host }} || {{ path }}
  end
{%- endmacro %}

{% macro opt_out_match_keys(key) -%}{{ return(adapter.dispatch('opt_out_match_keys', 'winnow')(key)) }}{%- endmacro %}

{#- Spark's split takes a regex: '[.]' is the dot. -#}
{% macro spark__opt_out_match_keys(key) -%}
  case
      when contains({{ key }}, '/') then array({{ key }})
      else transform(
          sequence(1, size(split({{ key }}, '[.]'))),
          i -> array_join(slice(split({{ key }}, '[.]'), i, size(split({{ key }}, '[.]'))), '.')
      )
  end
{%- endmacro %}

{% macro duckdb__opt_out_match_keys(key) -%}
  case
      when contains({{ key }}, '/') then [{{ key }}]
      else list_transform(
          range(1, len(string_split({{ key }}, '.')) + 1),
          lambda i: array_to_string(string_split({{ key }}, '.')[i:], '.')
      )
  end
{%- endmacro %}

{#- Every (file, opt-out entry) pair where the entry covers the file's repo, as a subquery with
    doc_id, repo, repo_key and opt_out_entry. `files` is a relation or subquery with doc_id and
    repo; only those two columns are read, so no column of it (a `url`) can capture the lambda
    variable of opt_out_key. -#}
{% macro opt_out_matches(files) -%}
  (
      with

      keyed as (
          select
              doc_id,
              repo,
              {{ opt_out_key('repo') }} as repo_key
          from (select doc_id, repo from {{ files }})
      ),

      candidates as (
          select
              doc_id,
              repo,
              repo_key,
              {{ unnest_list(opt_out_match_keys('repo_key')) }} as candidate_key
          from keyed
          where repo_key <> ''
      ),

      opt_outs as (
          select
              repo as opt_out_entry,
              {{ opt_out_key('repo') }} as opt_out_key
          from {{ ref('opt_out_repos') }}
      )

      select
          candidates.doc_id,
          candidates.repo,
          candidates.repo_key,
          opt_outs.opt_out_entry
      from candidates
      inner join opt_outs
          on candidates.candidate_key = opt_outs.opt_out_key
  )
{%- endmacro %}
