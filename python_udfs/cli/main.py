"""``winnow``: one command whose sub-commands are winnow's command-line tools.

Each sub-command is a module with a ``main(argv) -> int`` that parses its own arguments, so
``winnow ingest --help`` is the ingest tool's help. Modules are imported only when their
sub-command runs: ``winnow --help`` does not load pyarrow, plotly or DuckDB.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["SUBCOMMANDS", "main"]

# Sub-command: (module with main(argv), one-line summary).
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "ingest": (
        "python_udfs.cli.ingest",
        "ingest source trees, sdists, wheels, the standard library and installed packages into raw Parquet",
    ),
    "text-corpus": (
        "python_udfs.cli.text_corpus",
        "build a FineWeb-Edu-style text corpus from standard-library docstrings and package READMEs",
    ),
    "report": ("python_udfs.cli.report", "write the corpus report (one HTML file) from a built DuckDB file"),
    "var-lineage": (
        "python_udfs.cli.var_lineage",
        "which models read each var, and what to rebuild after changing one",
    ),
    "spark": ("python_udfs.cli.spark", "run a dbt command (build, run, test, ...) on Apache Spark with winnow's UDFs"),
    "knobs": ("python_udfs.knobs", "the registry of every var (knobs.yml) and the files generated from it"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="winnow",
        description="winnow's command-line tools. The pipeline itself runs with dbt (`dbt build`).",
        epilog="`winnow COMMAND --help` describes a command's arguments.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, summary) in SUBCOMMANDS.items():
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv:
        _parser().print_help(sys.stderr)
        return 2
    if argv[0] not in SUBCOMMANDS:
        # Prints the help (exit 0) or names the unknown command (exit 2).
        _parser().parse_args(argv)
        return 2
    name, rest = argv[0], argv[1:]
    module_name = SUBCOMMANDS[name][0]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        print(
            f"winnow {name}: this installation has no {module_name}; update winnow (git pull, then make install)",
            file=sys.stderr,
        )
        return 2
    return module.main(rest)


if __name__ == "__main__":
    raise SystemExit(main())
