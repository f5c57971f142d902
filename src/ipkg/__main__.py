"""``python -m ipkg`` runs the command line."""

from ipkg.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
