{{ config(materialized='table') }}
-- Every file under each root directory an origin's head reaches, walked once per root with a
-- recursive CTE, plus the dangling and cyclic directory entries found on the way. A table: the
-- walk is read by staging, the reconciliation test and the report.
{{ swh_directory_files(ref('stg_swh__origin_heads')) }}
