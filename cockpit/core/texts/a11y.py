"""Texts that make the charts readable without seeing them (#25): the 数据 toggle, its tables and the
description read before each chart image. key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "ct_data": ("数据", "Data"),
    "ct_data_of": ("数据：{title}", "Data: {title}"),  # the toggle's accessible name: several charts on a page
    "ct_colon": ("：", ": "),
    "ct_and": ("，", ", "),
    "ct_next": ("；", "; "),
    "ct_end": ("。", "."),
    "ct_total": ("{label}合计 {value}", "{label} total {value}"),
    "ct_peak": ("最高 {value}（{day}）", "peak {value} ({day})"),
    "ct_last": ("期末 {value}", "{value} at the end"),
    "ct_week_of": ("周（起始日）", "Week starting"),
    "ct_tier": ("解决层级", "Tier"),
    "ct_stage": ("环节", "Stage"),
    "ct_cases": ("件数", "Cases"),
    "ct_median": ("中位用时（上一环节至此）", "Median time from the stage before"),
    "ct_overdue": ("超期事件", "Overdue cases"),
    "ct_resolved": ("已解决件数", "Resolved cases"),
    "ct_share": ("占比", "Share"),
    "ct_total_col": ("合计", "Total"),
    "ct_more": ("等 {n} 个", "and {n} more"),
    "ct_none": ("无", "none"),
}
