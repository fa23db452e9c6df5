"""``python -m tuidl`` runs the same command line as the ``tuidl`` script."""

from tuidl.cli import main

raise SystemExit(main())
