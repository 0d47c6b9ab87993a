"""KPI cards as HTML: four theme cards, each figure with its 环比 and 同比."""

from __future__ import annotations

import html
from collections.abc import Collection
from datetime import datetime, timedelta

from cockpit.core.i18n import change_direction, fmt_change, fmt_date, fmt_number, fmt_percent, t
from cockpit.core.model import Unit, Window
from cockpit.domain import facts
from cockpit.domain.metrics import THEMES, Kpi


def format_kpi(k: Kpi, lang: str) -> str:
    if k.kind == "rate":
        return fmt_percent(k.value)
    if k.kind == "ratio":
        return "—" if k.value is None else f"{k.value:,.1f}"
    return fmt_number(k.value, lang)


def change_class(change: float | None, good_when_up: bool | None) -> str:
    """good / bad / flat for a change's colour; flat when it is unchanged at the shown precision (持平)."""
    direction = change_direction(change)
    if not direction or good_when_up is None:
        return "flat"
    return "good" if (direction > 0) == good_when_up else "bad"


def _change_html(label: str, change: float | None, lang: str, good_when_up: bool | None) -> str:
    text = fmt_change(change, lang)
    cls = change_class(change, good_when_up)
    return f'<span class="chg {cls}">{label} {html.escape(text)}</span>'


# Whether a rise is good news: None means neutral (population figures).
GOOD_WHEN_UP = {
    "open": False, "overdue": False, "closed": True, "closure_rate": True, "on_time_rate": True,
    "satisfaction": True, "low_tier_rate": True, "active": False, "raised": False, "ack_rate": True,
    "earned": True, "redeemed": True, "participants_per_1000": True,
}


def build_no_data_html(theme: str, lang: str, hint: bool) -> str:
    """What a theme without a single fact under the unit shows instead of its figures: 暂无数据, not 0
    (#28); with `hint`, the import command that fills it (for an operator, never a wall or a viewer)."""
    how = ""
    if hint:
        how = (f'<div class="ck-nodata-how">{html.escape(t("no_data_fill", lang))}'
               f'<code>{html.escape(facts.import_command(theme))}</code></div>')
    title = t("no_data_theme", lang, theme=t(f"theme_{theme}", lang))
    return (f'<div class="ck-nodata" data-theme="{theme}" title="{html.escape(title)}">'
            f'<div class="ck-nodata-v">{html.escape(t("no_data", lang))}</div>{how}</div>')


def build_supervision_html(count: int, href: str, lang: str) -> str:
    """The cases card's 督办 line: the cases the city's rules put under supervision, a link to their view."""
    return (f'<a class="ck-sv" data-sv="{int(count)}" href="{html.escape(href)}" title="{html.escape(t("sv_card_title", lang))}">'
            f'<span class="ck-sv-l">{html.escape(t("sv_card", lang))}</span> '
            f'<span class="ck-sv-v">{html.escape(t("sv_card_cases", lang, n=fmt_number(count, lang)))}</span> ›</a>')


def supervision_href(unit_code: str, period_days: int, lang: str, day_range: tuple[str, str] | None = None) -> str:
    """The cases page's 督办 view for the unit and period (relative: it works under any base path).

    `day_range` (start, end as YYYY-MM-DD) replaces the period while a custom range is shown.
    """
    period = f"start={day_range[0]}&end={day_range[1]}" if day_range else f"period={int(period_days)}"
    return f"cases?unit={unit_code}&{period}&lang={lang}&view=supervision"


def build_kpi_html(kpis: dict[str, Kpi], lang: str, severity_counts: tuple[int, int, int, int] | None = None,
                   no_data: Collection[str] = (), hint: bool = False, supervision: str = "") -> str:
    """Four theme cards, each KPI with its 环比 (vs previous period) and 同比 (vs last year).

    A theme in `no_data` (no fact under the unit) shows 暂无数据 and, with `hint`, its import command.
    `supervision` (build_supervision_html) sits at the right of the cases card's title.
    """
    cards = []
    for theme, keys in THEMES.items():
        if theme in no_data:
            cards.append(f'<div class="card theme-{theme} nodata"><h2 class="ct">{html.escape(t(f"theme_{theme}", lang))}</h2>'
                         f'{build_no_data_html(theme, lang, hint)}</div>')
            continue
        rows = []
        for key in keys:
            k = kpis[key]
            extra = ""
            if key == "active" and severity_counts is not None:
                dots = "".join(
                    f'<span class="sev s{i + 1}">{n}</span>' for i, n in enumerate(severity_counts)
                )
                extra = f'<div class="sevrow" title="{html.escape(t("active_by_severity", lang))}">{dots}</div>'
            rows.append(
                f'<div class="kpi" data-key="{key}"><div class="kl">{html.escape(t(key, lang))}</div>'
                f'<div class="kv">{html.escape(format_kpi(k, lang))}</div>{extra}'
                f'<div class="kc">{_change_html(t("mom", lang), k.mom, lang, GOOD_WHEN_UP.get(key))}'
                f'{_change_html(t("yoy", lang), k.yoy, lang, GOOD_WHEN_UP.get(key))}</div></div>'
            )
        # The 督办 line floats at the right of the card's title: the cards row stays as tall as before.
        head = supervision if theme == "cases" else ""
        cards.append(f'<div class="card theme-{theme}">{head}<h2 class="ct">{html.escape(t(f"theme_{theme}", lang))}</h2>'
                     f'<div class="kgrid">{"".join(rows)}</div></div>')
    return f'<div class="cards">{"".join(cards)}</div>'


def build_header_html(unit: Unit, is_demo: bool, end: datetime | None, w: Window, lang: str,
                      period: str | None = None) -> str:
    """The page title (unit name, demo badge) and the line under it: level, code, period, data as of.

    `period` replaces the window's first and last day (a custom range: 2026年10月1日 – 10月7日 · 7天).

    `end` is the newest fact's time; None (no fact in the store yet) reads 数据截至 暂无数据.
    """
    badge = f'<span class="ck-badge">{t("demo_badge", lang)}</span>' if is_demo else ""
    period = html.escape(period) if period else f"{fmt_date(w.start, lang)} – {fmt_date(w.end - timedelta(seconds=1), lang)}"
    stamp = fmt_date(end, lang) if end is not None else t("no_data", lang)
    return (
        f'<h1 class="ck-title">{t("app_title", lang)} · {html.escape(unit.name)}{badge}</h1>'
        f'<div class="ck-sub">{t(f"level_{unit.level}", lang)} {unit.code} · {t("period", lang)} {period} · '
        f'{t("as_of", lang)} {stamp}</div>'
    )
