{{ config(materialized='view') }}
-- The mixtures as a mart; int_mixture_copies_ordered computes and stores them, for FIM and tokenisation to read.
select * from {{ ref('int_mixture_copies_ordered') }}
