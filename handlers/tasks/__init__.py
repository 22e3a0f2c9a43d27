"""`/assign`, the assignees" answers (accept, decline, done), and `/team`."""

from handlers.tasks import answers, assign, board, teams

__all__ = ["answers", "assign", "board", "teams"]
