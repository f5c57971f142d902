"""``python -m ipkg`` runs the command line."""

from ipkg.cli import main

raise SystemExit(main())
