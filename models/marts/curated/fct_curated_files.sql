{{ config(materialized='view') }}
-- The curated corpus as a mart; int_files_curated computes and stores it, for the stages after curation to read.
select * from {{ ref('int_files_curated') }}
