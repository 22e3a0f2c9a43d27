"""`/assign`, the assignees" answers (accept, decline, done), and `/team`."""

from handlers.tasks import answers, assign, teams

__all__ = ["answers", "assign", "teams"]
