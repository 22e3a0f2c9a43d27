"""Tasks and /assign:
their callback data (see the package's docstring)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.rules.codec import Button, one_of

_CODE = r"[A-Za-z0-9_-]{8,40}"  # invite codes
_IMPORT = r"[A-Za-z0-9_-]{8}"  # an import waiting for its answer


@dataclass(frozen=True)
class Task(Button, prefix="tk"):
    """An assignee's answer (accept, decline, done) or a secretary's (close, cancel)."""
    task: int
    action: str = field(metadata=one_of("acc", "dec", "done", "close", "cancel"))


@dataclass(frozen=True)
class TaskCancel(Button, prefix="tkx"):
    """"Cancel this task?" under `/task`: yes (the assignees are told), or keep it."""
    task: int
    confirm: bool


@dataclass(frozen=True)
class TaskSkip(Button, prefix="tkp:skip"):
    """Finish a task without a note or photo."""


@dataclass(frozen=True)
class AssignStep(Button, prefix="asg"):
    """A one-word step of /assign."""
    step: str = field(metadata=one_of("keep", "skip", "ok", "all", "send", "cancel"))


@dataclass(frozen=True)
class AssignPick(Button, prefix="asg"):
    """In /assign's roster: a member, a page, or a team."""
    kind: str = field(metadata=one_of("m", "pg", "team"))
    value: int


@dataclass(frozen=True)
class AssignNeed(Button, prefix="asg:need"):
    """"Assign" under a need: /assign with the need's title."""
    need: int
