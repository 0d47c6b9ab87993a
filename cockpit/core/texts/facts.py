"""Texts for themes without facts yet (#28): a city's first day, before its tables are imported."""

TEXT: dict[str, tuple[str, str]] = {
    "no_data": ("暂无数据", "No data yet"),
    "no_data_theme": ("本单元尚无{theme}数据", "No {theme} data for this unit yet"),
    "no_data_fill": ("导入后显示：", "Shown once imported:"),
    "no_data_trend": ("暂无数据", "No data yet"),
}
