"""Texts of the custom date range (#23): key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "period_custom": ("自定义…", "Custom…"),
    "range_start": ("开始日期", "Start date"),
    "range_end": ("结束日期", "End date"),
    "range_days": ("{days}天", "{days} days"),
    "range_help": ("数据范围：{first} 至 {last}", "Data from {first} to {last}"),
    "range_bad": ("日期范围 {start} 至 {end} 无法使用：{reason}已改为显示{default}。",
                  "The date range {start} to {end} cannot be used: {reason} Showing {default} instead."),
    "range_why_malformed": ("日期格式不正确（应为 YYYY-MM-DD，例如 2026-10-01）。",
                            "a date is not in the form YYYY-MM-DD (e.g. 2026-10-01)."),
    "range_why_half": ("开始日期和结束日期须同时给出。", "both a start and an end date are needed."),
    "range_why_reversed": ("结束日期早于开始日期。", "the end date is before the start date."),
    "range_why_outside": ("超出了数据范围（{first} 至 {last}）。", "it lies outside the data ({first} to {last})."),
    "range_why_no_data": ("数据库中还没有数据。", "the database holds no data yet."),
}
