"""Drawing a chart as a PNG with matplotlib's object API (a `Figure` on the Agg canvas, never
pyplot, whose global state is not thread-safe): called off the event loop.

Readable on a phone: 1080 px wide, type of 29 px and more, three colours, the days on the x
axis and rates in %. Every text is drawn in Noto Sans CJK SC, the font the package mplfonts
ships (found by `bot.rules.roster.pdf.font_path`, registered once with matplotlib's font
manager and used by its name), so Chinese renders on a machine with no fonts installed.
"""

from __future__ import annotations

import io
import math
import threading
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bot.rules.charts.series import ChartKind, Series
from bot.rules.roster.pdf import font_path

if TYPE_CHECKING:
    from matplotlib.axes import Axes

WIDTH_PX = 1080
DPI = 100
PT = 72 / DPI  # points per pixel at DPI
TEXT_PX = 29  # axis labels, ticks, bars' names
TITLE_PX = 34
LINE_PX = 560  # height of a panel with days across
BAR_PX = 62  # height of one bar of the sub-branches' panel
SHOW_PARTS = 12
NAME_MAX = 16  # columns of a sub-branch's name on its bar (a Chinese character is two)
TITLE_NAME_MAX = 24  # columns of the branch's name in a title (64 would not fit)

BLUE, ORANGE, GREY, RED, GREEN = "#1f5fa8", "#e07b00", "#9aa5b1", "#c62828", "#2e7d32"

Text = Callable[..., str]  # (key, **values) -> the catalogue's text in the reader's language

_lock = threading.Lock()
_family: str | None = None


def font_family() -> str:
    """The name matplotlib knows the font by, registering it the first time."""
    global _family
    with _lock:
        if _family is None:
            from matplotlib.font_manager import FontProperties, fontManager
            path = font_path()
            fontManager.addfont(str(path))
            _family = FontProperties(fname=str(path)).get_name()
        return _family


def _cut(name: str, most: int = NAME_MAX) -> str:
    """The name within `most` columns, a Chinese character taking two, cut with "…"."""
    used = 0
    for n, char in enumerate(name):
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > most:
            return name[:max(n - 1, 1)] + "…"
    return name


def _style(ax: Axes, family: str) -> None:
    ax.tick_params(labelsize=TEXT_PX * PT, labelfontfamily=family, length=6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=1)
    ax.set_axisbelow(True)


def _days_axis(ax: Axes, series: Series) -> None:
    count = len(series.days)
    step = max(1, math.ceil(count / 7))
    ticks = list(range(count - 1, -1, -step))[::-1]  # today always labelled
    ax.set_xticks(ticks, [series.days[i].strftime("%m-%d") for i in ticks])
    ax.set_xlim(-0.6, count - 0.4)


def _rate_panel(ax: Axes, series: Series, values: list[float | None], color: str,
                title: str, ylabel: str, family: str, empty: str) -> None:
    xs = [i for i, v in enumerate(values) if v is not None]
    ys = [v for v in values if v is not None]
    ax.set_title(title, fontsize=TITLE_PX * PT, fontfamily=family, loc="left", pad=14)
    ax.set_ylabel(ylabel, fontsize=TEXT_PX * PT, fontfamily=family)
    ax.set_ylim(0, 105)
    ax.set_yticks([0, 25, 50, 75, 100])
    _style(ax, family)
    _days_axis(ax, series)
    if not ys:
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", va="center",
                fontsize=TITLE_PX * PT, fontfamily=family, color=GREY)
        return
    ax.plot(xs, ys, color=color, linewidth=4, marker="o", markersize=9)
    ax.annotate(f"{ys[-1]:.0f}%", (xs[-1], ys[-1]), textcoords="offset points",
                xytext=(0, 12), ha="center", fontsize=TEXT_PX * PT, fontfamily=family,
                color=color)


