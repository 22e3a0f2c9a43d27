"""`/import roster` in chat, end to end through the sandbox: CSV and XLSX in Chinese and
English, the preview, the confirmation, re-imports that update and never duplicate, joined
members not moved, bad rows by line, only the good rows."""

from __future__ import annotations

import io
import json

from bot.sandbox.harness import SandboxBot
from storage.roster import RosterEntry
from tests.e2e.org.steps import import_counts
from tests.helpers import MEM_A1, MEM_A2, SEC_A, Org, t

CAPTION = "/import roster"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


async def waiting(bot: SandboxBot, branch: int) -> list[tuple[str, str | None, str, str]]:
    """(name, phone, branch name, role) of the people of the subtree not yet joined."""
    return sorted((e.name, e.phone, e.branch_name, e.role)
                  for e in await bot.store.roster.waiting(branch))


async def entries(bot: SandboxBot, branch: int) -> list[RosterEntry]:
    return await bot.store.roster.waiting(branch)


async def audited(bot: SandboxBot) -> list[dict[str, object]]:
    return [json.loads(detail or "{}") for _, _, action, _, allowed, detail
            in await bot.store.audit.entries() if action == "roster_import" and allowed]


ROSTER = ("姓名,手机,支部,身份,住址\n"
          "王芳,138 0013 8000,Root/Alpha/Alpha-1,书记,东湖路1号\n"  # the full path
          "李强,13900000002,Alpha-1,,\n"                           # a bare name
          "赵敏,,,,东湖路3号\n")                                    # no branch: Alpha's own


async def test_a_csv_is_previewed_then_imported_in_chinese(bot: SandboxBot, org: Org) -> None:
    preview = await bot.send_document(SEC_A, ROSTER.encode("gb18030"), "名册.csv", CAPTION)
    assert preview.plain.startswith(t(
        "rosterimport.preview", file="名册.csv", rows=3, counts=import_counts(new=3)))
    assert t("rosterimport.ask") in preview.plain
    assert [label for label, _ in preview.button_list] == [
        t("rosterimport.button_ok"), t("rosterimport.button_cancel")]
    assert all(len((data or "").encode()) <= 64 for _, data in preview.button_list)
    assert await waiting(bot, org.root) == []  # nothing before the answer
    assert await audited(bot) == []

    done = await bot.press(SEC_A, t("rosterimport.button_ok"))
    assert t("rosterimport.done", branch="Alpha", file="名册.csv",
        counts=import_counts(new=3)) in done.plain
    assert t("rosterimport.waiting", n=3, id=org.a) in done.plain
    assert "/links" in done.plain and "/link " in done.plain
    assert await waiting(bot, org.root) == [
        ("李强", "13900000002", "Alpha-1", "member"), ("王芳", "13800138000", "Alpha-1",
                                                     "secretary"),
        ("赵敏", None, "Alpha", "member")]
    notes = {e.name: dict(e.notes) for e in await entries(bot, org.root)}
    assert notes == {"王芳": {"住址": "东湖路1号"}, "李强": {}, "赵敏": {"住址": "东湖路3号"}}
    assert bot.sandbox.message(SEC_A, preview.message_id).buttons == []
    assert await audited(bot) == [{"rows": 3, "new": 3, "updated": 0, "unchanged": 0,
                                   "not_moved": 0, "skipped": 0, "file": "名册.csv",
                                   "only_good": False}]
    actors = [e[1] for e in await bot.store.audit.entries() if e[2] == "roster_import"]
    assert actors == [SEC_A]


async def test_an_xlsx_in_english_headers_in_any_case_and_order(bot: SandboxBot,
                                                                 org: Org) -> None:
    await bot.send(SEC_A, "/lang en")
    data = xlsx([["ROLE", "Branch", "Name", "Phone", "Shift"],
                 ["secretary", "Alpha-1", "Wang Fang", 13800138000, "night"],
                 [None],
                 ["member", "#" + str(org.a), "Li Qiang", None, None]])
    preview = await bot.send_document(SEC_A, data, "roster.xlsx", CAPTION, mime_type=XLSX)
    assert preview.plain.startswith(t(
        "rosterimport.preview", "en", file="roster.xlsx", rows=2,
            counts=import_counts("en", new=2)))
    assert "Roster roster.xlsx: 2 rows. 2 new." in preview.plain  # no "0 updated, ..."
    done = await bot.press(SEC_A, "Import")
    assert "imported from roster.xlsx: 2 new.\n" in done.plain
    assert t("rosterimport.waiting", "en", n=2, id=org.a) in done.plain
    assert await waiting(bot, org.a) == [("Li Qiang", None, "Alpha", "member"),
                                         ("Wang Fang", "13800138000", "Alpha-1", "secretary")]
    shifts = {e.name: dict(e.notes) for e in await entries(bot, org.a)}
    assert shifts == {"Wang Fang": {"Shift": "night"}, "Li Qiang": {}}


