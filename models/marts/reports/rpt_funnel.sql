{{ config(materialized='view') }}
-- The funnel as a report; fct_funnel computes it, for the export manifest to read too.
select * from {{ ref('fct_funnel') }}
