"""Text helpers shared by rules and handlers: HTML escaping, Telegram's way of counting, and
Telegram's limits with the means to stay under them (cutting, splitting, fitting)."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence

# Telegram's limits (Bot API): a message's text and a caption count UTF-16 code units after
# entity parsing (tags do not count, an entity counts as the character it stands for).
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALERT_LIMIT = 200  # the text of a callback query's answer (toast or alert)
CALLBACK_DATA_LIMIT = 64  # bytes of a button's callback data
KEYBOARD_LIMIT = 100  # buttons of one inline keyboard
# What one message of a split answer holds: a little under the limit, so that a part never
# depends on how exactly Telegram trims white space or counts an odd character.
SPLIT_LIMIT = 4000

_TAG = re.compile(r"<[^<>]*>")
# One unit of an HTML text: a tag, an entity, or one character (a code point).
_ATOM = re.compile(r"<[^<>]*>|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});|[\s\S]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")


# Right-to-left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko, ... and their presentation forms)
# and the explicit direction controls (embeddings, overrides, isolates, RLM, ALM).
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\U00010800-\U00010fff"
                  "\U0001e800-\U0001efff\u202a-\u202e\u2066-\u2069\u200f\u061c]")
FSI, PDI = "\u2068", "\u2069"  # FIRST STRONG ISOLATE, POP DIRECTIONAL ISOLATE


def isolate(text: str) -> str:
    """User text that holds right-to-left letters or direction controls, set apart from the
    text around it (FSI ... PDI, Unicode's bidi isolate): a Hebrew or Arabic name does not
    reorder the words and numbers next to it, and a stray override (U+202E) in a name ends
    with the name. Other text is returned as it is."""
    return f"{FSI}{text}{PDI}" if _RTL.search(text) else text


def esc(text: object) -> str:
    """User text made safe for an HTML message, and isolated if it runs right to left
    (`isolate`): every name and note shown goes through here."""
    return isolate(html.escape(str(text), quote=False))


def tell_apart(people: Sequence[tuple[str, int]], same_name: str) -> list[str]:
    """The names of people in a list, escaped, each with its id only where two of them share
    the name (`same_name` is the catalogue's template, `{name}（#{id}）`): an id is shown to tell
    two people apart, not otherwise."""
    counts = Counter(name for name, _ in people)
    return [same_name.format(name=esc(name), id=person_id) if counts[name] > 1 else esc(name)
            for name, person_id in people]


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int) -> str:
    """The text on one line (runs of white space as one space), cut to `limit` characters
    with "…" if longer."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def visible_len(text: str) -> int:
    """Length of an HTML text as Telegram counts it against its limits: without the tags,
    each entity as the character it stands for, in UTF-16 code units."""
    if "<" not in text and "&" not in text:
        return utf16_len(text)
    return utf16_len(html.unescape(_TAG.sub("", text)))


def _cost(atom: str) -> int:
    if len(atom) == 1:
        return 2 if ord(atom) > 0xFFFF else 1
    if atom[0] == "<":
        return 0
    return utf16_len(html.unescape(atom))


def _rank(atoms: list[str], i: int, depth: int) -> int:
    """How good a place to cut, just before `atoms[i]`, is: a blank line best, then a line
    break before a line that starts a new item, then one before an indented line (which goes
    on with the item above), then a space, then anywhere; each better where no tag is open."""
    atom = atoms[i]
    after = atoms[i + 1] if i + 1 < len(atoms) else ""
    if atom == "\n":
        base = 4 if after == "\n" else 2 if after in (" ", "\t") else 3
    elif atom in (" ", "\t"):
        base = 1
    else:
        base = 0
    return 2 * base + (depth == 0)


def _apply(stack: list[tuple[str, str]], atom: str) -> None:
    if not atom.startswith("<"):
        return
    match = _TAG_NAME.match(atom)
    if match is None:
        return
    name = match.group(1).lower()
    if atom.startswith("</"):
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0] == name:
                del stack[k:]
                break
    else:
        stack.append((name, atom))


def _close(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def split_html(text: str, limit: int = SPLIT_LIMIT) -> list[str]:
    """An HTML text as messages of at most `limit` visible units each, in order.

    A text that fits is returned whole. Otherwise it is cut, as late as the limit allows,
    at the best place in the second half of each part: a blank line, a line break (rather
    one before a new item than before an indented line that goes on with the item above), a
    space, and only failing all of these between two characters; never inside a tag or an
    entity. The line breaks (or spaces) at a cut are dropped. A tag open at a cut is closed
    at the end of the part and opened again at the start of the next, so that every part is
    valid HTML on its own.
    """
    if visible_len(text) <= limit:
        return [text]
    atoms = _ATOM.findall(text)
    parts: list[str] = []
    start = 0
    stack: list[tuple[str, str]] = []  # the tags open where the current part starts
    while start < len(atoms):
        open_tags = list(stack)
        size = 0
        best: dict[int, tuple[int, int, list[tuple[str, str]]]] = {}
        i = start
        while i < len(atoms):
            if i > start:  # cutting just before atoms[i]
                best[_rank(atoms, i, len(open_tags))] = (i, size, list(open_tags))
            cost = _cost(atoms[i])
            if size + cost > limit and i > start:
                break
            _apply(open_tags, atoms[i])
            size += cost
            i += 1
        head = "".join(opening for _, opening in stack)
        if i >= len(atoms):
            parts.append(head + "".join(atoms[start:]))
            break
        at, _, at_stack = next(
            (best[rank] for rank in sorted(best, reverse=True) if best[rank][1] >= limit // 2),
            (i, size, open_tags))
        parts.append(head + "".join(atoms[start:at]) + _close(at_stack))
        # Drop the line breaks (or the spaces) at the cut; an indented line keeps its indent.
        dropped = ("\n",) if atoms[at] == "\n" else (" ", "\t")
        while at < len(atoms) and atoms[at] in dropped:
            at += 1
        start, stack = at, at_stack
    return [part for part in parts if html.unescape(_TAG.sub("", part)).strip()]


def fit_html(text: str, limit: int = TEXT_LIMIT) -> str:
    """The text if it fits in `limit` visible units, else its beginning (cut as `split_html`
    cuts, tags closed) and "…": for a message that must stay one (an edit, a page)."""
    if visible_len(text) <= limit:
        return text
    return split_html(text, limit - 1)[0] + "…"
