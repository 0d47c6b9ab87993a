"""The 工作简报 (work brief) as pure data: its period (ISO week, month), its document model, and the
sentences of 一、总体情况 written from the figures.

Nothing here reads the database or draws: cockpit.ui.brief gathers the figures through the pages'
own functions, cockpit.views.brief_docx / brief_pdf write the model to a file. Every change is
worded through cockpit.core.i18n.change_direction, the one 持平 rule of the cards, so a -0.04%
reads 持平 here as it does on screen, never "下降0.0%"; counts go through fmt_number (万, 亿).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from cockpit.core.i18n import CHANGE_DIGITS, change_direction, fmt_number, fmt_percent
from cockpit.core.texts.brief import bt

KINDS = ("week", "month", "period")
_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", re.IGNORECASE)
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")


# ---------------------------------------------------------------- the period


@dataclass(frozen=True)
class Period:
    """The days a brief covers: [first, last], both whole days; `issue` is its number in the year (第N期)."""

    kind: str  # week | month | period
    first: date
    last: date
    issue: int | None
    year: int

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The period before: the week before, the calendar month before, or as many days before."""
        if self.kind == "month":
            before = self.first - timedelta(days=1)
            return month_period(before.year, before.month)
        first = self.first - timedelta(days=self.days)
        return Period(self.kind, first, self.first - timedelta(days=1), None, first.year)

    def last_year(self) -> Period:
        """The same period a year before: the same calendar month, else the days 365 earlier (the pages' rule)."""
        if self.kind == "month":
            return month_period(self.first.year - 1, self.first.month)
        return Period(self.kind, self.first - timedelta(days=365), self.last - timedelta(days=365), None,
                      self.first.year - 1)


def parse_week(text: str) -> Period:
    """`2026-W44` -> Monday 26 October to Sunday 1 November 2026, issue 44 (the ISO week of the year)."""
    m = _WEEK.fullmatch(text.strip())
    if not m:
        raise ValueError(f"--week must look like 2026-W44, not {text!r}")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        first = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{year} has no ISO week {week}") from None
    return Period("week", first, first + timedelta(days=6), week, year)


def month_period(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise ValueError(f"there is no month {month}")
    return Period("month", date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), month, year)


def parse_month(text: str) -> Period:
    """`2026-10` -> 1 to 31 October 2026, issue 10."""
    m = _MONTH.fullmatch(text.strip())
    if not m:
        raise ValueError(f"--month must look like 2026-10, not {text!r}")
    return month_period(int(m.group(1)), int(m.group(2)))


def days_period(days: int, last: date) -> Period:
    """The `days` days ending with `last` (the pages' period); a week's issue is its ISO week, a month's its month."""
    issue = last.isocalendar().week if days == 7 else last.month if days == 30 else None
    year = last.isocalendar().year if days == 7 else last.year
    return Period("period", last - timedelta(days=days - 1), last, issue, year)


def last_full_week(day: date) -> Period:
    """The newest Monday–Sunday week that has ended by `day` (a Monday-morning job writes the week just past)."""
    sunday = day if day.isoweekday() == 7 else day - timedelta(days=day.isoweekday())
    iso = sunday.isocalendar()
    return parse_week(f"{iso.year}-W{iso.week:02d}")


def when_word(kind: str, lang: str) -> str:
    return bt({"week": "br_this_week", "month": "br_this_month"}.get(kind, "br_this_period"), lang)


def prev_word(kind: str, lang: str) -> str:
    return bt({"week": "br_prev_week", "month": "br_prev_month"}.get(kind, "br_prev_period"), lang)


# ---------------------------------------------------------------- the document


@dataclass(frozen=True)
class Grid:
    """A table as the brief prints it: formatted cells, which columns hold numbers (right-aligned)."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Figure:
    title: str
    png: bytes = field(repr=False)


@dataclass(frozen=True)
class Block:
    """One piece of a section: a sub-heading (h2), a paragraph (p), a note, a table or a figure."""

    kind: str  # h2 | p | note | table | figure
    text: str = ""
    grid: Grid | None = None
    figure: Figure | None = None


@dataclass(frozen=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Brief:
    lang: str
    title: str
    issue: str  # 2026年第44期
    period: str  # 统计周期：2026年10月26日—11月1日
    as_of: str  # 数据截至：…
    made: str
    source: str
    demo: str  # the demo notice, or "" for operational data
    sections: tuple[Section, ...]
    figures: dict = field(default_factory=dict, compare=False)  # the figures the sentences were written from
    file_stem: str = ""


def h2(text: str) -> Block:
    return Block("h2", text)


def p(text: str) -> Block:
    return Block("p", text)


def note(text: str) -> Block:
    return Block("note", text)


def table(grid: Grid) -> Block:
    return Block("table", grid=grid)


def figure(title: str, png: bytes) -> Block:
    return Block("figure", figure=Figure(title, png))


def period_text(first: date, last: date, lang: str) -> str:
    """`2026年10月26日—11月1日` (the year once when both days share it), `26 Oct 2026 to 1 Nov 2026`."""
    if lang != "zh":
        return f"{first.day} {first:%b %Y} to {last.day} {last:%b %Y}"
    end = f"{last.month}月{last.day}日" if last.year == first.year else f"{last.year}年{last.month}月{last.day}日"
    return f"{first.year}年{first.month}月{first.day}日—{end}"


# ---------------------------------------------------------------- sentences


def change_phrase(change: float | None, kind: str, lang: str) -> str | None:
    """`环比上升5.2%` / `环比下降1.0%` / `环比持平` by the cards' 持平 rule; None when nothing compares."""
    direction = change_direction(change)
    prev = prev_word(kind, lang)
    if direction is None:
        return None
    if direction == 0:
        return bt("br_flat", lang, prev=prev)
    pct = f"{abs(float(change)) * 100:.{CHANGE_DIGITS}f}%"  # type: ignore[arg-type]
    return bt("br_up" if direction > 0 else "br_down", lang, prev=prev, pct=pct)


