"""Run one dbt command in this process and report every network connection it tried.

    python -m tests.dbt.audited_dbt docs generate --profiles-dir ... --project-dir ...

Python's audit hooks see every socket.connect and getaddrinfo (dbt, its adapters and any library
they load); DuckDB runs in-process and opens no socket. The last line of stdout is JSON:
{"success": bool, "connections": [...]}.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    attempts: list[str] = []

    def audit(event: str, args: tuple) -> None:
        if event in ("socket.connect", "socket.getaddrinfo"):
            attempts.append(f"{event} {args[1:] if event == 'socket.connect' else args[:2]}")

    sys.addaudithook(audit)
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(argv)
    print(json.dumps({"success": bool(result.success), "connections": attempts}))
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
