"""People as the bot meets them: who is behind an update (created or refreshed from Telegram's
account), their chosen language, whether the bot can reach them, finding a member by what a
secretary types, and the one way a privileged action is recorded in the audit log."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from datetime import datetime

from bot.i18n import pick_language
from bot.rules.access import Actor
from bot.rules.deps import Deps
from storage.store import Store


@dataclasses.dataclass(frozen=True)
class Account:
    """What Telegram says of a user in each update."""

    user_id: int
    first_name: str
    last_name: str | None
    username: str | None
    language_code: str | None


async def actor_of(store: Store, account: Account, *, admins: Collection[int],
                   default_locale: str, now: datetime) -> Actor:
    """The person behind an update, as the database knows them: created on first contact,
    their names refreshed when Telegram's change; writing to the bot proves them reachable."""
    person = await store.people.get(account.user_id)
    fresh = (account.first_name, account.last_name, account.username, account.language_code)
    if person is None:
        await store.people.save(account.user_id, *fresh, at=now)
        person = await store.people.get(account.user_id)
    elif not person.reachable or fresh != (person.first_name, person.last_name,
                                           person.username, person.telegram_language):
        await store.people.save(account.user_id, *fresh, at=now)
        person = dataclasses.replace(
            person, first_name=account.first_name, last_name=account.last_name,
            username=account.username, telegram_language=account.language_code, reachable=True)
    default = (person.locale if person else None) or default_locale
    language = pick_language(person.language if person else None, account.language_code,
                             default)
    return Actor(account.user_id, person, account.user_id in admins, language)


async def choose_language(deps: Deps, user_id: int, code: str) -> None:
    """The user chose a language with /lang."""
    await deps.store.people.set_language(user_id, code, at=deps.clock.now())


async def blocked_the_bot(deps: Deps, user_id: int) -> None:
    """Telegram said the user blocked the bot: they are unreachable until they write again."""
    await deps.store.people.set_reachable(user_id, False, at=deps.clock.now())


async def audit(deps: Deps, actor: Actor | None, action: str, *, branch_id: int | None,
                allowed: bool, **detail: object) -> None:
    """Record a privileged action, done or refused, in the audit log (the one way it is
    recorded: handlers' `refuse` and `allowed` and the use cases all come here)."""
    await deps.store.audit.record(actor.user_id if actor else None, action,
                                  branch_id=branch_id, allowed=allowed, detail=dict(detail),
                                  at=deps.clock.now())

