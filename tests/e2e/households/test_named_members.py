"""A households file (and `/household add`) names its responsible and backup members as every
command does: a whole name (the organization's or Telegram's), an @username, a phone or an id,
unique in the branch's subtree; a name two members share is a row error naming both; a cell is
quoted back as written, never with an "@" the secretary did not type (issue 13)."""

from __future__ import annotations

from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A1, MEM_A2, SEC_A, Org, build_org, t

CAPTION = "/import households"
WEI, FANG_A, FANG_A1 = 9201, 9202, 9203  # 张伟 in Alpha-1; 王芳 in Alpha and in Alpha-1


async def _people(bot: SandboxBot, org: Org) -> None:
    for user_id, name, branch in ((WEI, "张伟", org.a1), (FANG_A, "王芳", org.a),
                                  (FANG_A1, "王芳", org.a1)):
        bot.user(user_id, name, username=None)
        await bot.join(user_id, branch, "member")
    await bot.store.db.execute("UPDATE members SET name = '马克思', phone = '13800138000'"
                               " WHERE id = ?", (MEM_A2,))


async def _held(bot: SandboxBot, branch: int) -> list[tuple[str, int, int | None]]:
    return [(h.label, h.responsible_id, h.backup_id)
            for h in await bot.store.households.of_branch(branch)]


SHEET = ("区域,门牌,人数,责任人,备岗\n"
         "一号楼,101,2,张伟,\n"               # a plain name, in a sub-branch
         "一号楼,102,1,138 0013 8000,Mia\n"  # a phone (spaced), a Telegram name
         "一号楼,103,1,王芳,\n"               # two members: the row names both
         "一号楼,104,1,李四,马克思\n"          # nobody: quoted as written, no "@" added
         "一号楼,105,1,@mia,mia\n")           # one member named two ways


async def test_a_file_names_members_by_name_and_phone(bot: SandboxBot, org: Org) -> None:
    await _people(bot, org)
    reply = await bot.send_document(SEC_A, SHEET.encode(), "h.csv", CAPTION)
    fits = "王芳 · Alpha #9202 / 王芳 · Alpha-1 #9203"
    assert t("imports.line", line=4, reason=t("imports.reason.ambiguous", who="王芳",
                                              names=fits)) in reply.plain
    assert t("imports.line", line=5, reason=t("imports.reason.not_member", who="李四")) \
        in reply.plain
    assert t("imports.line", line=6, reason=t("imports.reason.backup_is_responsible",
                                              who="mia")) in reply.plain
    assert "@李四" not in reply.plain and "@王芳" not in reply.plain
    done = await bot.press(SEC_A, t("imports.button_ok", n=2))
    assert "新增 2 户" in done.plain
    assert await _held(bot, org.a) == [("101", WEI, None), ("102", MEM_A2, MEM_A1)]


async def test_in_english_and_one_household_in_chat(bot: SandboxBot) -> None:
    org = await build_org(bot, english=(SEC_A,))
    await _people(bot, org)
    reply = await bot.send_document(SEC_A, SHEET.encode(), "h.csv", CAPTION)
    assert t("imports.reason.ambiguous", "en", who="王芳",
             names="王芳 · Alpha #9202 / 王芳 · Alpha-1 #9203") in reply.plain
    assert t("imports.reason.not_member", "en", who="李四") in reply.plain
    added = await bot.send(SEC_A, "/household add 二号楼, 201, , 3, , 张伟, 马克思")
    assert added.plain.startswith(t("household.created", "en", branch="Alpha"))
    assert await _held(bot, org.a) == [("201", WEI, MEM_A2)]
    refused = await bot.send(SEC_A, "/household add 二号楼, 202, , 3, , 王芳")
    assert refused.plain == t("household.problems", "en", reasons=t(
        "imports.reason.ambiguous", "en", who="王芳",
        names="王芳 · Alpha #9202 / 王芳 · Alpha-1 #9203"))