async def test_importing_again_updates_and_never_duplicates(bot: SandboxBot, org: Org) -> None:
    await bot.send_document(SEC_A, ROSTER.encode(), "名册.csv", CAPTION)
    await bot.press(SEC_A, t("rosterimport.button_ok"))
    ids = {e.name: e.id for e in await entries(bot, org.root)}

    again = await bot.send_document(SEC_A, ROSTER.encode(), "名册.csv", CAPTION)
    assert again.plain.startswith(t("rosterimport.preview", file="名册.csv", rows=3,
        counts=import_counts(unchanged=3)))
    assert t("rosterimport.nothing_to_do") in again.plain and not again.buttons

    changed = ("姓名,手机,支部,身份,住址\n"
               "王芳芳,13800138000,Alpha,成员,东湖路9号\n"  # by phone: renamed, moved, demoted
               "李强,+86 139 0000 0002,Alpha-1,,\n"        # by phone, written another way
               "赵敏,13700000003,Alpha,,东湖路3号\n"        # by name in Alpha: a phone added
               "钱七,,Alpha-1,,\n")                         # new
    preview = await bot.send_document(SEC_A, changed.encode(), "新名册.csv", CAPTION)
    assert preview.plain.startswith(t("rosterimport.preview", file="新名册.csv", rows=4,
        counts=import_counts(new=1, updated=2, unchanged=1)))
    await bot.press(SEC_A, t("rosterimport.button_ok"))
    assert await waiting(bot, org.root) == [
        ("李强", "13900000002", "Alpha-1", "member"), ("王芳芳", "13800138000", "Alpha", "member"),
        ("赵敏", "13700000003", "Alpha", "member"), ("钱七", None, "Alpha-1", "member")]
    after = {e.name: e for e in await entries(bot, org.root)}
    assert after["王芳芳"].id == ids["王芳"] and after["赵敏"].id == ids["赵敏"]
    assert dict(after["王芳芳"].notes) == {"住址": "东湖路9号"}
    # A file without free columns keeps the notes, and an empty phone keeps the phone.
    bare = "姓名,支部\n赵敏,Alpha\n"
    preview = await bot.send_document(SEC_A, bare.encode(), "bare.csv", CAPTION)
    assert t("rosterimport.nothing_to_do") in preview.plain
    assert [a["new"] for a in await audited(bot)] == [1, 3]


async def test_members_who_joined_are_updated_but_not_moved(bot: SandboxBot, org: Org) -> None:
    await bot.store.db.execute("UPDATE members SET phone = '13800000001' WHERE id = ?",
                               (MEM_A2,))
    roster = ("name,phone,branch,role,note\n"
              "Mia,,Alpha,secretary,\n"           # by Telegram name in Alpha: a new role
              "Maxime,13800000001,Alpha-1,,\n"    # Max by phone: renamed, another branch
              "Nina,,Alpha,,\n")
    preview = await bot.send_document(SEC_A, roster.encode(), "r.csv", CAPTION)
    assert preview.plain.startswith(t("rosterimport.preview", file="r.csv", rows=3,
        counts=import_counts(new=1, not_moved=2)))
    assert t("rosterimport.not_moved") in preview.plain
    assert t("rosterimport.not_moved_line", line=2, name="Mia", branch="Alpha",
             role=t("role.member"), wanted_branch="Alpha",
             wanted_role=t("role.secretary")) in preview.plain
    assert t("rosterimport.not_moved_line", line=3, name="Maxime", branch="Alpha",
             role=t("role.member"), wanted_branch="Alpha-1",
             wanted_role=t("role.member")) in preview.plain
    await bot.press(SEC_A, t("rosterimport.button_ok"))
    mia, maxime = (await bot.store.people.get(MEM_A1), await bot.store.people.get(MEM_A2))
    assert mia is not None and maxime is not None
    assert (mia.branch_id, mia.role) == (org.a, "member")
    assert (maxime.branch_id, maxime.role, maxime.display_name) == (org.a, "member", "Maxime")
    assert await waiting(bot, org.root) == [("Nina", None, "Alpha", "member")]
    # The same file again: nothing is new, the two are still listed, not moved.
    again = await bot.send_document(SEC_A, roster.encode(), "r.csv", CAPTION)
    assert again.plain.startswith(t("rosterimport.preview", file="r.csv", rows=3,
        counts=import_counts(unchanged=1, not_moved=2)))


