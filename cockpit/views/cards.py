"""KPI cards as HTML: four theme cards, each figure with its 环比 and 同比."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from cockpit.core.i18n import change_direction, fmt_change, fmt_date, fmt_number, fmt_percent, t
from cockpit.core.model import Unit, Window
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


def build_kpi_html(kpis: dict[str, Kpi], lang: str, severity_counts: tuple[int, int, int, int] | None = None) -> str:
    """Four theme cards, each KPI with its 环比 (vs previous period) and 同比 (vs last year)."""
    cards = []
    for theme, keys in THEMES.items():
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
        cards.append(f'<div class="card theme-{theme}"><div class="ct">{html.escape(t(f"theme_{theme}", lang))}</div>'
                     f'<div class="kgrid">{"".join(rows)}</div></div>')
    return f'<div class="cards">{"".join(cards)}</div>'


def build_header_html(unit: Unit, is_demo: bool, end: datetime, w: Window, lang: str) -> str:
    """The page title (unit name, demo badge) and the line under it: level, code, period, data as of."""
    badge = f'<span class="ck-badge">{t("demo_badge", lang)}</span>' if is_demo else ""
    period = f"{fmt_date(w.start, lang)} – {fmt_date(w.end - timedelta(seconds=1), lang)}"
    return (
        f'<h1 class="ck-title">{t("app_title", lang)} · {html.escape(unit.name)}{badge}</h1>'
        f'<div class="ck-sub">{t(f"level_{unit.level}", lang)} {unit.code} · {t("period", lang)} {period} · '
        f'{t("as_of", lang)} {fmt_date(end, lang)}</div>'
    )
