"""/match insights: what predicts a meeting in this community, in words and as a chart, for moderators.

Built only from aggregates: the community's belief (learned from answered check-ins, `learner.py`) and counts of
answered intros. Nobody is named, and no count is about one person.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from typing import Any

from babel.numbers import format_decimal, format_percent

from cogs.matching.engine.learning import MIN_SAMPLES, Belief, Insight
from cogs.matching.store.learning import Summary
from core.i18n import N_
from core.messages import Field, Message

Translate = Callable[..., str]

COMPONENT_WORDS = {
    "topics": N_("Shared topics"),
    "complement": N_("A skill one offers that the other wants to learn"),
    "role": N_("The same role"),
    "cross_team": N_("Different teams"),
    "timezone": N_("Waking hours in common"),
    "language": N_("A common language"),
    "newcomer": N_("A newcomer with someone who knows the community"),
    "activity": N_("An active member with a quiet one"),
}
"""Each learning component (`engine.learning.COMPONENTS`) in plain words."""

ACCENT = "#3b6fd4"
UNSURE = "#9aa5b8"


def component_words(name: str, _: Translate) -> str:
    return _(COMPONENT_WORDS[name]) if name in COMPONENT_WORDS else name.replace("_", " ")


def times(value: float, locale: str) -> str:
    """An odds ratio as people read it: "×1.6" ("×1,6" in German)."""
    return "×" + format_decimal(round(value, 1 if value >= 0.95 else 2), format="#,##0.##", locale=locale)


def effect_words(i: Insight, _: Translate) -> str:
    """"clearly more meetings", "perhaps fewer meetings", "hardly any difference", ..."""
    size = abs(math.log(max(i.effect, 1e-9)))
    if size < 0.1:
        return _("hardly any difference")
    if not i.confident:  # not "clearly" anything while the interval still allows no effect
        return _("perhaps more meetings") if i.effect > 1 else _("perhaps fewer meetings")
    if i.effect > 1:
        return (_("a little more meetings") if size < 0.4 else _("clearly more meetings") if size < 0.9
                else _("many more meetings"))
    return (_("a little fewer meetings") if size < 0.4 else _("clearly fewer meetings") if size < 0.9
            else _("far fewer meetings"))


def confidence_words(i: Insight, _: Translate) -> str:
    if i.confident:
        return _("sure")
    if i.samples < MIN_SAMPLES:
        return _("too few intros to say")
    return _("not sure yet")


def insight_line(i: Insight, _: Translate, _n: Callable[..., str], locale: str) -> str:
    """One component in words, e.g. "Shared topics: clearly more meetings (odds ×1.6, likely ×1.1 to ×2.3;
    42 intros; sure)"."""
    sure = confidence_words(i, _)  # not inside the call: the extractor takes a bare `_` there for a text
    detail = _n("odds {effect}, likely {low} to {high}; {n} intro; {confidence}",
                "odds {effect}, likely {low} to {high}; {n} intros; {confidence}", i.samples,
                effect=times(i.effect, locale), low=times(i.low, locale), high=times(i.high, locale),
                n=i.samples, confidence=sure)
    name, effect = component_words(i.component, _), effect_words(i, _)
    return _("{component}: {effect} ({detail})", component=name, effect=effect, detail=detail)


def still_learning(belief: Belief | None, found: Sequence[Insight], summary: Summary, _: Translate,
                   _n: Callable[..., str]) -> str:
    """The note while data is scarce, or "" once something is known for sure."""
    n = summary.answered
    if belief is None or belief.rounds == 0:
        return _n("Still learning: {n} answered intro so far; rounds use the default weights.",
                        "Still learning: {n} answered intros so far; rounds use the default weights.", n, n=n)
    if not any(i.confident for i in found):
        return _n("Still learning: {n} answered intro so far; nothing is certain yet, so rounds stay close "
                        "to the default weights.",
                        "Still learning: {n} answered intros so far; nothing is certain yet, so rounds stay close "
                        "to the default weights.", n, n=n)
    return ""


def insights_message(*, belief: Belief | None, found: Sequence[Insight], summary: Summary, learning: bool,
                     explore_share: float, community: str, locale: str, _: Translate,
                     _n: Callable[..., str]) -> Message:
    """The text of /match insights: the state of learning, the counts, then one line per component."""
    pct = lambda x: format_percent(x, locale=locale)  # noqa: E731
    fields = [Field(_("Learning"), _("on (rounds use what was learned here)") if learning
                    else _("off (rounds use the default weights)")),
              Field(_("Exploration"), _("{share} of each round", share=pct(explore_share)) if learning
                    else _("none while learning is off")),
              Field(_("Answered intros"), str(summary.answered))]
    if summary.answered:
        fields.append(Field(_("Met"), _("{rate} of answered intros", rate=pct(summary.met / summary.answered))))
    if summary.again_asked:
        fields.append(Field(_("Would meet again"), _n(
            "{rate} of {n} answer", "{rate} of {n} answers", summary.again_asked,
            rate=pct(summary.again_yes / summary.again_asked), n=summary.again_asked)))
    lines = [note] if (note := still_learning(belief, found, summary, _, _n)) else []
    if belief is not None and belief.rounds > 0:
        lines.append(_("What predicts a meeting here:"))
        lines += [f"• {insight_line(i, _, _n, locale)}" for i in found]
    return Message(title=_("What makes pairs meet in {community}", community=community), text="\n".join(lines),
                   fields=fields)


def render_insights_chart(found: Sequence[Insight], *, title: str, subtitle: str, xlabel: str,
                          labels: Sequence[str], locale: str = "en") -> bytes:
    """Horizontal bars of each component's odds ratio (log scale, 1 = no effect) with its 95% interval as a
    whisker; sure findings in the accent colour, the rest grey. PNG bytes, drawn without pyplot's global state
    (safe in a worker thread)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    rows = list(reversed(found))  # the strongest at the top
    names = list(reversed(labels))
    fig = Figure(figsize=(8, 1.6 + 0.5 * max(1, len(rows))), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ys = list(range(len(rows)))
    if rows:
        lefts = [min(1.0, i.effect) for i in rows]
        widths = [abs(i.effect - 1.0) for i in rows]
        colours = [ACCENT if i.confident else UNSURE for i in rows]
        ax.barh(ys, widths, left=lefts, color=colours, height=0.6)
        err: Any = [[max(0.0, i.effect - i.low) for i in rows], [max(0.0, i.high - i.effect) for i in rows]]
        ax.errorbar([i.effect for i in rows], ys, xerr=err, fmt="none", ecolor="#333333", capsize=4, linewidth=1.2)
        ax.set_xscale("log")
        span = max(max(i.high for i in rows), 1 / min(i.low for i in rows), 2.0)
        ax.set_xlim(1 / span / 1.1, span * 1.1)
        ax.xaxis.set_major_locator(LogLocator(base=2))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: times(x, locale)))
    ax.axvline(1.0, color="#555555", linewidth=1)
    ax.set_yticks(ys, names)
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=15, fontweight="bold", pad=20)
    ax.text(0.0, 1.01, subtitle, transform=ax.transAxes, fontsize=10, color="#555555", va="bottom")
    ax.grid(axis="x", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
