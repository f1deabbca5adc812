-- Each origin of every 'swh' corpus (a Software Heritage graph export) with its latest full
-- visit's snapshot, the branch taken (HEAD, main, master), its revision and root directory.
-- Sources are checked first (tables, columns, blob store); see macros/swh.sql.
{{ swh_origin_heads() }}
