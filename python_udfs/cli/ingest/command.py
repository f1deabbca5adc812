"""``winnow ingest``: the command line over ``ingest``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .archives import archive_input
from .discovery import distribution_inputs, stdlib_input, tree_input
from .records import DEFAULT_MAX_ARCHIVE_EXPANSION, DEFAULT_MAX_FILE_BYTES, KINDS, IngestInput
from .writer import DEFAULT_PART_BYTES, ingest


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="winnow ingest",
        description="Ingest source trees, sdists, wheels, the standard library and installed "
        "packages into winnow's raw Parquet schema.",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="source trees, sdists, zips or wheels")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output directory: replaced if an earlier ingest wrote it; may not overlap an input",
    )
    parser.add_argument(
        "--default",
        action="store_true",
        help="the embedded default corpus: this interpreter's standard library and every installed distribution",
    )
    parser.add_argument(
        "--stdlib", nargs="*", metavar="MODULE", help="the standard library (optionally only these modules)"
    )
    parser.add_argument("--dist", action="append", default=[], metavar="NAME", help="an installed distribution")
    parser.add_argument("--repo", help="repo name for a single path input (default: its name)")
    parser.add_argument(
        "--kind",
        choices=KINDS,
        default="code",
        help="code: every text file (default); docs: only Markdown, reStructuredText, HTML and "
        "plain-text files, as documentation (prose rules)",
    )
    parser.add_argument("--max-file-bytes", type=int, default=DEFAULT_MAX_FILE_BYTES)
    parser.add_argument(
        "--max-archive-expansion",
        type=int,
        default=DEFAULT_MAX_ARCHIVE_EXPANSION,
        help="stop on an archive that expands to more than this many times its size",
    )
    parser.add_argument("--part-bytes", type=int, default=DEFAULT_PART_BYTES)
    parser.add_argument("--no-progress", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    inputs: list[IngestInput] = []
    if args.default or args.stdlib is not None:
        inputs.append(stdlib_input(args.stdlib or None))
    if args.default:
        inputs.extend(distribution_inputs())
    elif args.dist:
        inputs.extend(distribution_inputs(args.dist))
    if args.repo and len(args.paths) != 1:
        raise SystemExit("winnow ingest: --repo names a single path input.")
    for path in args.paths:
        if not path.exists():
            raise SystemExit(f"winnow ingest: {path} does not exist.")
        if path.is_dir():
            inputs.append(tree_input(path, args.repo))
        else:
            inputs.append(
                archive_input(
                    path,
                    args.repo,
                    max_file_bytes=args.max_file_bytes,
                    max_archive_expansion=args.max_archive_expansion,
                )
            )
    if not inputs:
        raise SystemExit("winnow ingest: nothing to ingest; give paths, --default, --stdlib or --dist.")
    summary = ingest(
        inputs,
        args.out,
        max_file_bytes=args.max_file_bytes,
        part_bytes=args.part_bytes,
        progress=not args.no_progress and sys.stderr.isatty(),
        kind=args.kind,
    )
    print(json.dumps({"out": str(args.out), **summary.as_dict()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
