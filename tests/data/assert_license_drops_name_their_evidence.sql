-- Every license_not_allowed drop names the evidence that dropped it: the repository's license,
-- the nearest license file or the file's SPDX header. Returns the drops whose detail does not.
select
    doc_id,
    filter_detail
from {{ ref('int_files_filtered') }}
where
    filter_rule = 'license_not_allowed'
    and not {{ regexp_matches_whole(
        "coalesce(filter_detail, '')",
        "'(?:repository|nearest_license_file|spdx_header):[^;]+'
        || '(?:; (?:repository|nearest_license_file|spdx_header):[^;]+)*'"
    ) }}
