{#-
  Exact shingle Jaccard of pairs of files, from their shingle-hash sets (computed with the
  signatures, in int_minhash_signatures_cache, whose rows of files no longer in the corpus never
  meet a pair): a
  subquery giving (left_doc_id, right_doc_id, exact_similarity) for every row of `pairs` (a
  relation with the columns named by `left` and `right`) whose two files both have a set. It
  equals python_udfs.kernels.minhash.shingle_jaccard's result, but never holds two texts (or two sets) per row: the
  intersections are counted over one row per (file, shingle hash) with fixed-width keys (the
  doc_id's 64 bits as an integer and the 32-bit hash), so every join and the count spill to disk
  however many pairs there are. DuckDB cannot spill hash tables of large strings or lists.
-#}
{% macro shingle_set_jaccard(pairs, left, right) %}
(
    with

    pair_docs as (
        select {{ left }} as doc_id from {{ pairs }}
        union
        select {{ right }} as doc_id from {{ pairs }}
    ),

    -- Only the sets of files in a pair are unnested: a few percent of the corpus's shingles.
    pair_sets as (
        select
            cache.doc_id,
            {{ hex_to_integer('cache.doc_id') }} as doc_key,
            {{ list_size('cache.shingle_hashes') }} as n_shingles,
            cache.shingle_hashes
        from {{ ref('int_minhash_signatures_cache') }} as cache
        semi join pair_docs
            on cache.doc_id = pair_docs.doc_id
        where cache.shingle_hashes is not null
    ),

    sets as (
        select
            doc_id,
            doc_key,
            n_shingles
        from pair_sets
    ),

    shingles as (
        select
            doc_key,
            {{ unnest_list('shingle_hashes') }} as shingle_hash
        from pair_sets
    ),

    keyed_pairs as (
        select distinct
            left_set.doc_id as left_doc_id,
            right_set.doc_id as right_doc_id,
            left_set.doc_key as left_key,
            right_set.doc_key as right_key,
            left_set.n_shingles as left_shingles,
            right_set.n_shingles as right_shingles
        from {{ pairs }} as pairs
        join sets as left_set
            on left_set.doc_id = pairs.{{ left }}
        join sets as right_set
            on right_set.doc_id = pairs.{{ right }}
    ),

    left_shingles as (
        select
            keyed_pairs.left_key,
            keyed_pairs.right_key,
            shingles.shingle_hash
        from (select left_key, right_key from keyed_pairs) as keyed_pairs
        join shingles
            on shingles.doc_key = keyed_pairs.left_key
    ),

    intersections as (
        select
            left_shingles.left_key,
            left_shingles.right_key,
            count(*) as n_common
        from left_shingles
        join shingles as right_shingles
            on right_shingles.doc_key = left_shingles.right_key
            and right_shingles.shingle_hash = left_shingles.shingle_hash
        group by left_shingles.left_key, left_shingles.right_key
    )

    select
        keyed_pairs.left_doc_id,
        keyed_pairs.right_doc_id,
        coalesce(intersections.n_common, 0)
            / (keyed_pairs.left_shingles + keyed_pairs.right_shingles - coalesce(intersections.n_common, 0))
            as exact_similarity
    from keyed_pairs
    left join intersections
        on intersections.left_key = keyed_pairs.left_key
        and intersections.right_key = keyed_pairs.right_key
)
{% endmacro %}
