"""``winnow spark build|run|test|seed|compile ...``: the dbt project on Apache Spark (docs/spark.md).

dbt-spark's ``session`` method joins the SparkSession of its own process (``getOrCreate``), and
Spark SQL cannot define Python functions: so this runner creates (or, under ``spark-submit``,
joins) the session, registers winnow's UDFs on it (``python_udfs.engine.spark``), then runs dbt
in the same process with ``--target spark``. Arguments after the dbt command go to dbt unchanged.

It is also the application file of ``spark-submit`` (the master then comes from ``--master``)::

    spark-submit --master yarn --py-files winnow.zip python_udfs/cli/spark.py build
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

DBT_COMMANDS = ("build", "run", "test", "seed", "compile", "debug", "parse", "ls")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="winnow spark",
        description="Run a dbt command on Apache Spark: start or join the SparkSession, register winnow's "
        "UDFs on it, then run dbt in this process with --target spark. Other arguments go to dbt.",
    )
    parser.add_argument("command", choices=DBT_COMMANDS, help="the dbt command")
    parser.add_argument(
        "--work-dir",
        default=os.environ.get("WINNOW_SPARK_DIR", "data/spark"),
        help="where the tables (warehouse/) and the Hive metastore (metastore_db/, Derby: one build at a "
        "time per directory) live; default $WINNOW_SPARK_DIR or data/spark",
    )
    parser.add_argument(
        "--master",
        default=None,
        help="Spark master when none is configured (not under spark-submit, no $MASTER); default local[2]",
    )
    parser.add_argument(
        "--project-dir", default=".", help="the dbt project (its profiles.yml is used unless --profiles-dir)"
    )
    return parser


def _master_configured() -> bool:
    """spark-submit starts the JVM first and hands Python its gateway; its --master is then set."""
    return "PYSPARK_GATEWAY_PORT" in os.environ or bool(os.environ.get("MASTER"))


def spark_session(work_dir: Path, master: str | None = None):
    """Create, or join, the SparkSession dbt will use: Hive support (dbt-spark needs it), tables
    and the Derby metastore under ``work_dir``, and winnow's UDFs and table functions registered."""
    # Before pyspark starts a JVM or a Python worker: loopback only, and workers run this
    # interpreter (its site-packages hold winnow and pandas; PATH's python3 may not).
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    # Absolute: as spark-submit's application file this module is __main__, not in a package.
    from python_udfs.engine.spark import register_table_functions, register_udfs

    work_dir = work_dir.resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    builder = (
        SparkSession.builder.appName("winnow")
        .enableHiveSupport()
        .config("spark.sql.warehouse.dir", str(work_dir / "warehouse"))
        # Derby writes metastore_db/ into the working directory unless told where.
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={work_dir / 'metastore_db'};create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={work_dir}")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # dbt-spark forces it off on every statement; set it for the session's own queries too.
        .config("spark.sql.ansi.enabled", "false")
        # String literals verbatim, as on DuckDB (macros/sql_literal.sql relies on it).
        .config("spark.sql.parser.escapedStringLiterals", "true")
        # Planning a chain of views with many joins and CASEs takes minutes with it (profiles.yml).
        .config("spark.sql.constraintPropagation.enabled", "false")
        # Smaller Arrow batches bound a UDF call's memory (DuckDB's vectors are 2048 rows).
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "2048")
    )
    if not _master_configured():
        # A master set here would override spark-submit's --master: only when nothing set one.
        # Local mode has a few cores: Spark's 200 shuffle partitions per stage would be 200 tasks
        # of a few rows each (results do not depend on it; on a cluster the submit sets it).
        builder = (
            builder.master(master or "local[2]")
            .config("spark.driver.memory", "1g")
            .config("spark.sql.shuffle.partitions", "4")
        )
    spark = builder.getOrCreate()
    # Read by fct_exported_shards: its manifest names this warehouse as the build.
    os.environ["WINNOW_SPARK_WAREHOUSE"] = spark.conf.get("spark.sql.warehouse.dir")
    register_udfs(spark)
    register_table_functions(spark)
    return spark


def _bind_empty_seed_cells_as_null() -> None:
    """dbt-spark's session connection binds a seed's empty cell (None) as the string 'None': bind
    NULL, as DuckDB stores it (an empty blob_store or default_license must stay empty)."""
    from dbt.adapters.spark.session import SessionConnectionWrapper

    bind = SessionConnectionWrapper._fix_binding
    if getattr(bind, "winnow_nulls", False):
        return

    def fix_binding(value):
        return "NULL" if value is None else bind(value)

    fix_binding.winnow_nulls = True
    SessionConnectionWrapper._fix_binding = staticmethod(fix_binding)


def main(argv: Sequence[str] | None = None) -> int:
    args, dbt_args = _parser().parse_known_args(argv)
    _bind_empty_seed_cells_as_null()
    project_dir = Path(args.project_dir).resolve()
    spark_session(
        project_dir / args.work_dir if not Path(args.work_dir).is_absolute() else Path(args.work_dir), args.master
    )

    from dbt.cli.main import dbtRunner

    from python_udfs.export.provenance import git_commit

    # fct_exported_shards' manifest gives raw input paths relative to the project, as on DuckDB,
    # and the git commit the driver sees (executors run the code from --py-files, outside git).
    os.environ["WINNOW_PROJECT_DIR"] = str(project_dir)
    os.environ["WINNOW_GIT_COMMIT"] = json.dumps(git_commit(project_dir, Path(__file__).resolve().parents[2]))

    # dbt-spark 'session' joins the session above (SparkSession.builder.getOrCreate()).
    defaults = ["--target", "spark", "--project-dir", str(project_dir)]
    if "--profiles-dir" not in dbt_args:
        defaults += ["--profiles-dir", os.environ.get("DBT_PROFILES_DIR", str(project_dir))]
    result = dbtRunner().invoke([args.command, *dbt_args, *defaults])
    if result.exception is not None:
        print(f"winnow spark: dbt {args.command} failed: {result.exception}", file=sys.stderr)
    return 0 if result.success else 1


if __name__ == "__main__":
    # The application file of spark-submit: the package is importable from --py-files.
    raise SystemExit(main())
