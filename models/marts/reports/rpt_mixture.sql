{{ config(materialized='view') }}
-- Each mixture's target against what it realised, as a report; fct_mixture_realised computes it,
-- for the export manifest to read too.
select * from {{ ref('fct_mixture_realised') }}
