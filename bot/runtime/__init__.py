"""Wiring: the PTB application, its services, the scheduler's tick, the outbox worker,
the rate limiter, update ordering, the one-instance lock, the log's formats and filters, and
the admins' alerts."""
