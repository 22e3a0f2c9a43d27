"""`python -m bot.cli` runs the `frontline` command line (as `python -m bot` does)."""

import sys

from bot.cli import main

sys.exit(main())
