"""A table and a chart as a page shows them and its exports write them: typed values, headers in the page's language.

The screen formats the values (percentages, times) through Streamlit's column settings; the
exports write the same values typed, so CSV and Excel hold numbers and dates, not display text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import altair as alt
import pandas as pd

from cockpit.core.i18n import t


@dataclass(frozen=True)
class Table:
    key: str  # in file and sheet names: ASCII, e.g. "by_source"
    title: str  # in the page's language
    frame: pd.DataFrame  # numbers as numbers, rates as fractions, times as datetimes
    percent: tuple[str, ...] = ()  # columns holding fractions shown as percentages
    scientific: tuple[str, ...] = ()  # columns shown in scientific notation (p-values)
    note: str = ""  # e.g. that the table is the top N of a longer list

    def datetime_columns(self) -> list[str]:
        return [c for c in self.frame.columns if pd.api.types.is_datetime64_any_dtype(self.frame[c])]

    def is_date_only(self, column: str) -> bool:
        """A time column whose values all fall at midnight: dates, shown and written without a time."""
        times = self.frame[column].dropna()
        return bool(len(times)) and bool((times == times.dt.normalize()).all())


@dataclass(frozen=True)
class Chart:
    """A chart of a page, kept as its builder and the builder's inputs.

    The screen caches the drawing on those inputs (a warm page neither builds nor serialises an
    Altair chart); a file export builds the spec when it is asked for.
    """

    key: str
    title: str
    build: Callable[..., alt.TopLevelMixin] = field(repr=False)
    args: tuple = field(default=(), repr=False)

    @property
    def spec(self) -> alt.TopLevelMixin:
        return self.build(*self.args)


def figures_table(key: str, title: str, rows: list[tuple[str, float | None, bool]], lang: str) -> Table:
    """Headline figures (label, value, is a rate): counts in one column, rates as fractions in the next."""
    rate = t("ex_rate", lang)
    frame = pd.DataFrame({
        t("ex_metric", lang): [label for label, _, _ in rows],
        t("ex_value", lang): pd.array([None if r or v is None else v for _, v, r in rows], dtype="Float64"),
        rate: pd.array([v if r else None for _, v, r in rows], dtype="Float64"),
    })
    return Table(key, title, frame, percent=(rate,))
