"""`python -m app.dev`: the local run (app/dev/launcher.py)."""
import sys

from app.dev.launcher import main

sys.exit(main())
