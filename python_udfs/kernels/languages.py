"""Language of a file from its extension, from the same seed the SQL models join on.

``seeds/languages.csv`` is the single mapping: the ingest command reads it here, and dbt loads it
as the ``languages`` seed for sources that carry no language column.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

__all__ = ["LANGUAGES_SEED", "language_for_path"]

LANGUAGES_SEED = Path(__file__).resolve().parents[2] / "seeds" / "languages.csv"


@lru_cache(maxsize=1)
def _extension_map() -> dict[str, str]:
    with LANGUAGES_SEED.open(newline="", encoding="utf-8") as handle:
        return {row["extension"].lower(): row["language"] for row in csv.DictReader(handle)}


def language_for_path(path: str) -> str | None:
    """Lower-case language name for a file path, or None when the extension is not listed."""
    name = path.rsplit("/", 1)[-1]
    if name == "Dockerfile":
        return "dockerfile"
    if name == "Makefile":
        return "makefile"
    dot = name.rfind(".")
    if dot <= 0:
        return None
    return _extension_map().get(name[dot:].lower())
