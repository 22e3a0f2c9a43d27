"""Frontline: rules, wiring, CLI and sandbox."""

import os

# PTB 22 warns on every RetryAfter unless it may hand out retry_after as a timedelta;
# Frontline reads it as a timedelta, so opt in before any request is made.
os.environ.setdefault("PTB_TIMEDELTA", "true")
