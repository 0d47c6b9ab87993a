"""The indicators a scheme may use: each is a numerator over a denominator of the monthly figures.

The figures (cockpit.queries.fetch_month_figures) are per unit and month: cases received, reviewed
on time, due, resolved, closed, visited, rated, alerts and participants. A rate's denominator is the
number of cases it is a rate of — what shrinkage and the Wilson bound count as the sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

RATE, PER_CAPITA = "rate", "per_capita"
HIGHER, LOWER = "higher", "lower"

# The integer columns every month's figures hold (plus population).
FIGURE_COLUMNS = (
    "received", "review_due", "review_on_time", "due", "resolved_due", "resolved_on_time",
    "closed", "visited", "reopened", "returned", "rated", "satisfied", "basic_satisfied",
    "alerts_raised", "alerts_ack_on_time", "participants",
)


@dataclass(frozen=True)
class IndicatorDef:
    id: str
    name_zh: str
    name_en: str
    kind: str  # RATE (0..1) or PER_CAPITA (per `per` residents)
    direction: str  # HIGHER or LOWER is better
    numerator: tuple[str, ...]  # columns added up
    denominator: str  # a figure column, or "population"
    formula_zh: str  # as the 方法 sheet states it
    formula_en: str
    per: int = 1  # PER_CAPITA: per this many residents

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def formula(self, lang: str) -> str:
        return self.formula_zh if lang == "zh" else self.formula_en


def _rate(id_: str, zh: str, en: str, direction: str, num: tuple[str, ...], den: str, fzh: str, fen: str) -> IndicatorDef:
    return IndicatorDef(id_, zh, en, RATE, direction, num, den, fzh, fen)


CATALOGUE: dict[str, IndicatorDef] = {d.id: d for d in (
    _rate("review_on_time_rate", "按时立案率", "Registered on time", HIGHER, ("review_on_time",), "review_due",
          "当月受理且有立案时限的事件中，在时限内立案的比例", "of cases received in the month with a registration deadline, those registered by it"),
    _rate("closure_rate", "办结率", "Resolved", HIGHER, ("resolved_due",), "due",
          "办结时限在当月的事件（应办结）中，月末前办结的比例", "of cases due in the month, those resolved before the month's end"),
    _rate("on_time_rate", "按期办结率", "Resolved on time", HIGHER, ("resolved_on_time",), "due",
          "应办结事件中，在办结时限内办结的比例", "of cases due in the month, those resolved by their deadline"),
    _rate("satisfaction_rate", "满意率", "Satisfaction", HIGHER, ("satisfied", "basic_satisfied"), "rated",
          "当月回访评价中，（满意 + 基本满意 × 权重）/ 评价数", "of the month's rated return visits, (satisfied + partly satisfied × weight) / rated"),
    _rate("visit_rate", "回访率", "Return visits", HIGHER, ("visited",), "closed",
          "当月结案事件中，已回访的比例", "of cases closed in the month, those visited"),
    _rate("reopen_rate", "重办率", "Reopened", LOWER, ("reopened",), "closed",
          "当月结案事件中，曾被重办的比例", "of cases closed in the month, those reopened at least once"),
    _rate("return_rate", "退回率", "Sent back", LOWER, ("returned",), "received",
          "当月受理事件中，曾被退回的比例", "of cases received in the month, those sent back at least once"),
    _rate("alert_ack_rate", "预警按时响应率", "Alerts answered on time", HIGHER, ("alerts_ack_on_time",), "alerts_raised",
          "当月预警中，在响应时限内签收的比例", "of the month's alerts, those acknowledged by their deadline"),
    IndicatorDef("volume_per_10k", "诉求量/万人", "Cases per 10,000", PER_CAPITA, LOWER, ("received",), "population",
                 "当月受理事件数 / 常住人口 × 10000", "cases received in the month / residents × 10,000", per=10_000),
    IndicatorDef("participation_per_1000", "每千人参与", "Participants per 1,000", PER_CAPITA, HIGHER, ("participants",),
                 "population", "当月获得积分的居民数（按网格去重）/ 常住人口 × 1000",
                 "residents who earned points in the month (counted once per grid) / residents × 1,000", per=1_000),
)}


def numerator(figures: pd.DataFrame, ind: IndicatorDef, basic_weight: float = 1.0) -> pd.Series:
    """The indicator's numerator per row; 基本满意 counts `basic_weight` of a 满意."""
    out = pd.Series(0.0, index=figures.index)
    for col in ind.numerator:
        out = out + figures[col].astype(float) * (basic_weight if col == "basic_satisfied" else 1.0)
    return out


def denominator(figures: pd.DataFrame, ind: IndicatorDef) -> pd.Series:
    return figures[ind.denominator].astype(float)
