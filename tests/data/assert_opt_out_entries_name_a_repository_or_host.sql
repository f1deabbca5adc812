-- Every row of seeds/opt_out_repos.csv names a repository or a host: an entry that normalises to
-- nothing (say 'https://' or a blank) would match no file and leave the owner's text in the corpus.
-- Each row returned is such an entry: fix or remove it.
select repo as opt_out_entry
from {{ ref('opt_out_repos') }}
where coalesce({{ opt_out_key('repo') }}, '') = ''
