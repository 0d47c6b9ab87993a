"""Texts of the 工作简报 / work brief (`python -m cockpit brief`, the 生成简报 button): key -> (Chinese, English).

Kept in their own table with their own lookup (`bt`); the words the pages already have (metric,
source, tier, alert type names) come from cockpit.core.i18n's `t`, so the brief says what the screen says.
"""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "br_title": ("{unit}社会治理工作简报", "{unit}: social governance brief"),
    "br_issue": ("{year}年第{n}期", "{year}, No. {n}"),
    "br_period_line": ("统计周期：{text}", "Period: {text}"),
    "br_as_of": ("数据截至：{time}", "Data as of: {time}"),
    "br_made": ("生成时间：{time}", "Made: {time}"),
    "br_source": ("城市社会治理驾驶舱", "City Governance Cockpit"),
    "br_demo": ("演示数据：以下数字为模拟数据，不代表真实情况。", "Demo data: the figures below are simulated, not real."),
    "br_button": ("生成简报", "Make the brief"),
    "br_button_help": ("用本页的单元和统计周期生成工作简报（Word 或 PDF），数字与屏幕一致。",
                       "A brief (Word or PDF) for this page's unit and period; its figures are the screen's."),
    "br_building": ("正在生成简报…", "Making the brief…"),
    "br_download": ("下载简报 · {fmt}", "Download the brief · {fmt}"),
    "br_failed": ("简报生成失败：{reason}", "The brief could not be made: {reason}"),
    "br_format": ("简报格式", "Brief format"),
    # period words in sentences
    "br_this_week": ("本周", "This week"),
    "br_this_month": ("本月", "This month"),
    "br_this_period": ("本期", "This period"),
    "br_prev_week": ("环比", "on the week before"),
    "br_prev_month": ("环比", "on the month before"),
    "br_prev_period": ("环比", "on the period before"),
    # sections
    "br_s1": ("一、总体情况", "1. Overview"),
    "br_s2": ("二、事件诉求", "2. Cases"),
    "br_s3": ("三、风险预警", "3. Risk alerts"),
    "br_s4": ("四、共建共享", "4. Participation"),
    "br_s5": ("五、考核排名", "5. Assessment ranking"),
    "br_s2_volume": ("（一）受理情况", "Volumes"),
    "br_s2_rates": ("（二）办理质效", "Closure and timeliness"),
    "br_s2_tiers": ("（三）解决层级", "Where cases were solved"),
    "br_s2_supervision": ("（四）督办事项", "Cases under supervision"),
    "br_s3_types": ("（一）活跃预警分布", "Active alerts by type and severity"),
    "br_s3_hot": ("（二）高于基线的网格", "Grids above their baseline"),
    "br_s4_points": ("（一）积分获得与兑换", "Points earned and redeemed"),
    "br_s4_top": ("（二）排名靠前的社区", "Top communities"),
    "br_s5_red": ("红榜", "Red list (best)"),
    "br_s5_black": ("黑榜", "Black list (to improve)"),
    "br_charts": ("图表", "Charts"),
    "br_figure": ("图{n}　{title}", "Figure {n}. {title}"),
    "br_table": ("表{n}　{title}", "Table {n}. {title}"),
    "br_hook_supervision": ("督办清单尚未接入：事件诉求页的督办视图上线后，本节列出超期、多次退回或重办、不满意的督办事件。",
                            "The supervision list is not connected yet: once the cases page's supervision view exists, "
                            "this part lists the overdue, returned and unsatisfied cases under supervision."),
    "br_no_ranking": ("{month}暂无考核排名（本单位下无可排名的单位，或数据未覆盖该月）。",
                      "No ranking for {month} (no units below this one to rank, or no data for that month)."),
    "br_ranking_lead": ("{month}考核排名（{scheme}）的红榜和黑榜如下。", "The red and black lists of {month} ({scheme})."),
    "br_no_data": ("{theme}暂无数据。", "No {theme} data yet."),
    "br_none": ("无", "None"),
    "br_more_rows": ("（共 {total} 行，仅列前 {shown} 行）", "({total} rows; the first {shown} shown)"),
    # sentences (一、总体情况 and the sections' leads)
    "br_received": ("{when}{unit}共受理事件{n}件，{change}", "{when} {unit} received {n} cases, {change}"),
    "br_received_nochange": ("{when}{unit}共受理事件{n}件", "{when} {unit} received {n} cases"),
    "br_up": ("{prev}上升{pct}", "up {pct} {prev}"),
    "br_down": ("{prev}下降{pct}", "down {pct} {prev}"),
    "br_flat": ("{prev}持平", "unchanged {prev}"),
    "br_top_sources": ("其中{parts}", "of which {parts}"),
    "br_share_of": ("{name}占{pct}", "{name} {pct}"),
    "br_top_category": ("数量最多的类别是{name}（{n}件，占{pct}）", "the largest category was {name} ({n}, {pct})"),
    "br_closure": ("期内办结{closed}件，办结率{closure}，按时办结率{on_time}，满意率{satisfaction}",
                   "{closed} were closed in the period; closure rate {closure}, on time {on_time}, satisfaction {satisfaction}"),
    "br_open": ("期末在办{open}件，其中超期{overdue}件", "{open} were open at the end, {overdue} of them overdue"),
    "br_low_tier": ("{pct}的事件在网格和社区一级解决", "{pct} were solved at grid or community level"),
    "br_alerts": ("期内产生风险预警{n}条，{change}；期末活跃预警{active}条（红色{s1}条、橙色{s2}条），按时响应率{ack}",
                  "{n} risk alerts were raised, {change}; {active} were active at the end ({s1} red, {s2} orange); "
                  "acknowledged in time {ack}"),
    "br_alerts_hot": ("{n}个网格的预警数明显高于自身基线", "{n} grids were clearly above their own baseline"),
    "br_alerts_no_hot": ("没有网格明显高于自身基线", "no grid was clearly above its own baseline"),
    "br_points": ("居民获得积分{earned}分，{change}，兑换积分{redeemed}分；每千名居民中有{per_1000}人参与",
                  "residents earned {earned} points, {change}, and redeemed {redeemed}; {per_1000} per 1,000 residents took part"),
    "br_population": ("常住人口{pop}人（户籍{registered}人、流动{floating}人），60岁以上老人{elderly}人，其中独居{alone}人",
                      "{pop} residents ({registered} registered, {floating} floating), {elderly} aged 60 or more, "
                      "{alone} of them living alone"),
    "br_sep": ("，", ", "),
    "br_end": ("。", "."),
    "br_and": ("、", ", "),
    "br_rank_col": ("名次", "Rank"),
    "br_type_col": ("预警类型", "Alert type"),
    "br_total_col": ("合计", "Total"),
}


def bt(key: str, lang: str, **kwargs: object) -> str:
    """The brief's text for `key` in `lang`, formatted with kwargs."""
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**kwargs) if kwargs else text
