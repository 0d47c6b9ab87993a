"""Every user-facing word, in Chinese (default) and English, and locale-aware number/date formats."""

from __future__ import annotations

import math
from datetime import date, datetime

from cockpit.core.texts import a11y as texts_a11y
from cockpit.core.texts import access as texts_access
from cockpit.core.texts import alerts as texts_alerts
from cockpit.core.texts import bigscreen as texts_bigscreen
from cockpit.core.texts import cases as texts_cases
from cockpit.core.texts import compare as texts_compare
from cockpit.core.texts import dates as texts_dates
from cockpit.core.texts import exports as texts_exports
from cockpit.core.texts import facts as texts_facts
from cockpit.core.texts import forecast as texts_forecast
from cockpit.core.texts import grids as texts_grids
from cockpit.core.texts import maps as texts_maps
from cockpit.core.texts import mobile as texts_mobile
from cockpit.core.texts import participation as texts_participation
from cockpit.core.texts import ranking as texts_ranking
from cockpit.core.texts import search as texts_search

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("城市社会治理驾驶舱", "City Governance Cockpit"),
    "overview": ("综合驾驶舱", "Overview"),
    "about": ("数据说明", "About the data"),
    "language": ("语言 / Language", "语言 / Language"),
    "period": ("统计周期", "Period"),
    "metric": ("地图指标", "Map metric"),
    "extrude": ("2.5D 立体", "2.5D extrusion"),
    "show_alerts": ("显示活跃预警", "Show active alerts"),
    "show_venues": ("显示服务阵地", "Show venues"),
    "drill_to": ("下钻到", "Drill down to"),
    "choose_child": ("— 选择下级单元 —", "— choose a sub-unit —"),
    "up": ("返回上级", "Up one level"),
    "demo_badge": ("演示数据", "Demo data"),
    "as_of": ("数据截至", "Data as of"),
    "unknown_unit": ("链接中的单元代码“{code}”无效或不存在，已显示全市。", "The unit code “{code}” in the link is invalid or unknown; showing the whole city."),
    "build_failed": ("演示数据库生成失败：{reason}", "Building the demo database failed: {reason}"),
    "building_demo": ("首次运行：正在生成诸暨演示数据库（约 30 秒）…", "First run: building the Zhuji demo database (about 30 s)…"),
    "db_unreachable": ("无法连接数据库：{url}。请检查 COCKPIT_DB_URL 或数据库服务。", "Cannot reach the database: {url}. Check COCKPIT_DB_URL or the database service."),
    "db_empty": ("数据库中没有驾驶舱所需的数据表或数据：{url}。可运行 python -m cockpit demo 生成演示数据。", "The database has no cockpit tables or data: {url}. Run python -m cockpit demo to build the demo."),
    "outage_locked": ("数据库正忙（被锁定）：{url}。", "The database is busy (locked): {url}."),
    "outage_busy": ("同时访问的人数较多，暂时排不上数据库连接。", "Many people are viewing at once: no database connection was free in time."),
    "outage_stale": ("显示的是 {time} 的数据，", "Figures shown are as of {time}; "),
    "outage_none": ("暂无可显示的数据，", "No figures to show yet; "),
    "outage_retry": ("页面每 {seconds} 秒自动重试，恢复后自动更新。", "the page retries every {seconds} s and updates itself once it is back."),
    "unknown_filter": ("链接中的{name}“{value}”无法识别，已显示全部。", "The link's {name} {value} is not known; showing all."),
    "filter_all": ("全部", "All"),
    "section_unavailable": ("此处数据暂不可用。", "These figures are not available right now."),
    "page_problem": ("此部分出现问题，已记录在服务器日志中；其余内容正常显示。", "This part ran into a problem, recorded in the server log; the rest of the page is shown."),
    # {file} is a name inside the boundary folder (units.geojson), never the server's path: that goes to the log.
    "geo_broken": ("边界文件无法读取（{file}）。地图暂不绘制，其余指标正常显示；可运行 python -m cockpit check 查看原因。", "Boundary file unreadable ({file}). The map is not drawn; all other figures are shown. python -m cockpit check tells why."),
    "geo_missing": ("缺少边界文件（{file}），地图无法绘制，其余指标正常显示；可导入边界 GeoJSON。", "Boundary file missing ({file}). The map cannot be drawn; all other figures are shown. Import a boundary GeoJSON."),
    "theme_population": ("人口", "Population"),
    "theme_cases": ("事件", "Cases"),
    "theme_alerts": ("风险预警", "Risk alerts"),
    "theme_points": ("积分治理", "Participation"),
    "registered": ("户籍人口", "Registered"),
    "floating": ("流动人口", "Floating"),
    "households": ("户数", "Households"),
    "elderly_60p": ("60岁以上老人", "Elderly 60+"),
    "elderly_alone": ("独居老人", "Elderly living alone"),
    "open": ("在办事件", "Open"),
    "overdue": ("超期事件", "Overdue"),
    "closed": ("期内办结", "Closed in period"),
    "closure_rate": ("办结率", "Closure rate"),
    "on_time_rate": ("按时办结率", "On-time rate"),
    "satisfaction": ("满意率", "Satisfaction"),
    "low_tier_rate": ("网格社区解决率", "Solved at grid/community"),
    "active": ("活跃预警", "Active alerts"),
    "active_by_severity": ("红/橙/黄/蓝", "Red/orange/yellow/blue"),
    "raised": ("期内预警", "Raised in period"),
    "ack_rate": ("按时响应率", "Acknowledged in time"),
    "earned": ("获得积分", "Points earned"),
    "redeemed": ("兑换积分", "Points redeemed"),
    "participants": ("参与人数", "Participants"),
    "participants_per_1000": ("每千人参与", "Participants per 1,000"),
    "mom": ("环比", "vs prev."),
    "yoy": ("同比", "YoY"),
    "no_change": ("—", "—"),
    "unchanged": ("持平", "unchanged"),
    "m_population": ("人口", "Population"),
    "m_density": ("人口密度（人/平方公里）", "Density (per km²)"),
    "m_open_cases": ("在办事件", "Open cases"),
    "m_overdue_cases": ("超期事件", "Overdue cases"),
    "m_active_alerts": ("活跃预警", "Active alerts"),
    "m_points_per_1000": ("每千人积分", "Points per 1,000 residents"),
    "trend_cases": ("事件受理与办结", "Cases received and closed"),
    "trend_alerts": ("预警数", "Alerts raised"),
    "trend_points": ("积分获得", "Points earned"),
    "tiers_title": ("事件解决层级", "Tier that resolved cases"),
    "day": ("日期", "Date"),
    "count": ("数量", "Count"),
    "table_empty": ("当前范围与筛选下没有记录。", "Nothing to list for this unit, period and filter."),
    "series": ("类别", "Series"),
    "cases_received": ("受理", "Received"),
    "cases_closed": ("办结", "Closed"),
    "alerts_raised": ("预警", "Alerts"),
    "points_earned": ("积分", "Points"),
    "tier_grid": ("网格", "Grid"),
    "tier_community": ("社区", "Community"),
    "tier_street": ("街道", "Street"),
    "tier_district": ("区县", "District"),
    "tier_city": ("市级", "City"),
    "level_city": ("市", "City"),
    "level_district": ("区县", "District"),
    "level_street": ("街道/乡镇", "Street/town"),
    "level_community": ("社区/村", "Community/village"),
    "level_grid": ("网格", "Grid"),
    "alert_gas": ("燃气泄漏", "Gas leak"),
    "alert_smoke_fire": ("烟感火情", "Smoke/fire"),
    "alert_waterlogging": ("积水内涝", "Waterlogging"),
    "alert_noise": ("噪声扰民", "Noise"),
    "alert_parking": ("违停占道", "Illegal parking"),
    "alert_elderly_alone": ("独居老人异常", "Elderly living alone"),
    "severity_1": ("红色", "Red"),
    "severity_2": ("橙色", "Orange"),
    "severity_3": ("黄色", "Yellow"),
    "severity_4": ("蓝色", "Blue"),
    "venue_redemption": ("积分兑换点", "Redemption point"),
    "venue_activity": ("活动阵地", "Activity venue"),
    "venue_party_station": ("党群服务站", "Party service station"),
    "legend": ("图例", "Legend"),
    "legend_all": ("全部", "all"),
    "legend_all_same": ("全部为 {value}", "all {value}"),
    "alerts_layer": ("预警（按等级）", "Alerts (by severity)"),
    "venues_layer": ("服务阵地", "Venues"),
    "grid_view_note": ("网格为最小单元：地图显示本网格边界、活跃预警与服务阵地。", "A grid is the smallest unit: the map shows its outline, active alerts and venues."),
    "children_table": ("下级单元一览", "Sub-units"),
    "name": ("名称", "Name"),
    "key": ("项目", "Item"),
    "value": ("内容", "Value"),
    "code": ("代码", "Code"),
    "period_7": ("近7天", "Last 7 days"),
    "period_30": ("近30天", "Last 30 days"),
    "period_90": ("近90天", "Last 90 days"),
    "period_365": ("近一年", "Last 12 months"),
    "about_body": (
        "本驾驶舱读取城市共享治理数据库（只读）与 GeoJSON 边界。演示数据为合成数据：区划名称与代码、县级边界真实，"
        "街道及以下边界与全部业务数字为演示生成。",
        "The cockpit reads the city's shared governance database (read-only) and GeoJSON boundaries. The demo data is "
        "synthetic: division names, codes and county outlines are real; boundaries below the county and every figure "
        "are generated.",
    ),
}