def _parts_panel(ax: Axes, series: Series, text: Text, family: str) -> None:
    ordered = sorted(series.parts, key=lambda p: (p.rate is None, p.rate or 0.0, p.name,
                                                  p.key))
    shown = ordered[:SHOW_PARTS][::-1]  # barh draws from the bottom: the worst on top
    ax.set_title(text("chart.title_parts"), fontsize=TITLE_PX * PT, fontfamily=family,
                 loc="left", pad=14)
    rates = [p.rate or 0.0 for p in shown]
    ys = list(range(len(shown)))
    ax.barh(ys, rates, color=[RED if r < 50 else BLUE for r in rates], height=0.65)
    ax.set_yticks(ys, [_cut(p.name) for p in shown])
    ax.set_xlim(0, 118)
    ax.set_xticks([0, 25, 50, 75, 100], ["0", "25", "50", "75", "100%"])
    _style(ax, family)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#dddddd", linewidth=1)
    for y, part in zip(ys, shown, strict=True):
        label = f"{part.rate:.0f}%" if part.rate is not None else "–"
        ax.text((part.rate or 0.0) + 1.5, y, label, va="center", fontsize=TEXT_PX * PT,
                fontfamily=family)
    if len(ordered) > SHOW_PARTS:
        ax.set_xlabel(text("chart.more", n=len(ordered) - SHOW_PARTS),
                      fontsize=TEXT_PX * PT, fontfamily=family, color=GREY, loc="left")


def _needs_panel(ax: Axes, series: Series, text: Text, family: str) -> None:
    ax.set_title(text("chart.title_needs", branch=_cut(series.branch, TITLE_NAME_MAX),
                      days=len(series.days)),
                 fontsize=TITLE_PX * PT, fontfamily=family, loc="left", pad=14)
    ax.set_ylabel(text("chart.axis_needs"), fontsize=TEXT_PX * PT, fontfamily=family)
    xs = list(range(len(series.needs)))
    ax.bar([x - 0.2 for x in xs], [n.opened for n in series.needs], width=0.4, color=GREY,
           label=text("chart.opened"))
    ax.bar([x + 0.2 for x in xs], [n.resolved for n in series.needs], width=0.4,
           color=GREEN, label=text("chart.resolved"))
    ax.plot(xs, [n.open for n in series.needs], color=RED, linewidth=4, marker="o",
            markersize=8, label=text("chart.open"))
    top = max([1] + [max(n.opened, n.resolved, n.open) for n in series.needs])
    ax.set_ylim(0, top * 1.15 + 1)
    ax.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    _style(ax, family)
    _days_axis(ax, series)
    ax.legend(prop={"family": family, "size": TEXT_PX * PT}, frameon=False, loc="upper left",
              ncols=3)


def draw(series: Series, text: Text) -> bytes:
    """The chart as PNG bytes. Runs in a worker thread: no pyplot, a figure of its own."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    family = font_family()
    panels: list[tuple[int, Callable[[Any], None]]] = []
    days = len(series.days)
    if series.kind is ChartKind.checkins:
        panels.append((LINE_PX, lambda ax: _rate_panel(
            ax, series, [r.rate for r in series.rates], BLUE,
            text("chart.title_checkins", branch=_cut(series.branch, TITLE_NAME_MAX),
                 days=days),
            text("chart.axis_rate"), family, text("chart.no_data"))))
        if series.parts:
            shown = min(len(series.parts), SHOW_PARTS)
            panels.append((180 + BAR_PX * shown,
                           lambda ax: _parts_panel(ax, series, text, family)))
    if series.kind in (ChartKind.checkins, ChartKind.coverage) and (
            series.covered or series.kind is ChartKind.coverage):
        panels.append((LINE_PX, lambda ax: _rate_panel(
            ax, series, [c.rate for c in series.covered] or [None] * days, ORANGE,
            text("chart.title_coverage", branch=_cut(series.branch, TITLE_NAME_MAX),
                 days=days),
            text("chart.axis_coverage"), family, text("chart.no_households"))))
    if series.kind is ChartKind.needs:
        panels.append((LINE_PX, lambda ax: _needs_panel(ax, series, text, family)))
    height = sum(h for h, _ in panels) + 40
    figure = Figure(figsize=(WIDTH_PX / DPI, height / DPI), dpi=DPI, layout="constrained")
    figure.get_layout_engine().set(h_pad=0.2, hspace=0.06)  # type: ignore[union-attr,call-arg]
    axes = figure.subplots(len(panels), 1, squeeze=False,
                           gridspec_kw={"height_ratios": [h for h, _ in panels]})
    for (_, paint), ax in zip(panels, axes[:, 0], strict=True):
        paint(ax)
    out = io.BytesIO()
    FigureCanvasAgg(figure).print_png(out)
    return out.getvalue()
