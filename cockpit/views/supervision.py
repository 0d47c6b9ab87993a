"""督办 (supervision) on the cases page: the per-unit table, the case list and the rules line, as pure specs.

Headers follow the viewer's language; the list's free text is masked as the case list's is
(cockpit.domain.privacy.mask_text); times are datetimes, counts integers, so the exports stay typed.
"""

from __future__ import annotations

import pandas as pd

from cockpit.core.i18n import fmt_date, t
from cockpit.core.settings import SUPERVISION_RULES, SupervisionRules
from cockpit.domain.privacy import mask_text
from cockpit.views.tables import Table


def _factor(rules: SupervisionRules) -> str:
    return f"{rules.factor:g}"


def reason_label(rule: str, rules: SupervisionRules, lang: str) -> str:
    return t(f"sv_reason_{rule}", lang, factor=_factor(rules))


def rules_line(rules: SupervisionRules, now: object, lang: str) -> str:
    """Which rules list a case, as set for this city, and the clock they are read at."""
    sep = "；" if lang == "zh" else "; "
    named = sep.join(t(f"sv_rule_{r}", lang, n=rules.returns, factor=_factor(rules)) for r in rules.rules)
    return t("sv_rules", lang, rules=named, now=fmt_date(pd.Timestamp(now) - pd.Timedelta(seconds=1), lang))


def units_table(units: pd.DataFrame, rules: SupervisionRules, lang: str, title: str) -> Table:
    """One row per responsible unit (cockpit.domain.supervision.by_unit): cases, per enabled rule, times
    returned/reopened, the longest overdue of its open cases in days."""
    out = pd.DataFrame({
        t("sv_col_unit", lang): units["name"].astype(str).to_numpy(),
        t("sv_col_cases", lang): units["cases"].astype("int64").to_numpy(),
    })
    for rule in (r for r in SUPERVISION_RULES if r in rules.rules):
        out[reason_label(rule, rules, lang)] = units[rule].astype("int64").to_numpy()
    out[t("sv_col_chased", lang)] = units["chased"].astype("int64").to_numpy()
    out[t("sv_col_oldest", lang)] = pd.to_numeric(units["oldest_days"], errors="coerce").astype("float64").to_numpy()
    return Table("supervision_units", title, out)


def _times(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce").dt.floor("min").reset_index(drop=True)


def list_table(cases: pd.DataFrame, unit_names: dict[str, str], category_label: dict[str, str],
               rules: SupervisionRules, lang: str, title: str, note: str = "") -> Table:
    """The 督办 cases (annotated by cockpit.domain.supervision.annotate): id, category, unit and grid, received,
    deadline, days overdue, reasons, times returned/reopened, rating and the masked description."""
    sep = "、" if lang == "zh" else ", "
    scores = pd.to_numeric(cases["satisfaction"], errors="coerce")
    out = pd.DataFrame({
        t("cs_col_id", lang): cases["id"].astype("int64").to_numpy(),
        t("cs_col_category", lang): [category_label.get(c, c) for c in cases["category_code"]],
        t("sv_col_unit", lang): [unit_names.get(c, c) for c in cases["code"]],
        t("sv_col_grid", lang): cases["grid_code"].astype(str).to_numpy(),
        t("cs_col_received", lang): _times(cases["received_at"]),
        t("cs_col_due", lang): _times(cases["due_at"]),
        t("sv_col_days", lang): cases["days_overdue"].astype("float64").to_numpy(),
        t("sv_col_reasons", lang): [sep.join(reason_label(r, rules, lang) for r in rs) for rs in cases["reasons"]],
        t("sv_col_chased", lang): cases["chased"].astype("int64").to_numpy(),
        t("sv_col_satisfaction", lang): pd.array(scores.to_numpy(), dtype="Int64"),
        t("cs_col_status", lang): [t(f"cs_status_{s}", lang) for s in cases["status"]],
        t("cs_col_description", lang): [mask_text(d) for d in cases["description"]],
    })
    return Table("supervision_list", title, out, note=note)
