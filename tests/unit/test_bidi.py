"""Names with right-to-left letters are isolated from the text around them (FSI ... PDI), where
user text is escaped for display (`bot.text.esc`)."""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator
from bot.rules.digest import person_label
from bot.text import FSI, PDI, esc, isolate
from storage.rows import DigestPerson


def test_right_to_left_text_is_isolated() -> None:
    assert isolate("שרה כהן") == f"{FSI}שרה כהן{PDI}"
    assert isolate("فاطمة") == f"{FSI}فاطمة{PDI}"
    assert isolate("Bob\u202eevil") == f"{FSI}Bob\u202eevil{PDI}"  # an override ends with it
    assert isolate("王芳") == "王芳" and isolate("Mia 2") == "Mia 2"


def test_escaping_isolates_and_escapes() -> None:
    assert esc("<b>שרה</b>") == f"{FSI}&lt;b&gt;שרה&lt;/b&gt;{PDI}"
    assert esc("<王芳>") == "&lt;王芳&gt;"


def test_a_name_in_a_digest_line_is_isolated() -> None:
    t = Translator("en")
    person = DigestPerson("silent", 7, "שרה כהן", "Alpha", date(2026, 3, 1))
    label = person_label(t, "en", person)
    assert f"{FSI}שרה כהן{PDI}" in label and "03-01" in label


def test_a_name_on_a_button_is_isolated() -> None:
    """Buttons are plain text, not escaped: their names are isolated where they are built."""
    from bot.rules.coverage import handover_label

    translate = Translator()
    for language in ("zh", "en"):
        label = handover_label(translate, language, "שרה כהן")
        assert f"{FSI}שרה כהן{PDI}" in label, label
        assert FSI not in handover_label(translate, language, "王芳")
