"""What the task handlers share: `/assign`'s states, draft, buttons and limits; a task's card."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton

from bot.rules import task_cases, tasks
from bot.rules.callbacks import AssignPick, AssignStep
from bot.rules.tasks import Draft
from handlers.core.context import Context
from handlers.core.drafts import Drafts
from storage.tasks import TaskRow

TITLE, DETAILS, DUE, PEOPLE, CONFIRM = range(5)  # conversation states
DRAFT_KEY = "assign_draft"
DRAFTS = Drafts(DRAFT_KEY, Draft, "assign.cancelled")
PAGE = 8  # members per page of the picker
TEAMS_SHOWN = 10  # team buttons under it (a search finds the others): 8 + 10 + 3 buttons
NAMES_SHOWN = 20  # assignees named in the summary
NAME_SHOWN = 40  # characters of a name on a button or in the summary


def button(context: Context, key: str, data: AssignStep | AssignPick,
            **values: Any) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t(key, **values), callback_data=data.pack())


def step(context: Context, key: str, step: str, **values: Any) -> InlineKeyboardButton:
    return button(context, key, AssignStep(step), **values)


def timezone_of(context: Context, task: TaskRow) -> str:
    actor = context.actor
    if actor is not None and actor.person is not None and actor.person.timezone:
        return actor.person.timezone
    return context.store.defaults.timezone


async def card(context: Context, task: TaskRow, timezone: str) -> str:
    author = await task_cases.author(context.store, task)
    return tasks.card(context.translate, context.language, task_id=task.id, title=task.title,
                      details=task.details, due=tasks.format_due(task.due_at, timezone),
                      author=author, branch=task.branch_name)
