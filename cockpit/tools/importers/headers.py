"""CSV column headers: each contract column by its English name or a Chinese header (docs/import.md lists them)."""

from __future__ import annotations

import re

from sqlalchemy.sql.expression import TableClause as Table

from cockpit.store import schema
from cockpit.tools.importers.report import ImportFailure

# Chinese headers every table understands for a column of that name.
COMMON: dict[str, tuple[str, ...]] = {
    "code": ("代码", "编码"),
    "name": ("名称", "名字"),
    "parent_code": ("上级代码", "上级编码", "父级代码"),
    "kind": ("类型", "类别"),
    "area_km2": ("面积", "面积平方公里", "面积km2"),
    "lon": ("经度",),
    "lat": ("纬度",),
    "community_code": ("社区代码", "社区编码", "所属社区"),
    "grid_code": ("网格编码", "网格代码", "所属网格"),
    "id": ("编号",),
    "title": ("标题",),
    "at": ("时间",),
    "note": ("备注",),
    "description": ("描述", "内容"),
    "status": ("状态",),
    "resolved_at": ("处置时间",),
    "case_id": ("事件编号",),
    "venue_id": ("场所编号",),
    "activity_id": ("活动编号",),
    "device_id": ("设备编号",),
}

# Headers that mean something else in one table, or exist only there.
PER_TABLE: dict[str, dict[str, tuple[str, ...]]] = {
    "meta": {"key": ("键", "项目"), "value": ("值",)},
    "admin_unit": {"code": ("代码", "编码", "区划代码"), "name": ("名称", "单位名称"), "level": ("层级", "级别")},
    "grid": {"code": ("代码", "编码", "网格编码"), "name": ("名称", "网格名称"), "kind": ("类型", "城乡类型"),
             "worker_ref": ("网格员", "网格员编号"), "worker_stars": ("星级", "网格员星级")},
    "population_stat": {"as_of": ("统计日期", "日期"), "registered": ("户籍人口",), "floating": ("流动人口",),
                        "households": ("户数",), "elderly_60p": ("60岁以上老人", "老年人口"),
                        "elderly_alone": ("独居老人",)},
    "case_category": {"code": ("代码", "编码", "分类代码"), "name": ("名称", "分类名称"), "name_en": ("英文名称",),
                      "kind": ("类型", "部件事件"), "open311_service_code": ("open311服务代码",),
                      "open311_group": ("open311分组",), "review_hours": ("立案时限", "立案时限小时"),
                      "response_hours": ("派遣时限", "派遣时限小时"), "resolve_hours": ("处置时限", "处置时限小时")},
    "case_record": {"external_id": ("外部编号", "工单号"), "source": ("来源", "渠道"),
                    "category_code": ("分类代码", "事件分类"), "received_at": ("受理时间",),
                    "registered_at": ("立案时间",), "dispatched_at": ("派遣时间",), "verified_at": ("核查时间",),
                    "closed_at": ("结案时间",), "visited_at": ("回访时间",), "review_due_at": ("立案期限",),
                    "response_due_at": ("派遣期限",), "due_at": ("处置期限", "办结期限"),
                    "resolved_tier": ("解决层级",), "satisfaction": ("满意度",), "reopen_count": ("重办次数",),
                    "return_count": ("退回次数",)},
    "case_event": {"seq": ("序号",), "action": ("动作", "环节"), "tier": ("层级",), "note": ("备注", "意见")},
    "device": {"type": ("类型", "设备类型"), "installed_at": ("安装日期",)},
    "alert": {"type": ("类型", "预警类型"), "severity": ("级别", "等级"), "raised_at": ("预警时间", "发生时间"),
              "ack_due_at": ("响应期限",), "acknowledged_at": ("响应时间", "签收时间")},
    "venue": {"kind": ("类型", "场所类型")},
    "activity": {"kind": ("类型", "活动类型"), "title": ("标题", "活动名称"), "starts_at": ("开始时间",),
                 "ends_at": ("结束时间",), "points_each": ("每人积分",), "participants": ("参与人数",)},
    "vote": {"title": ("标题", "议题"), "opens_at": ("开始时间",), "closes_at": ("截止时间", "结束时间"),
             "eligible": ("有投票权人数", "应到人数"), "ballots_yes": ("赞成票",), "ballots_no": ("反对票",),
             "ballots_abstain": ("弃权票",)},
    "points_ledger": {"participant_ref": ("居民编号", "参与者"), "entry_type": ("类型", "积分类型"),
                      "delta": ("积分变动", "积分")},
}

TABLES = {t.name: t for t in schema.TABLES_IN_LOAD_ORDER}
_NOISE = re.compile(r"[\s_（）()\[\]【】:：/\-]+")


def normalise(header: str) -> str:
    """Case, spaces, brackets and BOM do not matter: '经度 (lon)' and 'LON' compare like '经度lon' and 'lon'."""
    return _NOISE.sub("", header.replace("\ufeff", "")).lower()


def aliases(table: Table) -> dict[str, str]:
    """Normalised header -> column name, for every header ``table`` accepts."""
    out: dict[str, str] = {}
    for column in table.columns:
        names = (column.name, *PER_TABLE.get(table.name, {}).get(column.name, COMMON.get(column.name, ())))
        for name in names:
            out[normalise(name)] = column.name
    return out


def map_headers(table: Table, headers: list[str]) -> tuple[list[str | None], list[str]]:
    """(column for each header or None, headers not understood)."""
    known = aliases(table)
    columns = [known.get(normalise(h)) for h in headers]
    return columns, [h for h, c in zip(headers, columns) if c is None]


def detect_table(headers: list[str]) -> Table:
    """The one contract table whose columns the headers name best; ImportFailure when none or several fit."""
    scored = []
    for table in TABLES.values():
        columns, unknown = map_headers(table, headers)
        if not unknown and len(set(columns)) == len(columns):
            scored.append((len(columns) / len(table.columns), table))
    if not scored:
        raise ImportFailure(
            f"表头不对应任何数据表 / the header matches no contract table ({', '.join(headers[:8])}); "
            "name one with --table (docs/data-contract.md lists the columns)"
        )
    scored.sort(key=lambda s: -s[0])
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        raise ImportFailure(
            f"表头可对应多张表 / the header fits {scored[0][1].name} and {scored[1][1].name}; name one with --table"
        )
    return scored[0][1]


def table_named(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise ImportFailure(f"未知数据表 / unknown table {name!r}; choose one of: {', '.join(TABLES)}") from None
