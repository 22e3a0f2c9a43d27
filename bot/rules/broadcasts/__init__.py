"""Broadcasts: a secretary's message to a branch subtree (and its linked groups), delivered by
the outbox, acknowledged by its recipients, reminded at most once per `REMIND_INTERVAL`.

The package: `drafts` (what a copy says, how long it may be, who gets it), `send` (the Send
use case and the author's status message), `acks` (acknowledging, `/broadcasts`, reminding).
"""

from bot.rules.broadcasts.acks import (
    REMIND_ACTION,
    Acknowledged,
    Listed,
    Reminded,
    acknowledge,
    get,
    recent,
    remind,
    unacknowledged,
)
from bot.rules.broadcasts.drafts import (
    ID_PLACEHOLDER,
    REMIND_INTERVAL,
    SCOPES,
    Audience,
    Draft,
    audience,
    body_limit,
    copies,
    header,
    reminder,
    render,
)
from bot.rules.broadcasts.send import (
    Queued,
    Sending,
    Status,
    attach_status,
    linked_groups,
    pending_through,
    queue,
    scope_sizes,
    status,
)

__all__ = ["ID_PLACEHOLDER", "REMIND_ACTION", "REMIND_INTERVAL", "SCOPES", "Acknowledged",
           "Audience", "Draft", "Listed", "Queued", "Reminded", "Sending", "Status",
           "acknowledge", "attach_status", "audience", "body_limit", "copies", "get", "header",
           "linked_groups", "pending_through", "queue", "recent", "remind", "reminder",
           "render", "scope_sizes", "status", "unacknowledged"]
