"""Ingest local source into winnow's raw Parquet schema (the ``winnow`` flavour).

Turns source trees, sdists (``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.zip``), wheels (``.whl``), the
running interpreter's standard library and its installed distributions into Parquet files with one
row per text file::

    winnow ingest --default --out data/raw/default
    winnow ingest ~/src/myrepo dist/pkg-1.0.tar.gz --out data/raw/mine
    winnow ingest --kind docs --stdlib --dist numpy --out data/raw/docs

Each row carries ``repo``, ``path``, ``content``, ``licenses`` (SPDX ids of the repository, from
package metadata or its top-level LICENSE/COPYING files; empty when nothing tells),
``license_evidence``, ``file_licenses`` and ``nearest_license_file`` (the SPDX ids and path of the
nearest recognised license file in a directory above the file, below the repository's top level:
a vendored or differently licensed subtree; empty and NULL when there is none), ``language`` (from the
extension, via ``seeds/languages.csv``), ``kind``, ``n_bytes`` and ``origin``. ``--kind code`` (the
default) writes every text file as kind ``code`` (the code language allow-list then keeps Python);
``--kind docs`` keeps only documentation files (Markdown, reStructuredText, HTML, plain text:
``DOCS_LANGUAGES``) as kind ``docs``, which get the prose quality rules. Files that are not text are
counted and skipped with a reason, never crashed on; the skips are written to
``<out>/_ingest/skipped.parquet`` and a per-reason count to ``<out>/_ingest/summary.json``.

Nothing is lost silently: every entry of a tree and every member of an archive (but directories,
which hold no data of their own) ends as a written row or a skipped row with its reason, or the
command fails naming the input.

- Symlinks (to files or directories) are never followed: they are skipped as ``symlink`` (hard
  links in archives as ``hardlink``), so nothing outside the input is read and nothing twice.
- FIFOs, sockets and devices are never opened: skipped as ``special_file``.
- A name that is not valid UTF-8 is skipped as ``undecodable_path``; its path is recorded with
  each undecodable byte written as ``\\xNN``. Ingesting it under such a name would not be lossless
  (a real file may be called ``\\xNN``), so it is not ingested.
- A directory that cannot be listed is skipped as ``unreadable``, with its path.
- Archive members are read in bounded chunks, never past ``max_file_bytes`` (a longer member is
  skipped as ``too_large``, whatever its header claims), and an archive may expand to at most
  ``max_archive_expansion`` times its size (and ``max_file_bytes``). A truncated or corrupted
  archive, a member failing its checksum or an archive expanding past that bound stops the
  ingest naming the archive: nothing is written, the previous output stays.

The output directory is replaced atomically: files are written into a sibling temporary
directory that is renamed into place only when the ingest has finished, so a reader never sees a
half-ingested corpus. Only a directory that ingest wrote (it holds ``_ingest/summary.json``) or an
empty one is replaced; ``--out`` may not be, contain or lie inside an input. Files are visited in
sorted order, so the same inputs give the same bytes.

The modules, in the order a file passes through them: ``records`` (schemas, limits, the input
records), ``discovery`` (trees, the standard library, installed distributions), ``archives``
(sdists, zips, wheels), ``license_files`` (repository and nearest license files), ``writer``
(classify, write Parquet parts, replace the output directory), ``command`` (``winnow ingest``).
"""

from .archives import archive_input
from .command import main
from .discovery import distribution_inputs, stdlib_input, tree_input
from .records import (
    DEFAULT_MAX_FILE_BYTES,
    DOCS_LANGUAGES,
    RAW_SCHEMA,
    SKIPPED_SCHEMA,
    IngestInput,
)
from .writer import (
    OUTPUT_MARKER,
    ROW_GROUP_MAX_BYTES,
    ROW_GROUP_MAX_ROWS,
    IngestSummary,
    ingest,
    prepare_output_dir,
    row_group_bounds,
)

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "DOCS_LANGUAGES",
    "OUTPUT_MARKER",
    "RAW_SCHEMA",
    "ROW_GROUP_MAX_BYTES",
    "ROW_GROUP_MAX_ROWS",
    "SKIPPED_SCHEMA",
    "IngestInput",
    "IngestSummary",
    "archive_input",
    "distribution_inputs",
    "ingest",
    "main",
    "prepare_output_dir",
    "row_group_bounds",
    "stdlib_input",
    "tree_input",
]
