"""The phone home's HTML: the unit's four figures (two a row), its open cases and newest active alerts.

Short lines for a 390-pixel screen; nothing here is wider than the screen (mobile.css).
"""

from __future__ import annotations

import html
from collections.abc import Collection

import pandas as pd

from cockpit.core.i18n import fmt_change, t
from cockpit.domain.metrics import Kpi
from cockpit.views.cards import GOOD_WHEN_UP, build_no_data_html, change_class, format_kpi

FIGURES = ("open", "overdue", "active", "closure_rate")  # what a grid worker checks on the way
FIGURE_THEME = {"open": "cases", "overdue": "cases", "active": "alerts", "closure_rate": "cases"}
LABELS = {"open": "mb_open", "overdue": "mb_overdue", "active": "mb_active", "closure_rate": "mb_closure"}


def _change(k: Kpi, lang: str) -> str:
    cls = change_class(k.mom, GOOD_WHEN_UP.get(k.key))
    return f'<span class="chg {cls}">{html.escape(t("mom", lang))} {html.escape(fmt_change(k.mom, lang))}</span>'


def build_home_figures_html(kpis: dict[str, Kpi], lang: str, no_data: Collection[str] = (), hint: bool = False) -> str:
    """Four figures in a 2×2 grid, each with its 环比; a figure whose theme is in `no_data` (no fact under
    the unit, #28) reads 暂无数据, not 0, and with `hint` (an operator) the grid is followed by the
    import commands that fill those themes, as the desktop's cards give them."""
    cells = []
    for key in FIGURES:
        k = kpis.get(key)
        if k is None:
            continue
        if FIGURE_THEME[key] in no_data:
            cells.append(f'<div class="mb-fig nodata" data-key="{key}"><div class="kl">{html.escape(t(LABELS[key], lang))}'
                         f'</div><div class="kv" style="color:#9fb3c8">{html.escape(t("no_data", lang))}</div></div>')
            continue
        alarm = " mb-alarm" if key in ("overdue", "active") and (k.value or 0) > 0 else ""
        cells.append(f'<div class="mb-fig{alarm}" data-key="{key}"><div class="kl">{html.escape(t(LABELS[key], lang))}</div>'
                     f'<div class="kv">{html.escape(format_kpi(k, lang))}</div><div class="kc">{_change(k, lang)}</div></div>')
    missing = [theme for theme in dict.fromkeys(FIGURE_THEME[key] for key in FIGURES if key in kpis) if theme in no_data]
    how = "".join(build_no_data_html(theme, lang, True) for theme in missing) if hint else ""
    return f'<div class="mb-figs">{"".join(cells)}</div>{how}'


def build_case_rows_html(cases: pd.DataFrame, categories: dict[str, str], lang: str) -> str:
    """Open cases, overdue first: category, received and due time, an overdue tag."""
    rows = []
    for c in cases.itertuples(index=False):
        tag = f'<span class="mb-tag">{html.escape(t("mb_overdue_tag", lang))}</span>' if c.overdue else ""
        name = categories.get(str(c.category_code), str(c.category_code))
        due = pd.Timestamp(c.due_at).strftime("%m-%d %H:%M") if pd.notna(c.due_at) else "—"
        received = pd.Timestamp(c.received_at).strftime("%m-%d %H:%M")
        rows.append(f'<li class="mb-row"><div class="mb-main">{tag}{html.escape(name)}</div>'
                    f'<div class="mb-meta">#{int(c.id)} · {received} · {html.escape(t("mb_due", lang))} {due}</div></li>')
    return f'<ul class="mb-list">{"".join(rows)}</ul>'


def build_alert_rows_html(alerts: pd.DataFrame, lang: str) -> str:
    """Active alerts, newest first: severity, type, raised time and grid code."""
    rows = []
    for a in alerts.itertuples(index=False):
        s = int(a.severity)
        rows.append(f'<li class="mb-row"><div class="mb-main"><span class="sev s{s}">{html.escape(t(f"severity_{s}", lang))}'
                    f'</span> {html.escape(t(f"alert_{a.type}", lang))}</div>'
                    f'<div class="mb-meta">{pd.Timestamp(a.raised_at).strftime("%m-%d %H:%M")} · {html.escape(str(a.grid_code))}'
                    f'</div></li>')
    return f'<ul class="mb-list">{"".join(rows)}</ul>'
