"""`/import households` in chat, end to end through the sandbox: CSV, GBK, XLSX, bad rows."""

from __future__ import annotations

import io
import json
import re

from bot.i18n import catalog
from bot.rules.households import MAX_BYTES
from bot.sandbox.harness import SandboxBot
from handlers.core.replies import TEXT_LIMIT, utf16_len
from tests.helpers import MEM_A1, MEM_A1X, MEM_A2, ROOT, SEC_A, SEC_B, Org

CAPTION = "/import households"
HEADER = "zone,label,address,people,notes,responsible\n"
GOOD = (HEADER
        + "Building 1,1-101,1 Lake Road,2,,@mia\n"
        + "Building 1,1-102,1 Lake Road,1,elderly living alone,@max\n"
        + "Building 2,2-201,2 Lake Road,4,,@mo\n")  # Mo is in Alpha-1, below Alpha
BAD = (HEADER
       + "Building 1,1-101,a,2,,@mia\n"
       + "Building 1,1-102,a,<i>,,@mia\n"         # line 3: people not a number (and HTML)
       + "Building 1,1-103,a,1,,@mel\n"           # line 4: Mel is in Beta
       + "Building 2,2-201,a,1,,@max\n")


def xlsx(rows: list[list[object]]) -> bytes:
    """A one-sheet workbook with `rows` from A1."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _households(bot: SandboxBot, branch: int) -> list[tuple[str, str, int, int | None]]:
    return [(h.zone, h.label, h.people, h.responsible_id)
            for h in await bot.store.households.of_branch(branch)]


async def _imports_audited(bot: SandboxBot) -> list[dict[str, object]]:
    return [json.loads(detail or "{}") for _, _, action, _, allowed, detail
            in await bot.store.audit.entries() if action == "households_import" and allowed]


def _alert(bot: SandboxBot) -> str:
    """The text of the last answer to a button press."""
    return str(list(bot.sandbox.callback_answers.values())[-1].get("text", ""))


async def test_good_csv_upload_in_chinese(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send_document(SEC_A, GOOD.encode(), "households.csv", CAPTION)
    assert "已从 households.csv 导入“Alpha”的住户：新增 3 户，更新 0 户" in reply.plain
    assert "责任区：Building 1、Building 2" in reply.plain
    assert await _households(bot, org.a) == [
        ("Building 1", "1-101", 2, MEM_A1), ("Building 1", "1-102", 1, MEM_A2),
        ("Building 2", "2-201", 4, MEM_A1X)]
    reply = await bot.send_document(SEC_A, GOOD.encode(), "households.csv", CAPTION)
    assert "新增 0 户，更新 3 户" in reply.plain
    assert len(await _households(bot, org.a)) == 3
    audited = await _imports_audited(bot)
    assert [(a["created"], a["updated"], a["file"]) for a in audited] == [
        (0, 3, "households.csv"), (3, 0, "households.csv")]


async def test_gbk_csv_with_chinese_headers_into_a_sub_branch(bot: SandboxBot, org: Org) -> None:
    data = ("网格,门牌,地址,人数,备注,责任人\n"
            "一号楼,1-101,东湖路1号,2,独居老人,@mo\n"
            "一号楼,1-102,东湖路1号,３,,303\n").encode("gbk")
    caption = f"/import@{bot.sandbox.bot_username} households #{org.a1}"
    reply = await bot.send_document(SEC_A, data, "住户.csv", caption)
    assert "导入“Alpha-1”的住户：新增 2 户，更新 0 户" in reply.plain
    assert "责任区：一号楼" in reply.plain
    assert await _households(bot, org.a1) == [("一号楼", "1-101", 2, MEM_A1X),
                                              ("一号楼", "1-102", 3, MEM_A1X)]
    assert await _households(bot, org.a) == []


async def test_xlsx_upload(bot: SandboxBot, org: Org) -> None:
    data = xlsx([["区域", "门牌", "地址", "人数", "备注", "责任人"],
                 ["一号楼", 101, "东湖路1号", 2.0, None, "@mia"],
                 [None],
                 ["二号楼", "201", None, 5, "居家隔离", 302]])
    reply = await bot.send_document(
        SEC_A, data, "households.xlsx", CAPTION,
        mime_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "新增 2 户，更新 0 户" in reply.plain
    assert "责任区：一号楼、二号楼" in reply.plain
    assert await _households(bot, org.a) == [("一号楼", "101", 2, MEM_A1),
                                             ("二号楼", "201", 5, MEM_A2)]
    broken = await bot.send_document(SEC_A, data[:200], "broken.xlsx", CAPTION)
    assert "无法读取这个 Excel .xlsx 工作簿" in broken.plain
    assert "未导入任何住户" in broken.plain and not broken.buttons
    assert len(await _households(bot, org.a)) == 2


async def test_bad_rows_in_chinese_then_import_the_good_ones(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send_document(SEC_A, BAD.encode(), "bad.csv", CAPTION)
    assert "bad.csv 中有 2 处问题，未导入任何住户" in reply.plain
    assert "第 3 行：人数须为 0 到 999 的整数，这里是“<i>”" in reply.plain
    assert "第 4 行：责任人 @mel 不是本支部或下级支部的成员" in reply.plain
    assert "其余 2 行没有问题" in reply.plain
    assert [b[0] for b in reply.button_list] == ["导入 2 行无误的住户", "取消"]
    assert all(len((b[1] or "").encode()) <= 64 for b in reply.button_list)
    assert await _households(bot, org.a) == []
    bad_message = reply.message_id
    ok_data = reply.button_list[0][1]
    assert ok_data is not None

    done = await bot.press(SEC_A, "导入 2 行无误的住户")
    assert "新增 2 户，更新 0 户" in done.plain and "已跳过 2 行" in done.plain
    assert await _households(bot, org.a) == [("Building 1", "1-101", 2, MEM_A1),
                                             ("Building 2", "2-201", 1, MEM_A2)]
    assert bot.sandbox.message(SEC_A, bad_message).buttons == []  # the buttons are gone
    assert [a["confirmed"] for a in await _imports_audited(bot)] == [True]

    # A second press (say, from a stale client) finds nothing and writes nothing.
    bot.sandbox.user_presses(SEC_A, bad_message, ok_data, check=False)
    await bot.settle()
    assert "已处理或已过期" in _alert(bot)
    assert len(await _households(bot, org.a)) == 2
    assert len(await _imports_audited(bot)) == 1


async def test_bad_rows_in_english(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/lang en")
    reply = await bot.send_document(SEC_A, BAD.encode(), "bad.csv", CAPTION)
    assert "bad.csv has 2 problems; nothing was imported" in reply.plain
    assert "line 3: people must be a whole number from 0 to 999, got '<i>'" in reply.plain
    assert ("line 4: responsible @mel is not a member of this branch or a branch below it"
            in reply.plain)
    assert [b[0] for b in reply.button_list] == ["Import the 2 good rows", "Cancel"]
    assert await _households(bot, org.a) == []
    done = await bot.press(SEC_A, "Import the 2 good rows")
    assert "2 created, 0 updated" in done.plain and "Zones: Building 1, Building 2" in done.plain
    assert len(await _households(bot, org.a)) == 2


async def test_cancel_writes_nothing(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send_document(SEC_A, BAD.encode(), "bad.csv", CAPTION)
    ok_data = reply.button_list[0][1]
    assert ok_data is not None
    cancelled = await bot.press(SEC_A, "取消")
    assert "已取消，未导入任何住户" in cancelled.plain
    bot.sandbox.user_presses(SEC_A, reply.message_id, ok_data, check=False)
    await bot.settle()
    assert "已处理或已过期" in _alert(bot)
    assert await _households(bot, org.a) == []
    assert await _imports_audited(bot) == []


async def test_confirm_rechecks_rights(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send_document(SEC_A, BAD.encode(), "bad.csv", CAPTION)
    ok_data = reply.button_list[0][1]
    assert ok_data is not None
    # Someone else pressing a forged copy of the button is not the uploader.
    bot.sandbox.user_presses(SEC_B, reply.message_id, ok_data, chat_id=SEC_B, check=False)
    await bot.settle()
    assert "已处理或已过期" in _alert(bot)
    assert await _households(bot, org.a) == []
    # The uploader stops being a secretary before pressing: refused, nothing written.
    await bot.store.people.set_membership(SEC_A, org.a, "member", at=bot.clock.now())
    await bot.press(SEC_A, "导入 2 行无误的住户")
    assert "不在你负责的范围内" in _alert(bot)
    assert await _households(bot, org.a) == []
    assert await _imports_audited(bot) == []


async def test_no_good_rows_offers_no_button(bot: SandboxBot, org: Org) -> None:
    data = (HEADER + "".join(f"B,{n},a,none,,@mia\n" for n in range(400))).encode()
    before = len(bot.sandbox.bot_messages(SEC_A))
    reply = await bot.send_document(SEC_A, data, "zeros.csv", CAPTION)
    assert "zeros.csv 中有 400 处问题" in reply.plain
    assert "第 2 行：人数须为" in reply.plain
    match = re.search(r"……还有 (\d+) 处", reply.plain)
    assert match is not None
    shown = len(re.findall(r"第 \d+ 行", reply.plain))
    assert shown + int(match.group(1)) == 400
    assert utf16_len(reply.text or "") <= TEXT_LIMIT
    assert "请修改文件后重新发送" in reply.plain and not reply.buttons
    assert len(bot.sandbox.bot_messages(SEC_A)) == before + 1
    assert await _households(bot, org.a) == []


async def test_over_10_mb_is_refused_before_downloading(bot: SandboxBot, org: Org) -> None:
    data = GOOD.encode() + b"B,x,a,1,,@mia\n" * (MAX_BYTES // 14 + 1)
    assert len(data) > MAX_BYTES
    reply = await bot.send_document(SEC_A, data, "big.csv", CAPTION)
    assert "这个文件有 10.0 MB，上限为 10 MB" in reply.plain
    assert bot.sandbox.count("getFile") == 0
    assert await _households(bot, org.a) == []


async def test_usage(bot: SandboxBot, org: Org) -> None:
    for caption in (None, "households", "/import", "/import zones", "/import households 2",
                    "/import households #1 extra"):
        reply = await bot.send_document(SEC_A, GOOD.encode(), "h.csv", caption)
        assert "/import households" in reply.plain and "作为文件" in reply.plain, caption
    for text in ("/import", "/import zones", "/import households"):
        reply = await bot.send(SEC_A, text)
        assert "作为文件发给我" in reply.plain, text
    assert bot.sandbox.count("getFile") == 0
    assert await _households(bot, org.a) == []
    assert "/import households — 发送 CSV 或 Excel" in (await bot.send(SEC_A, "/help")).plain
    assert "/import" not in (await bot.send(MEM_A1, "/help")).plain


async def test_member_is_refused(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send_document(MEM_A1, GOOD.encode(), "h.csv", CAPTION)
    assert "只有「Alpha」的书记才能使用 /import" in reply.plain
    reply = await bot.send(MEM_A1, "/import households")
    assert "只有「Alpha」的书记才能使用 /import" in reply.plain
    assert bot.sandbox.count("getFile") == 0
    assert await _households(bot, org.a) == []
    assert await _imports_audited(bot) == []


async def test_secretary_of_another_branch_cannot_target_it(bot: SandboxBot, org: Org) -> None:
    reply = await bot.send_document(SEC_B, GOOD.encode(), "h.csv", f"{CAPTION} #{org.a}")
    assert "「Alpha」不在你负责的范围内" in reply.plain
    assert bot.sandbox.count("getFile") == 0
    assert await _households(bot, org.a) == []
    assert await _households(bot, org.b) == []


def test_every_reason_key_exists() -> None:
    folder = ROOT / "bot" / "rules" / "households"
    source = "".join(path.read_text("utf-8") for path in sorted(folder.glob("*.py")))
    keys = set(re.findall(r"(?:RowError|Unreadable)\([\w.]+, \"(\w+)\"", source))
    keys |= set(re.findall(r"Reason\(\"(\w+)\"", source))
    assert len(keys) > 15
    for language in ("zh", "en"):
        assert sorted(k for k in keys if f"imports.reason.{k}" not in catalog(language)) == []


async def test_backup_column_in_chat(bot: SandboxBot, org: Org) -> None:
    data = xlsx([["区域", "门牌", "人数", "责任人", "备岗"],
                 ["一号楼", "101", 2, "@mia", "@max"],
                 ["一号楼", "102", 1, "@mia", "@mia"],       # 3: backup is the responsible
                 ["一号楼", "103", 1, "@max", "@mel"]])      # 4: Mel is in Beta
    reply = await bot.send_document(SEC_A, data, "backup.xlsx", CAPTION)
    assert "backup.xlsx 中有 2 处问题" in reply.plain
    assert "第 3 行：备岗 @mia 就是责任人，请填另一位成员或留空" in reply.plain
    assert "第 4 行：备岗 @mel 不是本支部或下级支部的成员" in reply.plain
    done = await bot.press(SEC_A, "导入 1 行无误的住户")
    assert "新增 1 户" in done.plain
    assert [(h.label, h.responsible_id, h.backup_id)
            for h in await bot.store.households.of_branch(org.a)] == [("101", MEM_A1, MEM_A2)]
    # Max sees it as its backup; a CSV without the backup clears it.
    assert "101 · 2 人 · 备岗" in (await bot.send(MEM_A2, "/households")).plain
    csv = "zone,label,people,responsible,backup\n一号楼,101,2,@mia,\n"
    await bot.send(SEC_A, "/lang en")
    reply = await bot.send_document(SEC_A, csv.encode(), "h.csv", CAPTION)
    assert "0 created, 1 updated" in reply.plain
    assert [h.backup_id for h in await bot.store.households.of_branch(org.a)] == [None]
    bad = "zone,label,people,responsible,backup\n一号楼,101,2,@mia,303\n"
    reply = await bot.send_document(SEC_A, bad.encode(), "h.csv", CAPTION)
    assert "line 2: backup 303 is the responsible" not in reply.plain  # Mo is below Alpha
    assert "0 created, 1 updated" in reply.plain
    bad = "zone,label,people,responsible,backup\n一号楼,101,2,301,@MIA\n"
    reply = await bot.send_document(SEC_A, bad.encode(), "h.csv", CAPTION)
    assert ("line 2: backup @MIA is the responsible member; name another member or leave it"
            " empty" in reply.plain)  # quoted as written
