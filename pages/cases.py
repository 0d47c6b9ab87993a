"""事件诉求: the case closed loop of one unit, city to grid — funnel, deadlines, tiers, sources, the list; or 督办."""

import streamlit as st

from cockpit import ui
from cockpit.ui import brief, cases

with ui.page_frame() as scope:
    view = cases.render_filters(scope)  # outside a section: every part below needs the filter
    if view.supervising:  # 督办 (?view=supervision): the cases to chase, per responsible unit, then listed
        with ui.section(scope.lang):
            cases.render_supervision_units(view)
        case_id = None
        with ui.section(scope.lang):  # the list is wide (reasons, counts, rating): full width, the timeline under it
            case_id = cases.render_supervision_list(view)
        with ui.section(scope.lang):
            cases.render_timeline(view, case_id)
    else:
        with ui.section(scope.lang):
            cases.render_kpis(view)
        funnel, tiers, tables = st.columns([1, 1, 1.3])
        with funnel, ui.section(scope.lang):
            cases.render_funnel(view)
        with tiers, ui.section(scope.lang):
            cases.render_tiers(view)
        with tables, ui.section(scope.lang):
            cases.render_breakdowns(view)
        listed, timeline = st.columns([1.8, 1])
        case_id = None
        with listed, ui.section(scope.lang):
            case_id = cases.render_case_list(view)
        with timeline, ui.section(scope.lang):
            cases.render_timeline(view, case_id)
    with ui.section(scope.lang):
        ui.render_downloads(cases.page_export(view))
        brief.render_brief_button(scope, "cases")  # 生成简报: the brief of this unit and period
