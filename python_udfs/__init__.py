"""winnow's per-document functions, as pure functions over pyarrow arrays.

Nothing in this package but ``plugin.py`` knows about DuckDB or dbt, so the same functions can be
registered on another engine (a Spark ``pandas_udf``) later.
"""

from .corpus_flavours import FLAVOURS, check_corpus_source
from .license_detection import detect_from_license_text, detect_from_metadata
from .line_stats import line_stats
from .pii import PiiPolicy, find_pii, redact_pii
from .prose_quality import ProseSignals, measure_prose, prose_signals

__all__ = [
    "FLAVOURS",
    "check_corpus_source",
    "detect_from_license_text",
    "detect_from_metadata",
    "line_stats",
    "PiiPolicy",
    "find_pii",
    "redact_pii",
    "ProseSignals",
    "measure_prose",
    "prose_signals",
]
