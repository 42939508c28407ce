"""The report page (`bot.py report`): one HTML file with the charts beside it, in the community's language.

Every number says its period and how it changed against the period before (▲/▼ and the difference), a share
says what it is a share of ("3 of 90 newcomers"), and a share of nothing says "no data yet". Numbers and dates
go through Babel, so a German page reads "0,1" and "3. Februar 2026". The layout is CSS grid columns that fold
from a wide screen down to one column on a phone; no script, no external resource, so it opens from disk.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from cogs.engagement.charts import number
from cogs.engagement.metrics import RetentionRow
from cogs.engagement.report_data import SEGMENT_TITLES, CommunityReport, Stat
from core.i18n import N_, N_n

Translate = Callable[..., str]

HEADLINE = {
    "members": (N_("Members"), N_("at the end of the period")),
    "new": (N_("New members"), N_("joined in the period")),
    "left": (N_("Members who left"), N_("in the period")),
    "active": (N_("Active people"), N_("active at least once in the period")),
    "dau": (N_("Daily active people"), N_("average per day")),
    "wau": (N_("Weekly active"), N_("active in the last 7 days of the period")),
    "mau": (N_("Monthly active"), N_("active in the last 30 days of the period")),
    "messages": (N_("Messages"), N_("in the period")),
    "thanks": (N_("Thanks"), N_("in the period")),
    "matched": (N_("Members matched"), N_("members matched for an intro in the period")),
    "newcomers_matched": (N_("Newcomers matched"), N_("newcomers of the period matched for an intro")),
    "met": (N_("Intros that met"), N_("check-in answers that said they met")),
    "again": (N_("Would meet again"), N_("of those who met and rated the intro")),
}
FUNNEL = {"greeted": N_("Greeted"), "profile": N_("Started a profile"), "buddy": N_("Got a buddy"),
          "active_30": N_("Active 30 days later")}


def fmt_number(v: float, locale: str) -> str:
    return number(v, locale)


def fmt_percent(v: float, locale: str) -> str:
    from babel.numbers import format_percent

    return format_percent(v, format="#,##0%", locale=locale)


def fmt_change(stat: Stat, locale: str, _: Translate, days: int) -> str:
    """"▲ 12 vs the previous 30 days", "▼ 3 …", "= …"; for a share the change of the share in points."""
    if stat.empty or stat.previous is None:
        return ""
    if stat.of is not None:
        if not stat.previous_of:
            return _(N_n("no data for the previous {days} day", "no data for the previous {days} days", "days"),
                     days=days)
        diff = (stat.rate or 0.0) - stat.previous / stat.previous_of
        shown = fmt_number(abs(diff) * 100, locale)
        unit = _(N_n("{n} point", "{n} points"), n=shown)
    else:
        diff = stat.value - stat.previous
        unit = fmt_number(abs(diff), locale)
    if round(diff, 3) == 0:
        return _(N_n("= same as the previous {days} day", "= same as the previous {days} days", "days"), days=days)
    arrow = "▲" if diff > 0 else "▼"
    return _(N_n("{arrow} {diff} vs the previous {days} day", "{arrow} {diff} vs the previous {days} days", "days"),
             arrow=arrow, diff=unit, days=days)


def fmt_value(stat: Stat, locale: str, _: Translate, unit: str = "") -> str:
    """The number, or "X of Y (Z%)" for a share, or "no data yet" for a share of nothing."""
    if stat.empty:
        return _("no data yet")
    if stat.of is None:
        return fmt_number(stat.value, locale)
    return _("{n} of {total} {unit}({rate})", n=fmt_number(stat.value, locale),
             total=fmt_number(stat.of, locale), unit=f"{unit} " if unit else "",
             rate=fmt_percent(stat.rate or 0.0, locale))


def _e(text: object) -> str:
    return html.escape(str(text))


def _card(label: str, value: str, note: str, change: str) -> str:
    cls = "up" if change.startswith("▲") else "down" if change.startswith("▼") else "same"
    return (f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{_e(value)}</div>'
            f'<div class="note">{_e(note)}</div>'
            + (f'<div class="change {cls}">{_e(change)}</div>' if change else "") + "</div>")


def _share(count: int, of: int, locale: str, _: Translate) -> str:
    return fmt_value(Stat(count, of=of), locale, _)


def _retention(rows: Sequence[RetentionRow], locale: str, _: Translate) -> str:
    body = []
    for r in rows:
        horizon = _(N_n("{days} day", "{days} days", "days"), days=r.horizon)
        body.append(f"<tr><th scope=row>{_e(horizon)}</th>"
                    f"<td>{_e(_share(r.supported_retained, r.supported, locale, _))}</td>"
                    f"<td>{_e(_share(r.others_retained, r.others, locale, _))}</td></tr>")
    matched, others = _("Matched or had a buddy"), _("Everyone else")
    note = _("Retained: still here and active on day N or later. Newcomers of the last year.")
    return (f"<table><thead><tr><th></th><th scope=col>{_e(matched)}</th><th scope=col>{_e(others)}</th></tr>"
            f"</thead><tbody>{''.join(body)}</tbody></table><p class=note>{_e(note)}</p>")


def _people(ranked: dict[str, list[Any]], by: str, locale: str, _: Translate) -> str:
    nobody = _("Nobody yet.")
    if not any(ranked.values()):
        return f"<p class=note>{_e(nobody)}</p>"
    parts = []
    for platform, rows in ranked.items():
        items = []
        for r in rows:
            if by == "helpfulness":
                what = _(N_n("{n} thank-you", "{n} thank-yous"), n=fmt_number(r.thanks, locale))
            else:
                what = _("score {score}", score=fmt_number(r.score, locale))
            items.append(f"<li>{_e(r.name)}: {_e(what)}</li>")
        shown = "".join(items) or f"<li>{_e(nobody)}</li>"
        parts.append(f"<div><h4>{_e(platform)}</h4><ol>{shown}</ol></div>")
    return f'<div class="cols">{"".join(parts)}</div>'


def section(rep: CommunityReport, images: Sequence[tuple[str, str, str]], locale: str, _: Translate) -> str:
    """One community: `images` are (file name, title, alt text)."""
    from babel.dates import format_date

    period = _(N_n("{start} to {end} ({days} day)", "{start} to {end} ({days} days)", "days"),
               start=format_date(rep.start.date(), format="medium", locale=locale),
               end=format_date(rep.end.date(), format="medium", locale=locale), days=rep.days)
    units = {"matched": _("members"), "newcomers_matched": _("newcomers"), "met": _("answers"),
             "again": _("ratings")}
    cards = "".join(_card(_(HEADLINE[k][0]), fmt_value(s, locale, _, units.get(k, "")), _(HEADLINE[k][1]),
                          fmt_change(s, locale, _, rep.days)) for k, s in rep.headline.items() if k in HEADLINE)
    platforms = "".join(_card(p, fmt_number(s.value, locale), _("active people in the period"),
                              fmt_change(s, locale, _, rep.days)) for p, s in rep.platforms.items())
    segments = "".join(_card(_(SEGMENT_TITLES[k]), fmt_number(s.value, locale), _("members now"),
                             fmt_change(s, locale, _, rep.days)) for k, s in rep.segments.items())
    steps = "".join(_card(_(FUNNEL[s.key]), fmt_value(Stat(s.count, of=s.of) if s.key != "greeted"
                                                      else Stat(s.count), locale, _),
                          _("of the newcomers greeted in the period") if s.key != "greeted"
                          else _("newcomers greeted in the period"), "") for s in rep.funnel)
    members_note = ""
    if rep.members.undated:
        members_note = _(N_n("{n} of {total} members has no join date; they are counted from when Kindred first "
                             "saw them.",
                             "{n} of {total} members have no join date; they are counted from when Kindred first "
                             "saw them."), n=fmt_number(rep.members.undated, locale),
                         total=fmt_number(rep.members.undated + rep.members.dated, locale))
    figures = "".join(f'<figure><img src="{_e(n)}" alt="{_e(alt)}" width="880" height="440">'
                      f"<figcaption>{_e(t)}</figcaption></figure>" for n, t, alt in images)
    h = {"glance": _("At a glance"), "platforms": _("Active people per platform"),
         "helpers": _("Top helpers (thanks, last 90 days)"), "superusers": _("Superusers (activity, last 90 days)"),
         "segments": _("Segments"), "funnel": _("Welcome funnel"),
         "retention": _("Newcomer retention: matched vs not"), "charts": _("Charts")}
    h = {k: _e(v) for k, v in h.items()}
    note = f'<p class="note">{_e(members_note)}</p>' if members_note else ""
    return (f"<section><h2>{_e(rep.name)} <small>({_e(rep.platform)})</small></h2>"
            f'<p class="period">{_e(period)}</p>'
            f'<h3>{h["glance"]}</h3><div class="grid">{cards}</div>'
            f'<h3>{h["platforms"]}</h3><div class="grid">{platforms}</div>'
            f'<div class="cols"><div><h3>{h["helpers"]}</h3>{_people(rep.helpers, "helpfulness", locale, _)}</div>'
            f'<div><h3>{h["superusers"]}</h3>{_people(rep.superusers, "activity", locale, _)}</div></div>'
            f'<h3>{h["segments"]}</h3><div class="grid">{segments}</div>'
            f'<h3>{h["funnel"]}</h3><div class="grid funnel">{steps}</div>'
            f'<h3>{h["retention"]}</h3>{_retention(rep.retention, locale, _)}'
            f'<h3>{h["charts"]}</h3>{note}<div class="charts">{figures}</div></section>')


def page(sections: Sequence[str], *, locale: str, generated: datetime, _: Translate) -> str:
    from babel.dates import format_datetime

    when = format_datetime(generated, format="medium", tzinfo=generated.tzinfo, locale=locale)
    empty = _("No communities yet.")
    body = "\n".join(sections) or f"<p>{_e(empty)}</p>"
    return _PAGE.format(lang=_e(locale.replace("_", "-")), title=_e(_("Kindred report")),
                        generated=_e(_("Generated {when}", when=when)), sections=body)


_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
*{{box-sizing:border-box}}
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:1rem clamp(.75rem,3vw,2.5rem);
max-width:1600px;color:#1f2328;background:#fff;line-height:1.4}}
h1{{margin:.5rem 0 0}}h2{{margin-top:2rem;border-bottom:2px solid #3b6fd4;padding-bottom:.25rem}}
h2 small{{color:#57606a;font-weight:normal}}h3{{margin:1.5rem 0 .5rem}}h4{{margin:.25rem 0}}
.period,.note{{color:#57606a}}
.grid{{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,13rem),1fr))}}
.cols{{display:grid;gap:1rem;grid-template-columns:repeat(auto-fit,minmax(min(100%,20rem),1fr))}}
.card{{border:1px solid #d0d7de;border-radius:.5rem;padding:.6rem .8rem;overflow-wrap:anywhere}}
.card .label{{color:#57606a;font-size:.9rem}}.card .value{{font-size:1.5rem;font-weight:700}}
.card .note{{font-size:.8rem}}.change{{font-size:.85rem;margin-top:.2rem}}
.up{{color:#1a7f37}}.down{{color:#cf222e}}.same{{color:#57606a}}
table{{border-collapse:collapse;width:100%;max-width:48rem}}th,td{{text-align:left;padding:.3rem .6rem;
border-bottom:1px solid #d0d7de}}
.charts{{display:grid;gap:1rem;grid-template-columns:repeat(auto-fill,minmax(min(100%,32rem),1fr))}}
figure{{margin:0}}img{{width:100%;height:auto;display:block}}figcaption{{font-size:.85rem;color:#57606a}}
</style></head>
<body><h1>{title}</h1><p class="period">{generated}</p>
{sections}
</body></html>
"""
