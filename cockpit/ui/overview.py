"""The overview's exports: its KPI cards and the map's figures as tables, its trend panel as a chart."""

from __future__ import annotations

from cockpit.core.i18n import t
from cockpit.domain import metrics
from cockpit.ui import data
from cockpit.ui.downloads import PageExport, Part
from cockpit.ui.nodata import no_data
from cockpit.ui.render import trend_chart
from cockpit.ui.scope import Scope
from cockpit.views import overview as views
from cockpit.views.tables import Table

PAGE = "overview"


def kpis_table(scope: Scope) -> Table:
    """The cards' figures, read by the same calls as render_kpis."""
    url, unit = scope.url, scope.unit
    current, _ = data.cached_window_values(url, unit, scope.current)
    kpis = metrics.compute_kpis(current, data.comparison_values(url, unit, scope.previous),
                                data.comparison_values(url, unit, scope.last_year))
    return views.kpi_table(kpis, scope.lang, t("ov_kpis", scope.lang), no_data(scope))


def sub_units_table(scope: Scope) -> Table:
    """What the map colours: every child (a grid: itself) with every map metric."""
    unit = scope.unit
    names = dict(data.children_options(scope.url, scope.tree, unit)) if scope.child_level else {unit.code: unit.name}
    values = data.map_values(scope.url, scope.tree, unit, scope.child_level, scope.current, list(names))
    title = t("ov_children" if scope.child_level else "ov_self", scope.lang)
    return views.children_table(values, names, scope.lang, title)


def page_export(scope: Scope) -> PageExport:
    lang = scope.lang
    parts = (
        Part("table", "indicators", t("ov_kpis", lang), lambda: kpis_table(scope)),
        Part("table", "sub_units", t("ov_children" if scope.child_level else "ov_self", lang), lambda: sub_units_table(scope)),
        Part("chart", "trends", t("ov_trends", lang), lambda: trend_chart(scope)),
    )
    return PageExport(PAGE, scope, parts)