def count(value: float | None, lang: str) -> str:
    """A count in a sentence: 1,234, 1.2万, 3.5亿 (fmt_number); `—` for none."""
    return fmt_number(value, lang)


def _sentence(parts: Sequence[str | None], lang: str) -> str:
    kept = [x for x in parts if x]
    return bt("br_sep", lang).join(kept) + bt("br_end", lang) if kept else ""


def shares(items: Sequence[tuple[str, float]], total: float, lang: str, top: int = 3) -> str | None:
    """`12345热线占41.0%、网格巡查占30.2%`: the largest `top` parts of `total` (nothing when there is none)."""
    if not total:
        return None
    picked = [(name, n) for name, n in items if n > 0][:top]
    if not picked:
        return None
    return bt("br_top_sources", lang, parts=bt("br_and", lang).join(
        bt("br_share_of", lang, name=name, pct=fmt_percent(n / total)) for name, n in picked))


def overall_paragraphs(f: dict, unit_name: str, kind: str, lang: str, missing: frozenset[str] = frozenset()) -> list[str]:
    """一、总体情况: a paragraph per theme, from the figures gathered for the brief (`missing`: themes without facts).

    Keys of `f`: received, received_change, sources [(name, n)], top_category (name, n) or None,
    closed, closure_rate, on_time_rate, satisfaction, open, overdue, low_tier_rate; raised,
    raised_change, active, s1, s2, ack_rate, hot; earned, earned_change, redeemed, per_1000;
    population, registered, floating, elderly_60p, elderly_alone.
    """
    when = when_word(kind, lang)
    out: list[str] = []
    if "cases" in missing:
        out.append(bt("br_no_data", lang, theme=_theme("cases", lang)))
    else:
        change = change_phrase(f.get("received_change"), kind, lang)
        head = (bt("br_received", lang, when=when, unit=unit_name, n=count(f["received"], lang), change=change) if change
                else bt("br_received_nochange", lang, when=when, unit=unit_name, n=count(f["received"], lang)))
        top_cat = f.get("top_category")
        cat = (bt("br_top_category", lang, name=top_cat[0], n=count(top_cat[1], lang), pct=fmt_percent(top_cat[1] / f["received"]))
               if top_cat and f["received"] else None)
        out.append(_sentence([head, shares(f.get("sources", []), f["received"], lang), cat], lang))
        out.append(_sentence([
            bt("br_closure", lang, closed=count(f["closed"], lang), closure=fmt_percent(f["closure_rate"]),
               on_time=fmt_percent(f["on_time_rate"]), satisfaction=fmt_percent(f["satisfaction"])),
            bt("br_open", lang, open=count(f["open"], lang), overdue=count(f["overdue"], lang)),
            bt("br_low_tier", lang, pct=fmt_percent(f["low_tier_rate"])) if f.get("low_tier_rate") is not None else None,
        ], lang))
    if "alerts" in missing:
        out.append(bt("br_no_data", lang, theme=_theme("alerts", lang)))
    else:
        change = change_phrase(f.get("raised_change"), kind, lang) or "—"
        out.append(_sentence([
            bt("br_alerts", lang, n=count(f["raised"], lang), change=change, active=count(f["active"], lang),
               s1=count(f["s1"], lang), s2=count(f["s2"], lang), ack=fmt_percent(f["ack_rate"])),
            bt("br_alerts_hot", lang, n=count(f["hot"], lang)) if f.get("hot") else bt("br_alerts_no_hot", lang),
        ], lang))
    if "points" in missing:
        out.append(bt("br_no_data", lang, theme=_theme("points", lang)))
    else:
        change = change_phrase(f.get("earned_change"), kind, lang) or "—"
        per = f.get("per_1000")
        out.append(_sentence([bt("br_points", lang, earned=count(f["earned"], lang), change=change,
                                 redeemed=count(f["redeemed"], lang),
                                 per_1000="—" if per is None else f"{per:,.1f}")], lang))
    if "population" not in missing and f.get("population") is not None:
        out.append(_sentence([bt("br_population", lang, pop=count(f["population"], lang),
                                 registered=count(f["registered"], lang), floating=count(f["floating"], lang),
                                 elderly=count(f["elderly_60p"], lang), alone=count(f["elderly_alone"], lang))], lang))
    return out


_THEMES = {"cases": ("事件", "case"), "alerts": ("风险预警", "alert"), "points": ("积分", "participation")}


def _theme(theme: str, lang: str) -> str:
    zh, en = _THEMES[theme]
    return zh if lang == "zh" else en


# ---------------------------------------------------------------- figures the brief derives


def severity_matrix(counts: pd.DataFrame) -> pd.DataFrame:
    """Active alerts as (type × severity 1–4) with a total column, most first: the alerts chart's bars as a table."""
    if counts.empty:
        return pd.DataFrame(columns=["type", 1, 2, 3, 4, "total"])
    wide = counts.pivot_table(index="type", columns="severity", values="alerts", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=[1, 2, 3, 4], fill_value=0).astype("int64")
    wide["total"] = wide.sum(axis=1)
    wide = wide.reset_index().sort_values(["total", "type"], ascending=[False, True], kind="stable")
    return wide.reset_index(drop=True)
