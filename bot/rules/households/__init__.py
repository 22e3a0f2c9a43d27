"""Importing households from a CSV or XLSX file: decoding, columns, row checks, all-or-nothing.

The rules, decided here once for the CLI and the chat upload (`/import households`):

- **Size**: a file over `MAX_BYTES` (10 MB) is refused before it is read further; so is
  one of more than `MAX_ROWS` (200,000) households, about what a 10 MB CSV holds.
- **Format**: a file whose bytes are a ZIP (`PK\\x03\\x04`) or whose name ends in `.xlsx` is an
  Excel workbook; an old binary `.xls` is refused with a hint; anything else is CSV text.
- **Encoding** (CSV): UTF-8, with or without a byte-order mark; otherwise GB18030 (a superset
  of GBK and GB2312, what Excel on a Chinese Windows writes). Anything else is refused.
- **Layout** (CSV): separated by commas, semicolons, tabs or Chinese commas "，" (the one
  that splits the header into the most known column names; a tie is the comma), first
  line the header, quoted fields as Excel writes them.
  Blank lines are skipped. Line numbers are the file's own (the header is line 1), so a
  secretary can find the row in their editor.
- **Layout** (XLSX): the first sheet, read with openpyxl in read-only mode; the first non-empty
  row is the header and line numbers are the sheet's row numbers. Cells become text (a whole
  number stored as 3.0 reads "3", an empty cell ""). A cell Excel keeps as a date (a label
  "3-1" typed into a General cell becomes 1 March) reads as the sheet shows it, its number
  format applied ("m-d" gives "3-1", 'm"月"d"日"' gives "3月1日"); where that text cannot be
  told exactly (Excel's built-in short date, shown in the computer's own style; another
  calendar) the row is refused, naming the column and the date, with the advice to format
  the column as Text (`bot.rules.households.shown`). Only the first `MAX_COLUMNS` columns are
  read. A sheet may have at most `MAX_SHEET_ROWS` (50,000) rows: reading a workbook costs
  about ten times what a CSV line does, so the refusal suggests saving it as CSV. What a
  workbook may cost to read (unpacked sizes, shared strings, CPU) is bounded before
  openpyxl parses anything; see `bot.rules.households.files`.
- **Columns** (header names, case and surrounding spaces ignored; English or Chinese):
  `zone` 区域/网格/片区, `label` 户/门牌/门牌号/户号, `address` 地址, `people` 人数,
  `notes` 备注, `responsible` 责任人, `backup` 备岗/备岗人/后备责任人. zone, label, people
  and responsible are required; address, notes and backup may be left out. Other columns
  are ignored.
- **Rows**: zone and label non-empty; people a whole number from 0 (an empty flat,
  recorded as such) to `MAX_PEOPLE`;
  responsible a member of the branch or a branch below it, named as every command names
  one (`bot.rules.naming`): a whole name (the organization's or Telegram's), an @username
  (the @ optional), a phone number or a Telegram id, fitting exactly one member (else the
  row names the candidates; a cell is quoted back as written); backup, if not empty, the
  same and not the responsible one (however each is named); a (zone, label) pair at most
  once in the file.
- **Vulnerable**: a household whose notes mention living alone, old age, disability or
  quarantine (`VULNERABLE_WORDS`) is flagged vulnerable, so coverage wants it daily.
- **Writing** (`bot.rules.households.imports`): nothing is written unless every row is good;
  `only_good=True` writes the good rows anyway (after the secretary confirms). Households
  are upserted by (zone, label) and zones created as needed, all or nothing, in short
  pieces that never hold the writer's lock long (see `storage.household_imports`). Every
  column is written on an update: an empty backup (or no backup column) clears the
  household's backup.
- **One row in chat** (`/household add`): the same columns in the same order
  (`ROW_COLUMNS`), separated by `,` or the Chinese `，` (`split_fields`), checked and
  written by the same code as a file's row (`save_household`); only the zone is matched
  ignoring case, to an existing zone of the branch, as `/zone` matches names.
- **Reasons** are catalog keys (`imports.reason.*`) with values, rendered in the reader's
  language by `RowError.render`, so the CLI and the chat share them.

The package: `files` (bytes into records), `shown` (a date cell as the sheet shows it),
`rows` (the checks), `matching` (the members the rows name), `results` (`RowError`,
`ImportResult`), `imports` (`import_households`, one job), `chat` (one household typed in
chat; a command's words).
"""

from bot.rules.households.chat import command_words, save_household, split_fields
from bot.rules.households.files import MAX_ROWS
from bot.rules.households.imports import import_households
from bot.rules.households.matching import match_members, member_keys
from bot.rules.households.results import ImportResult, Reason, RowError
from bot.rules.households.rows import (
    MAX_BYTES,
    ROW_COLUMNS,
    VULNERABLE_WORDS,
    ParsedRow,
    is_vulnerable,
    parse,
)

__all__ = ["MAX_BYTES", "MAX_ROWS", "ROW_COLUMNS", "VULNERABLE_WORDS", "ImportResult", "ParsedRow",
           "Reason", "RowError", "command_words", "import_households", "is_vulnerable",
           "match_members", "member_keys", "parse", "save_household", "split_fields"]
