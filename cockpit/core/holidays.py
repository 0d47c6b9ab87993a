"""China's public holidays and 调休 workdays, as data: the demo's rhythm and the forecast's calendar.

Source: 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号, 2024-11-12; 新华社 text at
https://m.gmw.cn/2024-11/12/content_1303894933.htm) and 国务院办公厅关于2026年部分节假日安排的通知
(2025-11-04; https://politics.gmw.cn/2025-11/04/content_38391083.htm). Every date below was checked against
those two texts (rest days and 调休 workdays). Add each new year's notice when the State Council publishes
it (usually in November); outside the years listed the forecast knows no holiday and adjusts nothing.

HOLIDAYS: each rest period (放假调休), first and last day inclusive, with the festival's name;
MAKEUP_WORKDAYS: weekend days that are working days (调休上班).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

SPRING_FESTIVAL = "春节"

# (name, first rest day, last rest day)
HOLIDAYS: tuple[tuple[str, date, date], ...] = (
    ("元旦", date(2025, 1, 1), date(2025, 1, 1)),
    ("春节", date(2025, 1, 28), date(2025, 2, 4)),
    ("清明节", date(2025, 4, 4), date(2025, 4, 6)),
    ("劳动节", date(2025, 5, 1), date(2025, 5, 5)),
    ("端午节", date(2025, 5, 31), date(2025, 6, 2)),
    ("国庆节", date(2025, 10, 1), date(2025, 10, 8)),  # 国庆节、中秋节 together in 2025
    ("元旦", date(2026, 1, 1), date(2026, 1, 3)),
    ("春节", date(2026, 2, 15), date(2026, 2, 23)),  # 春节 (正月初一) is 17 February 2026
    ("清明节", date(2026, 4, 4), date(2026, 4, 6)),
    ("劳动节", date(2026, 5, 1), date(2026, 5, 5)),
    ("端午节", date(2026, 6, 19), date(2026, 6, 21)),
    ("中秋节", date(2026, 9, 25), date(2026, 9, 27)),
    ("国庆节", date(2026, 10, 1), date(2026, 10, 7)),
)

MAKEUP_WORKDAYS: tuple[date, ...] = (
    date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11),
    date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10),
)

# The years the table covers: outside them a day is taken as an ordinary weekday or weekend day.
YEARS = (2025, 2026)


def holiday_names(first: date, days: int) -> np.ndarray:
    """For each of `days` days from `first`: the holiday's name on a rest day, "" otherwise."""
    out = np.full(days, "", dtype=object)
    for name, start, stop in HOLIDAYS:
        for k in range((stop - start).days + 1):
            i = (start + timedelta(days=k) - first).days
            if 0 <= i < days:
                out[i] = name
    return out


def working_days(first: date, days: int) -> np.ndarray:
    """True for each working day: Monday to Friday unless a holiday, and the 调休 weekend workdays."""
    weekday = np.array([(first + timedelta(days=k)).weekday() for k in range(days)])
    work = (weekday < 5) & (holiday_names(first, days) == "")
    for d in MAKEUP_WORKDAYS:
        i = (d - first).days
        if 0 <= i < days:
            work[i] = True
    return work


def makeup_days(first: date, days: int) -> np.ndarray:
    """True for each 调休 workday (a weekend day worked) among `days` days from `first`."""
    out = np.zeros(days, dtype=bool)
    for d in MAKEUP_WORKDAYS:
        i = (d - first).days
        if 0 <= i < days:
            out[i] = True
    return out
