"""The chart's image: every character it may draw is in the font, matplotlib finds the font
by name, and the PNG is the promised size with its title drawn."""

from __future__ import annotations

import io
from datetime import timedelta

from fontTools.ttLib import TTFont
from PIL import Image

from bot.i18n import Translator
from bot.rules.charts import ChartKind, chart_png, font_family
from bot.rules.roster.pdf import font_path
from bot.sandbox.harness import SandboxBot
from tests.helpers import MEM_A1, SEC_A, Org

BRANCH_NAMES = ("Root", "Alpha", "Alpha-1", "Beta", "第一支部", "东城区街道党委", "Block 112")


# The chart's catalogue texts that are not drawn (captions and answers in chat).
NOT_DRAWN = ("chart.caption", "chart.asked", "chart.usage", "chart.bad_word", "chart.bad_days",
             "chart.failed")


def test_every_character_a_chart_draws_is_in_the_font() -> None:
    translate = Translator()
    texts = [text for lang in ("zh", "en") for key, text in translate.catalogs[lang].items()
             if key.startswith("chart.") and key not in NOT_DRAWN]
    drawn = "".join(texts + list(BRANCH_NAMES)) + "0123456789%-–…+"
    with TTFont(font_path(), lazy=True) as font:
        cmap = font.getBestCmap()
    missing = sorted({c for c in drawn if not c.isspace() and ord(c) not in cmap})
    assert not missing, f"drawn as empty boxes: {missing}"


def test_matplotlib_finds_the_font_by_name() -> None:
    from matplotlib.font_manager import FontProperties, findfont
    family = font_family()
    found = findfont(FontProperties(family=family), fallback_to_default=False)
    assert found == str(font_path())


async def test_chart_is_a_phone_sized_png_with_its_title_drawn(bot: SandboxBot, org: Org) -> None:
    now = bot.clock.now()
    for day in range(3):
        await bot.store.checkins.record(MEM_A1, org.a, (now - timedelta(days=day)).date(),
                                        "on_duty", at=now - timedelta(days=day))
    await bot.store.checkins.record(SEC_A, org.a, now.date(), "on_duty", at=now)
    for kind in ChartKind:
        png = await chart_png(bot.store, Translator(), "zh", org.root, kind, 14, now=now)
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG"
        assert image.width == 1080 and 500 <= image.height <= 3000
        title = image.convert("L").crop((100, 0, 900, 60))
        dark = sum(title.histogram()[:128])
        assert dark > 200, f"{kind}: nothing drawn in the title area"


async def test_the_longest_names_fit(bot: SandboxBot, org: Org) -> None:
    """A branch and a sub-branch of 64 characters (the most a name may have): each chart is
    drawn without matplotlib giving up its layout (a warning, an error under pytest), as
    wide as ever."""
    longest = "东湖街道第一社区党支部" * 5 + "Branchxxx"
    await bot.store.db.execute("UPDATE branches SET name = ? WHERE id = ?", (longest, org.a))
    await bot.store.db.execute("UPDATE branches SET name = ? WHERE id = ?",
                               (longest[:-1] + "1", org.a1))
    for kind in ChartKind:
        png = await chart_png(bot.store, Translator(), "zh", org.a, kind, 90,
                              now=bot.clock.now())
        with Image.open(io.BytesIO(png)) as image:
            assert image.width == 1080, kind
