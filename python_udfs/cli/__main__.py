"""``python -m python_udfs.cli`` runs the ``winnow`` command, for an environment without its script."""

from .main import main

raise SystemExit(main())
