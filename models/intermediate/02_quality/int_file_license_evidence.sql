-- License evidence of a file's own, beyond its repository's: the SPDX-License-Identifier header in
-- its first lines (var spdx_header_scan_lines) and the nearest license file above it inside the
-- repository (found by winnow's ingest). One row per unioned file that has either;
-- int_files_filtered combines them with the repository's license, and the strictest wins.
with

files as (
    select * from {{ ref('int_files_unioned') }}
),

checked as (
    select * from {{ ref('int_raw_files_checked') }}
    where staging_rule is null
),

headers as (
    select
        files.doc_id,
        -- The substring test first: few files have a header, and it is cheaper than the regex.
        case
            when contains(files.content, 'SPDX-License-Identifier:') then
                {{ spdx_header_expression('files.content', var('spdx_header_scan_lines')) }}
        end as spdx_header,
        checked.file_licenses,
        checked.nearest_license_file
    from files
    inner join checked
        on files.doc_id = checked.doc_id
),

parsed as (
    select
        *,
        {{ spdx_expression_alternatives('spdx_header') }} as spdx_header_alternatives
    from headers
)

select
    doc_id,
    case when {{ list_size('spdx_header_alternatives') }} > 0 then spdx_header end as spdx_header,
    coalesce(spdx_header_alternatives, {{ list_of([]) }}) as spdx_header_alternatives,
    coalesce(file_licenses, {{ list_of([]) }}) as file_licenses,
    case when {{ list_size('file_licenses') }} > 0 then nearest_license_file end as nearest_license_file
from parsed
where
    {{ list_size('spdx_header_alternatives') }} > 0
    or {{ list_size('file_licenses') }} > 0
