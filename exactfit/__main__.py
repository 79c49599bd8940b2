"""``python -m exactfit``: the command line (see :mod:`exactfit.cli`)."""

from .cli import main

raise SystemExit(main())
