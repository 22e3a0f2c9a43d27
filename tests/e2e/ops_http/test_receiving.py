"""Whether updates arrive by webhook: what getWebhookInfo says counts as arriving unless
Telegram reports a recent delivery error or has another URL (`bot.runtime.receiving`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from telegram import WebhookInfo

from bot.clock import ManualClock
from bot.rules.health import UPDATES_LATE_AFTER
from bot.runtime.receiving import Receiving

URL = "https://bot.example.org/tg"
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def info(url: str = URL, error_at: datetime | None = None, pending: int = 0) -> WebhookInfo:
    """What getWebhookInfo answers."""
    return WebhookInfo(url=url, has_custom_certificate=False, pending_update_count=pending,
                       last_error_date=error_at,
                       last_error_message="Wrong response from the webhook: 502 Bad Gateway"
                       if error_at else None)


def webhook_receiving(clock: ManualClock) -> Receiving:
    receiving = Receiving(clock)
    receiving.webhook = True
    return receiving


def test_a_clean_webhook_info_counts_as_arriving_when_nobody_writes() -> None:
    clock = ManualClock(START)
    receiving = webhook_receiving(clock)
    clock.advance(minutes=4)
    receiving.webhook_info(info(), URL)
    clock.advance(minutes=4)  # 8 minutes without a request, 4 since a clean look
    check = receiving.check(clock.now())
    assert check.ok is True
    assert check.detail == "no webhook request yet; getWebhookInfo clean 4 min ago"


def test_a_recent_delivery_error_does_not_count_and_turns_red_in_time() -> None:
    clock = ManualClock(START)
    receiving = webhook_receiving(clock)
    clock.advance(minutes=3)
    receiving.webhook_info(info(error_at=clock.now() - timedelta(seconds=30), pending=7), URL)
    check = receiving.check(clock.now())
    assert check.ok is True  # not yet five minutes since the start
    assert check.detail == ("no webhook request yet; Telegram could not deliver an update "
                            "30 s ago (Wrong response from the webhook: 502 Bad Gateway); "
                            "7 waiting")
    clock.advance(minutes=2)
    assert receiving.check(clock.now()).ok is False
    # The error is older than UPDATES_LATE_AFTER now, and requests come: well again.
    clock.advance(seconds=UPDATES_LATE_AFTER.total_seconds())
    receiving.webhook_info(info(error_at=START + timedelta(minutes=2, seconds=30)), URL)
    assert receiving.check(clock.now()).ok is True


def test_another_url_at_telegram_does_not_count() -> None:
    clock = ManualClock(START)
    receiving = webhook_receiving(clock)
    receiving.webhook_info(info(url=""), URL)  # deleted by another program
    clock.advance(minutes=5)
    check = receiving.check(clock.now())
    assert check.ok is False
    assert "not this bot's URL" in check.detail
    receiving.posted()  # a request came all the same
    assert receiving.check(clock.now()).ok is True
