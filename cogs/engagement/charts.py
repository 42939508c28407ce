"""PNG charts a person reads at a glance: one series, a clear title, the latest value and the one summary
number (period total, daily average or count now).

Drawn with matplotlib's object API on the Agg canvas (no pyplot global state), so charts can be rendered in a
worker thread while the bot keeps answering.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from cogs.engagement.metrics import parse_day

ACCENT = "#3b6fd4"


def render_chart(
    series: Sequence[tuple[str, float]],
    *,
    title: str,
    subtitle: str = "",
    summary: str = "",
    ylabel: str = "",
    bars: bool = False,
    locale: str = "en",
) -> bytes:
    """A line (or bar) chart of one daily series as PNG bytes; `summary` (e.g. "42 in total") is printed large
    in the top right corner, where the eye lands after the title. Dates and numbers on the axes are written the
    way `locale` writes them (Babel: "3. Feb." and "0,5" in German), like the page around the chart."""
    # imported here: matplotlib takes seconds to import, and most runs of the bot never draw a chart
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import AutoDateLocator
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig = Figure(figsize=(8, 4), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    # `Any`: matplotlib plots dates through its units registry, but its stubs accept only numbers (ArrayLike).
    days: Any = [parse_day(d) for d, _ in series]
    values = [v for _, v in series]
    if days:
        if bars:
            ax.bar(days, values, color=ACCENT, width=0.8)
        else:
            ax.plot(days, values, color=ACCENT, linewidth=2.2)
            ax.fill_between(days, values, color=ACCENT, alpha=0.12)
            ax.scatter([days[-1]], [values[-1]], color=ACCENT, zorder=3)
            ax.annotate(number(values[-1], locale), (days[-1], values[-1]), textcoords="offset points", xytext=(6, 6),
                        fontsize=11, fontweight="bold", color=ACCENT)
        locator = AutoDateLocator(minticks=3, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: _tick_date(x, locale)))
    ax.set_ylim(bottom=0, top=max([*values, 1.0]) * 1.18)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _pos: number(y, locale)))
    ax.set_title(title, loc="left", fontsize=15, fontweight="bold")
    if subtitle:
        ax.text(0.0, 1.01, subtitle, transform=ax.transAxes, fontsize=10, color="#555555", va="bottom")
        ax.set_title(title, loc="left", fontsize=15, fontweight="bold", pad=20)
    if summary:
        ax.text(1.0, 1.01, summary, transform=ax.transAxes, fontsize=13, fontweight="bold", color=ACCENT,
                ha="right", va="bottom")
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def number(v: float, locale: str = "en") -> str:
    """A count as a whole number, anything else with one decimal, written the locale's way ("0,1" in German)."""
    from babel.numbers import format_decimal

    return format_decimal(round(v, 1), format="#,##0.#", locale=locale)


def _tick_date(x: float, locale: str) -> str:
    from babel.dates import format_skeleton
    from matplotlib.dates import num2date

    return format_skeleton("MMMd", num2date(x).date(), locale=locale)


def chart_alt(series: Sequence[tuple[str, float]], *, title: str, summary: str, locale: str, _: Any) -> str:
    """The text alternative of a chart for screen readers: what it shows, its summary, its range and where it
    ends, so that the picture adds nothing a reader without it misses."""
    from babel.dates import format_date

    if not series:
        return _("{title}: no data yet.", title=title)
    hi = max(series, key=lambda p: p[1])
    lo = min(series, key=lambda p: p[1])

    def day(d: str) -> str:
        return format_date(parse_day(d), format="long", locale=locale)

    return _("{title}, {first} to {last}: {summary}. Highest {high} on {high_day}, lowest {low} on {low_day}, "
             "last {latest}.", title=title, first=day(series[0][0]), last=day(series[-1][0]),
             summary=summary, high=number(hi[1], locale), high_day=day(hi[0]), low=number(lo[1], locale),
             low_day=day(lo[0]), latest=number(series[-1][1], locale))