# Each theme page keeps its texts in its own module; a key defined twice is a mistake caught here.
for _theme in (texts_a11y, texts_access, texts_alerts, texts_bigscreen, texts_cases, texts_compare, texts_dates, texts_exports, texts_facts, texts_forecast, texts_grids, texts_maps, texts_mobile,
               texts_participation, texts_ranking, texts_search):
    _twice = TEXT.keys() & _theme.TEXT.keys()
    if _twice:
        raise RuntimeError(f"text keys defined twice: {sorted(_twice)}")
    TEXT.update(_theme.TEXT)


def t(key: str, lang: str, **kwargs: object) -> str:
    """The text for `key` in `lang`, formatted with kwargs."""
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**kwargs) if kwargs else text


def fmt_number(value: float | None, lang: str, digits: int = 1) -> str:
    """12,345 → '1.2万' in Chinese, '12,345' in English; large English values as 1.2M."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    v = float(value)
    if lang == "zh":
        if abs(v) >= 1e8:
            return f"{v / 1e8:.{digits}f}亿"
        if abs(v) >= 1e4:
            return f"{v / 1e4:.{digits}f}万"
        return f"{v:,.0f}" if v == int(v) else f"{v:,.{digits}f}"
    if abs(v) >= 1e7:
        return f"{v / 1e6:.{digits}f}M"
    return f"{v:,.0f}" if v == int(v) else f"{v:,.{digits}f}"


def fmt_percent(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value * 100:.{digits}f}%"


CHANGE_DIGITS = 1  # a change is shown in percent with one decimal: ▲3.2%


def change_direction(change: float | None, digits: int = CHANGE_DIGITS) -> int | None:
    """+1 up, -1 down, 0 unchanged (rounds to zero at `digits` decimals of a percent); None: nothing to compare.

    The one rule for 持平: every card, table, export and brief asks here, so a -0.04% is never "▼0.0%".
    """
    if change is None or (isinstance(change, float) and (math.isnan(change) or math.isinf(change))):
        return None
    if float(f"{abs(float(change)) * 100:.{digits}f}") == 0:  # exactly as fmt_change would print it
        return 0
    return 1 if change > 0 else -1


def shown_change(change: float | None, digits: int = CHANGE_DIGITS) -> float | None:
    """The change as files hold it: unchanged at the shown precision is exactly 0 (never a -0.0%)."""
    direction = change_direction(change, digits)
    if direction is None:
        return None
    return 0.0 if direction == 0 else float(change)  # type: ignore[arg-type]


def fmt_change(change: float | None, lang: str, digits: int = CHANGE_DIGITS) -> str:
    """A relative change as '▲3.2%' / '▼1.0%'; '持平' / 'unchanged' when it rounds to zero; '—' when there is nothing to compare with."""
    direction = change_direction(change, digits)
    if direction is None:
        return t("no_change", lang)
    if direction == 0:
        return t("unchanged", lang)
    arrow = "▲" if direction > 0 else "▼"
    return f"{arrow}{abs(change) * 100:.{digits}f}%"  # type: ignore[arg-type]


def fmt_date(value: date | datetime, lang: str) -> str:
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return value.strftime("%d %b %Y").lstrip("0")
