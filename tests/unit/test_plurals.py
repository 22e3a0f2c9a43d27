"""English nouns agree with their number: no "(s)" in an English text, and no count placeholder
followed by a bare plural noun ("{n} days" reads "1 days"): `{n:day|days}` instead
(`bot.i18n.Count`; the translator makes every whole number a Count)."""

from __future__ import annotations

import re

from bot.i18n import Translator, catalog

# A placeholder without a format spec, then (maybe one word, then) a word ending in "s".
BARE = re.compile(r"\{(\w+)\}\s+(?:([a-z]+)\s+)?([a-z]+s)\b")
# Words after a placeholder that end in "s" and are no plural noun (a name "is", a count "vs").
NOT_NOUNS = {"is", "was", "has", "does", "vs", "its", "this", "as", "us", "plus", "always",
             "across"}
# A word between the placeholder and the plural that shows the placeholder is no count ("{id}
# who has", "{name} and others").
NOT_COUNTED = NOT_NOUNS | {"who", "which", "that", "and", "or", "to", "the", "a", "of", "in",
                           "for", "with"}


def offences(texts: dict[str, str]) -> list[str]:
    out = []
    for key, text in sorted(texts.items()):
        if "(s)" in text:
            out.append(f"{key}: (s)")
        for match in BARE.finditer(text):
            between, word = match.group(2), match.group(3)
            if word in NOT_NOUNS or (between and between in NOT_COUNTED):
                continue
            out.append(f"{key}: {match.group()}")
    return out


def test_english_nouns_agree_with_their_number() -> None:
    assert offences(catalog("en")) == []


def test_a_bare_plural_after_a_count_is_found() -> None:
    assert offences({"a": "{n} use(s)", "b": "Check-in streak: {streak} days",
                     "c": "Import the {n} good rows", "d": "{name} is here",
                     "e": "#{id} who has not", "f": "{n:day|days}"}) == [
        "a: (s)", "b: {streak} days", "c: {n} good rows"]


def test_the_texts_seen_wrong_read_right_for_one() -> None:
    """The texts the issue saw ("1 use(s)", "1 days", "There are 1 linked group(s)")."""
    t = Translator("en")
    assert t("en", "invite.uses_n", n=1) == "1 use"
    assert t("en", "settings.visit_days", n=1) == "1 day"
    assert t("en", "broadcast.ask_groups", n=1).startswith("1 linked group is in scope.")
    assert t("en", "broadcast.ask_groups", n=2).startswith("2 linked groups are in scope.")
    assert "It goes to 1 member and 7 groups." in t("en", "broadcast.preview", members=1,
                                                      groups=7)
    assert "1 row with problems was skipped" in t("en", "imports.done_skipped", n=1)
