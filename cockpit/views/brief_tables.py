"""A page's Table as the brief prints it: each cell formatted as the screen formats it, at most N rows."""

from __future__ import annotations

import io
import math
from collections.abc import Collection
from datetime import date, datetime

import pandas as pd
from PIL import Image

from cockpit.core.i18n import fmt_change, fmt_percent, t
from cockpit.core.texts.brief import bt
from cockpit.domain.brief import Grid
from cockpit.domain.metrics import THEMES, Kpi
from cockpit.views.cards import format_kpi
from cockpit.views.images import PNG_SCALE
from cockpit.views.tables import Table

MISSING = "—"  # what the screen's tables and cards show for a value with nothing behind it


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell(value: object, percent: bool = False, scientific: bool = False, date_only: bool = False,
         decimals: int | None = None) -> str:
    """One value as the screen shows it: rates as 95.6%, counts as 1,234, p-values as 1.2e-05, times to the minute."""
    if _missing(value):
        return MISSING
    if hasattr(value, "item") and not isinstance(value, datetime):
        value = value.item()  # a numpy scalar
    if percent:
        return fmt_percent(float(value))  # type: ignore[arg-type]
    if scientific:
        return f"{float(value):.1e}"  # type: ignore[arg-type]
    if isinstance(value, datetime):  # a Timestamp too
        return f"{value:%Y-%m-%d}" if date_only else f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return _number(value, decimals) if isinstance(value, int | float) and not isinstance(value, bool) else str(value)


def _number(value: float, decimals: int | None = None) -> str:
    """1,234 for a count (a whole float too), 2.35 / 1.5 for a measure (two decimals at most, or the column's
    `decimals`, so 152.3 and 152.0 line up), — for infinity."""
    if isinstance(value, int):
        return f"{value:,}"
    if math.isinf(value):
        return MISSING
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    if value.is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def column_decimals(series: pd.Series) -> int | None:
    """The decimals a float column of measures needs (0–2, the most any value needs); None for other columns."""
    if not pd.api.types.is_float_dtype(series):
        return None
    values = pd.to_numeric(series, errors="coerce").dropna()
    values = values[~values.isin([math.inf, -math.inf])]
    if values.empty or bool((values == values.round(0)).all()):
        return None  # whole numbers in a float column (a count beside gaps): 1,234
    return 1 if bool((values == values.round(1)).all()) else 2


def identifier_columns(lang: str) -> frozenset[str]:
    """Columns of numbers that name a thing (a case's 编号, a device): printed plain, never as 3,935."""
    return frozenset({t("cs_col_id", lang), t("al_col_device", lang)})


def grid_of(table: Table, lang: str, title: str | None = None, max_rows: int | None = None,
            drop: tuple[str, ...] = ()) -> Grid:
    """The table's frame as formatted text; `max_rows` keeps the first rows and says how many there were;
    `drop` leaves out columns (by header) a page needs and a printed brief does not."""
    frame = table.frame.drop(columns=[c for c in drop if c in table.frame.columns])
    plain = identifier_columns(lang)
    shown = frame if max_rows is None else frame.head(max_rows)
    dates = {c: table.is_date_only(c) for c in table.datetime_columns()}
    places = {c: column_decimals(frame[c]) for c in frame.columns}
    numeric = tuple(bool(pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c]))
                    for c in frame.columns)
    rows = tuple(
        tuple(str(v) if c in plain and not _missing(v) else cell(v, c in table.percent, c in table.scientific,
                                                                 dates.get(c, False), places[c])
              for c, v in zip(frame.columns, row))
        for row in shown.itertuples(index=False, name=None)
    )
    note = table.note
    if len(shown) < len(frame):
        note = bt("br_more_rows", lang, total=f"{len(frame):,}", shown=len(shown))
    return Grid(title or table.title, tuple(str(c) for c in frame.columns), rows, numeric, note)


def kpi_grid(kpis: dict[str, Kpi], lang: str, title: str, no_data: Collection[str] = ()) -> Grid:
    """The overview's four cards as one table, each figure and change worded exactly as its card words it
    (format_kpi: 万 for large counts; fmt_change: ▲/▼ or 持平); a theme without facts reads 暂无数据."""
    rows = []
    for theme, keys in THEMES.items():
        for key in keys:
            k = kpis[key]
            if theme in no_data:
                rows.append((t(f"theme_{theme}", lang), t(key, lang), t("no_data", lang), MISSING, MISSING))
                continue
            rows.append((t(f"theme_{theme}", lang), t(key, lang), format_kpi(k, lang), fmt_change(k.mom, lang),
                         fmt_change(k.yoy, lang)))
    columns = (t("ex_theme", lang), t("ex_metric", lang), t("ex_value", lang), t("mom", lang), t("yoy", lang))
    return Grid(title, columns, tuple(rows), (False, False, True, True, True))


def figure_width_pt(png: bytes, most: float) -> float:
    """A chart image printed at the size the screen draws it (a CSS pixel is 0.75 pt; the PNG is at PNG_SCALE),
    never wider than `most` points: a narrow panel is not blown up to the page's width."""
    with Image.open(io.BytesIO(png)) as img:
        return min(most, img.width / PNG_SCALE * 0.75)
