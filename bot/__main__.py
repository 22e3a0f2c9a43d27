"""`python -m bot` runs the `frontline` command line."""

import sys

from bot.cli import main

sys.exit(main())
