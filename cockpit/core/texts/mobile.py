"""Texts of the phone home and the touch controls: key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "home": ("我的", "Home"),
    "mb_pan_map": ("移动地图", "Move the map"),
    "mb_open": ("在办事件", "Open cases"),
    "mb_overdue": ("超期事件", "Overdue cases"),
    "mb_active": ("活跃预警", "Active alerts"),
    "mb_closure": ("办结率", "Closure rate"),
    "mb_cases_title": ("待办事件（超期优先）", "Open cases, overdue first"),
    "mb_cases_total": ("共 {total} 件，显示前 {shown} 件", "{total} in all, the first {shown} shown"),
    "mb_cases_none": ("本单元没有在办事件。", "No open cases here."),
    "mb_alerts_title": ("最新活跃预警", "Newest active alerts"),
    "mb_alerts_none": ("本单元没有活跃预警。", "No active alerts here."),
    "mb_due": ("时限", "due"),
    "mb_overdue_tag": ("超期", "overdue"),
    "mb_full_overview": ("打开完整驾驶舱", "Open the full cockpit"),
    "mb_cases_page": ("全部事件", "All cases"),
    "mb_alerts_page": ("全部预警", "All alerts"),
    "mb_unit_note": ("当前单元来自链接；登录后将显示您负责的网格或社区。",
                     "The unit comes from the link; once you sign in, your own grid or community is shown."),
}
