-- Every file of every 'swh' corpus in the staging contract: the traversal's files per origin, text
-- from the source's blob store; missing blobs, dangling entries and cycles as rows with a problem.
{{ stage_swh_files(ref('stg_swh__origin_heads'), ref('stg_swh__directory_files')) }}
