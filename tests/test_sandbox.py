"""Tests of the in-process fake Telegram (`bot.sandbox`), driven through a real PTB app."""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.sandbox import Sandbox, SandboxError, SandboxMessage, parse_html
from bot.sandbox.methods import METHODS, messages, method

FIXED = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ALICE = 1001
BOB = 1002
GROUP = -4001
SUPERGROUP = -1001234567890

AppT = Application[Any, Any, Any, Any, Any, Any]


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    """One row of callback buttons."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d) for t, d in pairs]])


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet with a keyboard; echo the start argument."""
    assert update.effective_message is not None
    arg = " ".join(context.args or [])
    await update.effective_message.reply_text(
        f"<b>Welcome</b> {html.escape(arg)}",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard(("Yes", "vote:yes"), ("No", "vote:no")),
    )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo text."""
    assert update.effective_message is not None and update.effective_message.text is not None
    await update.effective_message.reply_text("echo: " + update.effective_message.text)


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download the document and answer with its size and content."""
    message = update.effective_message
    assert message is not None and message.document is not None
    file = await message.document.get_file()
    data = await file.download_as_bytearray()
    await message.reply_text(f"got {len(data)} bytes: {bytes(data).decode()}")


async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer a location."""
    message = update.effective_message
    assert message is not None and message.location is not None
    await message.reply_text(f"at {message.location.latitude:.2f},{message.location.longitude}")


async def on_vote(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer the query and edit the message."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer("noted")
    await query.edit_message_text(f"You chose {query.data.split(':')[1]}")


@pytest.fixture(autouse=True)
def _timedelta_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22.x warns when a RetryAfter is built unless PTB_TIMEDELTA is set."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def sb() -> Sandbox:
    """A sandbox with two users and a group."""
    sandbox = Sandbox(now=lambda: FIXED)
    sandbox.add_user(ALICE, "Alice", username="alice", language_code="en")
    sandbox.add_user(BOB, "Bob")
    sandbox.add_group(GROUP, "Branch A", members=[ALICE], admins=[BOB])
    return sandbox


@pytest.fixture
async def app(sb: Sandbox) -> AsyncIterator[AppT]:
    """A real PTB application polling the sandbox."""
    application = (
        ApplicationBuilder()
        .token(sb.token)
        .request(sb.request())
        .get_updates_request(sb.request())
        .build()
    )
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(filters.Document.ALL, on_document))
    application.add_handler(MessageHandler(filters.LOCATION, on_location))
    application.add_handler(CallbackQueryHandler(on_vote, pattern=r"^vote:"))
    errors: list[object] = []
    application.bot_data["errors"] = errors

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        errors.append(context.error)

    application.add_error_handler(on_error)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=1)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_echo_and_start_through_polling(sb: Sandbox, app: AppT) -> None:
    sb.user_sends(ALICE, "hello")
    sb.user_sends(ALICE, "/start abc<x>")
    await sb.settle(app)
    msgs = sb.messages[ALICE]
    assert [m.from_bot for m in msgs] == [False, False, True, True]
    assert msgs[2].text == "echo: hello"
    last = sb.last(ALICE)
    assert last.text == "<b>Welcome</b> abc&lt;x&gt;"
    assert last.plain == "Welcome abc<x>"
    assert last.parse_mode == "HTML"
    assert last.buttons == [[("Yes", "vote:yes"), ("No", "vote:no")]]
    assert last.date == FIXED
    assert last.reply_to is None  # PTB quotes only in groups by default
    assert [m.message_id for m in msgs] == [1, 2, 3, 4]
    assert sb.pending_updates() == 0
    assert sb.count("sendMessage") == 2


async def test_press_answers_and_edits(sb: Sandbox, app: AppT) -> None:
    sb.user_sends(ALICE, "/start")
    await sb.settle(app)
    update = sb.press(ALICE, "Yes")
    await sb.settle(app)
    query_id = update["callback_query"]["id"]
    assert sb.callback_answers[query_id]["text"] == "noted"
    last = sb.last(ALICE)
    assert last.text == "You chose yes"
    assert last.edits == 1
    assert last.buttons == []  # editMessageText without reply_markup drops the keyboard
    assert len(sb.bot_messages(ALICE)) == 1


async def test_user_presses_checks_buttons(sb: Sandbox, app: AppT) -> None:
    sb.user_sends(ALICE, "/start")
    await sb.settle(app)
    message_id = sb.last(ALICE).message_id
    with pytest.raises(SandboxError):
        sb.user_presses(ALICE, message_id, "vote:maybe")
    with pytest.raises(SandboxError):
        sb.user_presses(ALICE, 999, "vote:yes")
    with pytest.raises(SandboxError):
        sb.press(ALICE, "Nonexistent")
    with pytest.raises(SandboxError):
        sb.press(BOB, "Yes")  # Bob's chat has no bot message
    forged = sb.user_presses(ALICE, 999, "vote:forged", check=False)
    assert forged["callback_query"]["data"] == "vote:forged"
    await sb.settle(app)
    # the handler's edit of a message that does not exist failed, nothing changed
    assert sb.last(ALICE).text == "<b>Welcome</b> "
    errors = app.bot_data["errors"]
    assert len(errors) == 1, errors
    assert isinstance(errors[0], BadRequest), errors[0]
    assert "not found" in str(errors[0])


async def test_press_partial_and_ambiguous(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        await bot.send_message(
            ALICE, "pick", reply_markup=keyboard(("Accept task", "t:ok"), ("Decline", "t:no"))
        )
        update = sb.press(ALICE, "Accept")
        assert update["callback_query"]["data"] == "t:ok"
        assert sb.press(ALICE, "t:no")["callback_query"]["data"] == "t:no"
        with pytest.raises(SandboxError, match="several"):
            sb.press(ALICE, "t:")
    finally:
        await bot.shutdown()


async def test_commands_and_entities(sb: Sandbox) -> None:
    update = sb.user_sends(ALICE, "/who@frontline_sandbox_bot x", chat_id=GROUP)
    entities = update["message"]["entities"]
    assert entities == [{"type": "bot_command", "offset": 0, "length": 26}]
    update = sb.user_sends(ALICE, "/start abc")
    assert update["message"]["entities"][0]["length"] == 6
    assert "entities" not in sb.user_sends(ALICE, "plain")["message"]
    assert update["message"]["chat"]["type"] == "private"
    assert update["message"]["from"]["language_code"] == "en"
    assert sb.pending_updates() == 3
    assert sb.next_update_id() == update["update_id"] + 2
    parsed = Update.de_json(update, None)
    assert parsed.message is not None and parsed.message.text == "/start abc"


async def test_group_messages_and_members(sb: Sandbox) -> None:
    sb.add_group(SUPERGROUP, "HQ", creator=BOB)
    bot = await _bare_bot(sb)
    try:
        chat = await bot.get_chat(SUPERGROUP)
        assert chat.type == "supergroup"
        assert (await bot.get_chat(GROUP)).type == "group"
        assert (await bot.get_chat_member(GROUP, BOB)).status == "administrator"
        assert (await bot.get_chat_member(GROUP, ALICE)).status == "member"
        assert (await bot.get_chat_member(SUPERGROUP, ALICE)).status == "left"
        assert (await bot.get_chat_member(SUPERGROUP, BOB)).status == "creator"
        sb.user_sends(BOB, "hi", chat_id=SUPERGROUP)  # sending joins the group
        assert (await bot.get_chat_member(SUPERGROUP, BOB)).status == "creator"
        sent = await bot.send_message(GROUP, "to all")
        assert sent.chat.title == "Branch A"
        assert sb.last(GROUP).text == "to all"
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(-999, "nobody")
    finally:
        await bot.shutdown()


async def _bare_bot(sb: Sandbox) -> Any:
    application = (
        ApplicationBuilder()
        .token(sb.token)
        .request(sb.request())
        .get_updates_request(sb.request())
        .build()
    )
    await application.bot.initialize()
    return application.bot


async def test_get_me_and_bot_identity(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        assert bot.id == 5550001
        assert bot.username == "frontline_sandbox_bot"
        assert sb.token == "5550001:SANDBOX"
    finally:
        await bot.shutdown()


@pytest.mark.parametrize(
    ("kind", "exc", "match"),
    [
        ("500", NetworkError, "Internal Server Error"),
        ("502", NetworkError, "Bad Gateway"),
        ("timeout", TimedOut, "Timed out"),
        ("403", Forbidden, r"(?i)blocked"),
        ("400", BadRequest, r"(?i)chat not found"),
    ],
)
async def test_fault_kinds(sb: Sandbox, kind: str, exc: type[Exception], match: str) -> None:
    bot = await _bare_bot(sb)
    try:
        sb.fail("sendMessage", kind)
        with pytest.raises(exc, match=match):
            await bot.send_message(ALICE, "x")
        assert sb.bot_messages(ALICE) == []
        await bot.send_message(ALICE, "x")
        assert len(sb.bot_messages(ALICE)) == 1
    finally:
        await bot.shutdown()


async def test_fault_429_retry_after(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        sb.fail("sendMessage", "429", times=2, retry_after=7)
        for _ in range(2):
            with pytest.raises(RetryAfter) as info:
                await bot.send_message(ALICE, "x")
            assert info.value.retry_after == timedelta(seconds=7)
        await bot.send_message(ALICE, "x")
        assert sb.count("sendMessage") == 3
        assert len(sb.bot_messages(ALICE)) == 1
    finally:
        await bot.shutdown()


async def test_fault_only_for_chat(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        sb.fail("sendMessage", "403", chat_id=BOB)
        await bot.send_message(ALICE, "fine")
        with pytest.raises(Forbidden):
            await bot.send_message(BOB, "fails")
        await bot.send_message(BOB, "fine now")
        assert sb.last(BOB).text == "fine now"
    finally:
        await bot.shutdown()


async def test_random_faults_and_rate_limit(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        sb.random_faults(0.5, ("500",), seed=3)
        failures = 0
        for _ in range(40):
            try:
                await bot.send_message(ALICE, "x")
            except NetworkError:
                failures += 1
        assert 5 < failures < 35
        assert len(sb.bot_messages(ALICE)) == 40 - failures
        sb.random_faults(0)
        sb.rate_limit(3)
        for _ in range(3):
            await bot.send_message(BOB, "x")
        with pytest.raises(RetryAfter):
            await bot.send_message(BOB, "x")
        await bot.send_chat_action(BOB, "typing")  # not rate limited
        sb.rate_limit(None)
        await bot.send_message(BOB, "x")
    finally:
        await bot.shutdown()


async def test_realism_checks(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(ALICE, "x" * 4097)
        await bot.send_message(ALICE, "x" * 4096)
        # HTML counts the plain text
        await bot.send_message(ALICE, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(ALICE, "😀" * 2049)  # UTF-16: 4098 units
        with pytest.raises(BadRequest, match=r"(?i)text is empty"):
            await bot.send_message(ALICE, "  ")
        with pytest.raises(BadRequest, match=r"(?i)text is empty"):
            await bot.send_message(ALICE, "<b></b>", parse_mode="HTML")
        for bad in ("a < b", "<div>x</div>", "<b>x", "<b><i>x</b></i>", "Tom & Jerry", "&nbsp;"):
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(ALICE, bad, parse_mode="HTML")
        await bot.send_message(ALICE, "a < b & c", parse_mode=None)  # no parse mode: fine
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(ALICE, "k", reply_markup=keyboard(("x", "é" * 33)))
        await bot.send_message(ALICE, "k", reply_markup=keyboard(("x", "a" * 64)))
        with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
            await bot.send_document(ALICE, b"data", filename="a.txt", caption="c" * 1025)
        sb.block(ALICE)
        with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
            await bot.send_message(ALICE, "hi")
        sb.unblock(ALICE)
        await bot.send_message(ALICE, "hi again")
        sb.block(BOB)
        sb.user_sends(BOB, "/start")  # writing to the bot again unblocks it
        await bot.send_message(BOB, "welcome back")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(424242, "never added")
        with pytest.raises(EndPointNotFound):  # Telegram answers 404 "Not Found"
            await bot.do_api_request("frobnicate", {"chat_id": ALICE})
    finally:
        await bot.shutdown()


async def test_refusals_are_recorded_and_keyboards_hold_100_buttons(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        hundred = InlineKeyboardMarkup([[InlineKeyboardButton(str(i), callback_data=str(i))
                                         for i in range(row, row + 5)]
                                        for row in range(0, 100, 5)])
        await bot.send_message(ALICE, "k", reply_markup=hundred)
        assert sb.refused == []
        more = InlineKeyboardMarkup([*hundred.inline_keyboard,
                                     [InlineKeyboardButton("x", callback_data="x")]])
        with pytest.raises(BadRequest, match=r"(?i)reply markup is too long"):
            await bot.send_message(ALICE, "k", reply_markup=more)
        with pytest.raises(BadRequest, match=r"(?i)message is too long"):
            await bot.send_message(ALICE, "x" * 4097)
        assert [(method, text) for method, _, text in sb.refused] == [
            ("sendMessage", "Bad Request: reply markup is too long"),
            ("sendMessage", "Bad Request: message is too long")]
        sb.fail("sendMessage", "500")
        with pytest.raises(NetworkError):
            await bot.send_message(ALICE, "fault")
        assert len(sb.refused) == 2  # an injected fault is not a refusal
    finally:
        await bot.shutdown()


async def test_edit_checks(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        markup = keyboard(("A", "a"))
        sent = await bot.send_message(ALICE, "<i>v1</i>", parse_mode="HTML", reply_markup=markup)
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_text(
                "<i>v1</i>", ALICE, sent.message_id, parse_mode="HTML", reply_markup=markup
            )
        with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
            await bot.edit_message_text("v2", ALICE, 999)
        edited = await bot.edit_message_text(
            "v2", ALICE, sent.message_id, reply_markup=keyboard(("B", "b"))
        )
        assert edited.text == "v2"
        assert sb.last(ALICE).buttons == [[("B", "b")]]
        with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
            await bot.edit_message_reply_markup(
                ALICE, sent.message_id, reply_markup=keyboard(("B", "b"))
            )
        await bot.edit_message_reply_markup(ALICE, sent.message_id, reply_markup=None)
        assert sb.last(ALICE).edits == 2
        assert await bot.delete_message(ALICE, sent.message_id)
        with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
            await bot.delete_message(ALICE, sent.message_id)
        with pytest.raises(SandboxError):
            sb.last(ALICE)
        assert sb.deleted[-1].message_id == sent.message_id
    finally:
        await bot.shutdown()


async def test_html_entities_returned(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        sent = await bot.send_message(
            ALICE,
            '<b>Hi</b> <a href="https://e.x/?a=1&amp;b=2">link</a> &#128512;<code>x</code>',
            parse_mode="HTML",
        )
        assert sent.text == "Hi link 😀x"
        assert sent.text_html == (
            '<b>Hi</b> <a href="https://e.x/?a=1&b=2">link</a> 😀<code>x</code>'
        )
        plain, entities, length = parse_html('<pre><code class="language-py">1</code></pre>')
        assert (plain, length) == ("1", 1)
        assert entities == [{"type": "pre", "language": "py", "offset": 0, "length": 1}]
        assert parse_html("<blockquote expandable>q</blockquote>")[1][0]["type"] == (
            "expandable_blockquote"
        )
        assert parse_html('<span class="tg-spoiler">s</span>')[1][0]["type"] == "spoiler"
    finally:
        await bot.shutdown()


async def test_answer_callback_query_checks(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        sent = await bot.send_message(ALICE, "q", reply_markup=keyboard(("Go", "go")))
        update = sb.user_presses(ALICE, sent.message_id, "go")
        query_id = update["callback_query"]["id"]
        assert await bot.answer_callback_query(query_id, text="ok")
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query(query_id)
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await bot.answer_callback_query("unknown")
        assert sb.callback_answers == {query_id: {"callback_query_id": query_id, "text": "ok"}}
        parsed = Update.de_json(update, bot)
        assert parsed.callback_query is not None
        assert parsed.callback_query.message is not None
        assert parsed.callback_query.message.message_id == sent.message_id
    finally:
        await bot.shutdown()


async def test_document_round_trip(sb: Sandbox, app: AppT) -> None:
    sb.user_sends_document(ALICE, "report.txt", b"hello file", caption="/upload now")
    await sb.settle(app)
    assert sb.last(ALICE).text == "got 10 bytes: hello file"
    assert sb.count("getFile") == 1
    user_doc = sb.messages[ALICE][0]
    assert user_doc.document is not None and user_doc.document["file_name"] == "report.txt"
    assert user_doc.content == b"hello file"


async def test_bot_sends_document_and_photo(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        sent = await bot.send_document(
            ALICE, b"a,b\n1,2\n", filename="export.csv", caption="<b>Export</b>", parse_mode="HTML"
        )
        assert sent.document is not None and sent.document.file_name == "export.csv"
        assert sent.caption == "Export"
        msg = sb.last(ALICE)
        assert msg.content == b"a,b\n1,2\n"
        assert msg.plain == "Export"
        file = await bot.get_file(sent.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"a,b\n1,2\n"
        photo = await bot.send_photo(BOB, b"\x89PNG fake", caption="pic")
        assert photo.photo and sb.last(BOB).photo is not None
        assert sb.file_content(photo.photo[-1].file_id) == b"\x89PNG fake"
        copied = await bot.copy_message(BOB, ALICE, sent.message_id)
        assert sb.message(BOB, copied.message_id).content == b"a,b\n1,2\n"
        forwarded = await bot.forward_message(BOB, ALICE, sent.message_id)
        assert forwarded.forward_origin is not None
        # resend by file_id
        again = await bot.send_document(BOB, sent.document.file_id)
        assert again.document is not None and again.document.file_id == sent.document.file_id
    finally:
        await bot.shutdown()


async def test_location(sb: Sandbox, app: AppT) -> None:
    sb.user_sends_location(BOB, 31.2304, 121.4737)
    await sb.settle(app)
    assert sb.last(BOB).text == "at 31.23,121.4737"
    assert sb.messages[BOB][0].location == {"latitude": 31.2304, "longitude": 121.4737}


async def test_my_commands_per_scope_and_language(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
        await bot.set_my_commands(
            [BotCommand("start", "开始")],
            scope=BotCommandScopeAllPrivateChats(),
            language_code="zh",
        )
        await bot.set_my_commands([BotCommand("admin", "Admin")], scope=BotCommandScopeChat(BOB))
        assert [c["command"] for c in sb.commands()] == ["start", "help"]
        assert sb.commands({"type": "all_private_chats"}, "zh") == [
            {"command": "start", "description": "开始"}
        ]
        assert sb.commands({"type": "all_private_chats"}) == []
        assert sb.commands({"type": "chat", "chat_id": BOB})[0]["command"] == "admin"
        got = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="zh")
        assert got[0].description == "开始"
        with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([BotCommand("Start", "x")])
        await bot.delete_my_commands()
        assert sb.commands() == []
        assert await bot.set_my_description("desc")
        assert await bot.set_my_short_description("short", language_code="en")
        assert await bot.set_my_name("Frontline Bot")
        assert (await bot.get_my_name()).name == "Frontline Bot"
        assert (await bot.get_my_short_description("en")).short_description == "short"
        assert await bot.set_chat_menu_button()
    finally:
        await bot.shutdown()


async def test_block_notify_and_pending(sb: Sandbox, app: AppT) -> None:
    sb.block(ALICE, notify=True)
    assert sb.is_blocked(ALICE)
    assert sb.pending_updates() == 1
    await sb.settle(app)
    assert sb.pending_updates() == 0
    sb.unblock(ALICE)
    assert not sb.is_blocked(ALICE)


async def test_get_updates_long_poll_returns_early(sb: Sandbox) -> None:
    bot = await _bare_bot(sb)
    try:
        started = time.monotonic()
        empty = await bot.get_updates(timeout=0.2)
        assert empty == ()
        assert time.monotonic() - started >= 0.15

        async def later() -> None:
            await asyncio.sleep(0.05)
            sb.user_sends(ALICE, "wake up")

        task = asyncio.create_task(later())
        started = time.monotonic()
        updates = await bot.get_updates(timeout=5)
        await task
        assert time.monotonic() - started < 1
        assert len(updates) == 1 and updates[0].message.text == "wake up"
        # not confirmed yet: fetched again; confirmed by offset
        assert len(await bot.get_updates(timeout=0)) == 1
        assert sb.pending_updates() == 1
        assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()
        assert sb.pending_updates() == 0
        with pytest.raises(SandboxError):
            sb.user_sends(ALICE, "nobody polls")
            await sb.wait_delivered(0.05)
    finally:
        await bot.shutdown()


async def test_message_dataclass_helpers() -> None:
    msg = SandboxMessage(
        chat_id=1,
        message_id=2,
        from_bot=True,
        text="<b>a &amp; b</b> &lt;c&gt; &quot;d&quot;",
        parse_mode="HTML",
        reply_markup={
            "inline_keyboard": [
                [{"text": "Go", "callback_data": "go"}, {"text": "Web", "url": "https://x.y"}]
            ]
        },
    )
    assert msg.plain == 'a & b <c> "d"'
    assert msg.buttons == [[("Go", "go"), ("Web", "https://x.y")]]
    msg.parse_mode = None
    assert msg.plain == msg.text


async def test_unknown_user_is_a_test_bug(sb: Sandbox) -> None:
    with pytest.raises(SandboxError):
        sb.user_sends(777, "hi")
    with pytest.raises(SandboxError):
        sb.user_sends(ALICE, "hi", chat_id=-5)
    with pytest.raises(ValueError, match="unknown fault kind"):
        sb.fail("sendMessage", "418")


#: The Bot API methods PTB's Bot calls on the sandbox in Frontline's code paths: the Updater
#: (getMe, deleteWebhook, getUpdates), start-up (setMyCommands), the handlers (sendMessage,
#: editMessage*, answerCallbackQuery, getFile, sendDocument, sendPhoto) and the outbox
#: (sendMessage, sendPhoto, sendDocument). Recorded once over the whole suite through
#: Sandbox.handle; the suite's own tests of the sandbox call the others.
OUR_CODE_CALLS = frozenset({
    "getMe", "deleteWebhook", "getUpdates", "setMyCommands", "sendMessage", "sendPhoto",
    "sendDocument", "editMessageText", "editMessageCaption", "editMessageReplyMarkup",
    "answerCallbackQuery", "getFile",
})


async def test_every_method_is_registered_once_and_the_dispatcher_reads_the_table(
        sb: Sandbox) -> None:
    assert sorted(OUR_CODE_CALLS - METHODS.keys()) == []
    # each name is a real Bot API method (PTB's Bot has its camelCase alias)
    assert [name for name in METHODS if not hasattr(Bot, name)] == []
    # a name answers to one function: a second registration is refused and changes nothing
    with pytest.raises(RuntimeError, match="sendMessage registered twice"):
        method("sendWhatever", "sendMessage")(messages.send_location)
    assert METHODS["sendMessage"] is messages.send_message
    assert "sendWhatever" not in METHODS
    # the dispatcher answers every registered method (here without parameters: an answer or
    # Telegram's refusal, never "not found")
    for name in sorted(METHODS):
        status, body = await sb.handle(f"https://api.telegram.org/bot{sb.token}/{name}",
                                       "POST", None)
        assert status != 404, name
        assert status in (200, 400), (name, body)
    status, body = await sb.handle(f"https://api.telegram.org/bot{sb.token}/frobnicate",
                                   "POST", None)
    assert (status, body) == (404, b'{"ok": false, "error_code": 404, "description": '
                                   b'"Not Found"}')

