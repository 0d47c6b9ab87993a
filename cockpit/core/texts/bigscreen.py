"""Texts of the big screen (大屏): key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "bigscreen": ("大屏", "Big screen"),
    "bs_subtitle": ("社会治理态势", "Governance at a glance"),
    "bs_as_of": ("数据截至 {time}", "Data as of {time}"),
    "bs_refreshed": ("刷新于 {time}", "Refreshed {time}"),
    "bs_stale": ("数据暂停更新 · 截至 {time}", "Data paused · as of {time}"),
    "bs_stale_none": ("数据暂停更新", "Data paused"),
    "bs_population_total": ("实有人口", "Residents"),
    "bs_population_share": ("户籍 / 流动", "Registered / floating"),
    "bs_population_trend": ("人口按最近一期统计快照，环比、同比为与上期和去年同期快照相比。",
                            "Residents at the latest snapshot; changes against the previous period's and last year's."),
    "bs_trend_period": ("{period}趋势", "{period}"),
    "bs_no_children": ("本大屏不可轮播下级单元，只显示本单元。",
                       "This screen may not rotate through the units below it: showing its own unit only."),
    "bs_rotating": ("轮播 {n}/{total}", "Rotating {n}/{total}"),
    "bs_weekdays": ("星期一,星期二,星期三,星期四,星期五,星期六,星期日", "Mon,Tue,Wed,Thu,Fri,Sat,Sun"),
}
