"""Texts of the unit search (#23): key -> (Chinese, English)."""

TEXT: dict[str, tuple[str, str]] = {
    "search_label": ("查找单位", "Find a unit"),
    "search_placeholder": ("名称、拼音、首字母或代码", "Name, pinyin, initials or code"),
    "search_help": ("例如：暨阳、jiyang、jy 或 330681001。只列出您可以查看的单位。",
                    "Part of the Chinese name, its pinyin (jiyang) or initials (jy), or a code (330681001). Only units you may open are listed."),
    "search_pick": ("查找结果", "Results"),
    "search_pick_placeholder": ("选择要打开的单位（{n} 个结果）", "Pick a unit to open ({n} results)"),
    "search_none": ("没有找到匹配的单位。", "No unit matches."),
}
