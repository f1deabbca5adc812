"""Mixture shares and FIM rates recounted from the token ids of fct_training_documents, so share
gates do not read back the pipeline's own report (rpt_mixture)."""

from __future__ import annotations

from collections import Counter

from python_udfs.kernels.bpe_tokenizer import load_tokenizer


def recounted_shares(project) -> dict[tuple[str, str], float]:
    """Each (mixture, source)'s share of its mixture's tokens: the lengths of the copies' token
    ids, the source read from the curated file."""
    rows = project.query(
        """select d.mixture, f.source, sum(len(d.input_ids)) from fct_training_documents d
           join fct_curated_files f using (doc_id) group by all"""
    )
    totals: Counter = Counter()
    for mixture, _, tokens in rows:
        totals[mixture] += tokens
    return {(mixture, source): tokens / totals[mixture] for mixture, source, tokens in rows}


def recounted_fim_copies(project) -> dict[str, Counter]:
    """Per mixture: 'copies', 'fim' (copies holding the FIM sentinels, whose pieces read back give
    their file, asserted) and 'spm' (FIM copies whose <fim_prefix> is followed at once by
    <fim_suffix>: starcoder's SPM, <prefix><suffix> suffix <middle> prefix middle).

    A PSM copy with an empty prefix (a cut at the file's first character) looks the same, too
    rarely to move a rate by a point. Assumes var fim_spm_variant = starcoder."""
    [(path, sha, prefix_id, middle_id, suffix_id)] = project.query(
        """select tokenizer_path, tokenizer_sha256, fim_prefix_token_id, fim_middle_token_id, fim_suffix_token_id
           from int_tokenizer_prepared"""
    )
    tokenizer = load_tokenizer(path, sha).hf
    counts: dict[str, Counter] = {}
    for mixture, ids, content in project.query(
        "select d.mixture, d.input_ids, f.content from fct_training_documents d join fct_curated_files f using (doc_id)"
    ):
        c = counts.setdefault(mixture, Counter())
        c["copies"] += 1
        if prefix_id not in ids:
            continue
        c["fim"] += 1
        p, s, m = ids.index(prefix_id), ids.index(suffix_id), ids.index(middle_id)
        first, second, third = (tokenizer.decode(ids[a + 1 : b]) for a, b in ((p, s), (s, m), (m, len(ids))))
        # PSM: prefix, suffix, middle after the three sentinels; SPM: '', suffix, prefix + middle.
        assert p < s < m and first + third + second == content, (mixture, content[:80])
        c["spm"] += s == p + 1
    return counts
