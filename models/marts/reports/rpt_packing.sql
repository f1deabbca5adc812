{{ config(materialized='view') }}
-- How the mixtures packed, as a report; fct_packing_stats computes it, for the export manifest to read too.
select * from {{ ref('fct_packing_stats') }}