async def test_bad_rows_by_line_then_only_the_good_ones(bot: SandboxBot, org: Org) -> None:
    now = bot.clock.now()
    await bot.store.branches.create("一组", org.a, at=now)
    await bot.store.branches.create("一组", org.a1, at=now)
    roster = ("姓名,手机,支部,身份\n"
              "王芳,13800138000,Alpha-1,\n"    # 2: good
              ",13800138001,Alpha,\n"          # 3: no name
              "李强,,东湖,\n"                  # 4: no such branch
              "赵敏,,Beta,\n"                  # 5: outside Alpha's subtree
              "钱七,,一组,\n"                  # 6: two 一组 in the subtree
              "孙八,12ab,Alpha,\n"             # 7: not a phone
              "周九,138-0013-8000,Alpha,\n"    # 8: the phone of line 2
              "吴十,,Alpha,队长\n"             # 9: no such role
              "郑一,,Alpha-1/一组,\n")          # 10: good: the path tells the 一组
    preview = await bot.send_document(SEC_A, roster.encode(), "bad.csv", CAPTION)
    text = preview.plain
    assert text.startswith(t("rosterimport.preview", file="bad.csv", rows=9,
        counts=import_counts(new=2, errors=7)))
    def line(number: int, key: str, **values: object) -> str:
        return t("rosterimport.line", line=number, reason=t(f"rosterimport.reason.{key}",
                                                            **values))

    ids = " ".join(f"#{b.id}" for b in sorted(await bot.store.branches.subtree(org.a),
                                              key=lambda b: b.id) if b.name == "一组")
    for expected in (line(3, "empty_name"), line(4, "unknown_branch", value="东湖"),
                     line(5, "branch_outside", value="Beta"),
                     line(6, "ambiguous_branch", value="一组", n=2, ids=ids),
                     line(7, "bad_phone", value="12ab"),
                     line(8, "phone_twice", phone="138-0013-8000", first=2),
                     line(9, "unknown_role", value="队长",
                          words="成员 / 书记 / member / secretary")):
        assert expected in text, expected
    assert text.index("第 3 行") < text.index("第 9 行")
    assert [label for label, _ in preview.button_list] == [
        t("rosterimport.button_good", n=2), t("rosterimport.button_cancel")]
    assert await waiting(bot, org.root) == []
    await bot.press(SEC_A, t("rosterimport.button_good", n=2))
    assert [name for name, *_ in await waiting(bot, org.root)] == ["王芳", "郑一"]
    assert [(a["new"], a["skipped"], a["only_good"]) for a in await audited(bot)] == [
        (2, 7, True)]


async def test_bad_rows_in_english_and_a_file_refused_whole(bot: SandboxBot, org: Org) -> None:
    await bot.send(SEC_A, "/lang en")
    roster = "name,phone\nWang,123456789012345678\n,\nLi,\n"
    preview = await bot.send_document(SEC_A, roster.encode(), "bad.csv", CAPTION)
    assert "line 2: '123456789012345678' is not a phone number" in preview.plain
    assert preview.button_list[0][0] == "Import only the 1 good row"
    headless = await bot.send_document(SEC_A, b"phone,branch\n1380013800,Alpha\n", "h.csv",
                                       CAPTION)
    assert headless.plain.startswith("❗ Cannot import h.csv: line 1: missing from the "
                                     "columns: name")
    assert not headless.buttons
    old = await bot.send_document(SEC_A, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "r.xls",
                                  CAPTION)
    assert "old Excel .xls file" in old.plain and not old.buttons
    cancelled = await bot.press(SEC_A, "Cancel")  # the first preview's
    assert cancelled.plain == t("rosterimport.cancelled", "en")
    assert await waiting(bot, org.root) == []


async def test_a_leaders_title_is_a_role(bot: SandboxBot, org: Org) -> None:
    await bot.store.db.execute("UPDATE branches SET leader_title = '组长' WHERE id = ?",
                               (org.a1,))
    roster = "姓名,支部,身份\n王芳,Alpha-1,组长\n李强,Alpha,组长\n"
    preview = await bot.send_document(SEC_A, roster.encode(), "r.csv", CAPTION)
    assert t("rosterimport.line", line=3, reason=t(
        "rosterimport.reason.unknown_role", value="组长",
        words="成员 / 书记 / member / secretary")) in preview.plain
    await bot.press(SEC_A, t("rosterimport.button_good", n=1))
    assert await waiting(bot, org.root) == [("王芳", None, "Alpha-1", "secretary")]


async def test_a_members_standing_reads_as_member(bot: SandboxBot, org: Org) -> None:
    """Rosters say 党员 or 群众 in their 身份 column, not 成员: those are members; 副书记 leads
    beside the secretary; a word the bot does not know is still refused, not guessed."""
    roster = ("姓名,支部,身份\n王芳,Alpha,党员\n李强,Alpha,群众\n赵敏,Alpha,副书记\n"
              "钱七,Alpha,队长\n")
    preview = await bot.send_document(SEC_A, roster.encode(), "r.csv", CAPTION)
    assert t("rosterimport.line", line=5, reason=t(
        "rosterimport.reason.unknown_role", value="队长",
        words="成员 / 书记 / member / secretary")) in preview.plain
    assert "第 2 行" not in preview.plain and "第 4 行" not in preview.plain
    await bot.press(SEC_A, t("rosterimport.button_good", n=3))
    assert await waiting(bot, org.root) == [("李强", None, "Alpha", "member"),
                                            ("王芳", None, "Alpha", "member"),
                                            ("赵敏", None, "Alpha", "secretary")]
