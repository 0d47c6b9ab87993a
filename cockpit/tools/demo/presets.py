"""The demo cities the generator can build, and the vocabularies they draw on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Preset:
    name: str
    root_code: str
    population: int
    days: int
    cases_per_year: int
    alerts_per_year: int
    grids_urban: float  # mean grids per urban community
    grids_rural: float
    activities_per_community_month: float
    participants_mean: float
    total_grids: int | None = None  # when set, grids are scaled to this exact total
    max_streets: int | None = None  # the small preset keeps only a few streets
    max_communities_per_street: int | None = None


PRESETS: dict[str, Preset] = {
    "small": Preset(
        name="small", root_code="330681000000", population=60_000, days=400,
        cases_per_year=4_000, alerts_per_year=3_000, grids_urban=4, grids_rural=3,
        activities_per_community_month=2, participants_mean=12,
        max_streets=3, max_communities_per_street=5,
    ),
    "zhuji": Preset(
        name="zhuji", root_code="330681000000", population=1_200_000, days=400,
        cases_per_year=120_000, alerts_per_year=100_000, grids_urban=8, grids_rural=5.4,
        activities_per_community_month=4, participants_mean=25,
    ),
    "jiaxing": Preset(
        name="jiaxing", root_code="330400000000", population=5_500_000, days=730,
        cases_per_year=430_000, alerts_per_year=500_000, grids_urban=100, grids_rural=70,
        activities_per_community_month=4, participants_mean=28, total_grids=92_600,
    ),
}

# One year plus a month for zhuji/small, so the default 30-day view has a same-period-last-year (同比).
# The demo ends here, not "today", so that a seed always gives the same database.
DEFAULT_END = datetime(2026, 10, 31, 23, 59, 59)

# (code, name, name_en, parent, kind, share, review_h, response_h, resolve_h, open311 code, open311 group)
CASE_CATEGORIES: list[tuple] = [
    ("C01", "市容环境", "City appearance", None, "event", 0, 6, 15, 72, None, "Environment"),
    ("C0101", "暴露垃圾", "Exposed garbage", "C01", "event", 0.11, 6, 15, 24, "GARB", "Environment"),
    ("C0102", "乱堆物料", "Piled materials", "C01", "event", 0.06, 6, 15, 48, "PILE", "Environment"),
    ("C0103", "违规广告", "Illegal advertising", "C01", "event", 0.05, 6, 15, 48, "SIGN", "Environment"),
    ("C02", "街面秩序", "Street order", None, "event", 0, 6, 15, 48, None, "Street order"),
    ("C0201", "占道经营", "Street vending", "C02", "event", 0.09, 6, 15, 24, "VEND", "Street order"),
    ("C0202", "违章停车", "Illegal parking", "C02", "event", 0.08, 1, 2, 12, "PARK", "Street order"),
    ("C0203", "噪声扰民", "Noise nuisance", "C02", "event", 0.06, 6, 15, 24, "NOISE", "Street order"),
    ("C03", "矛盾纠纷", "Disputes", None, "event", 0, 6, 15, 168, None, "Community"),
    ("C0301", "邻里纠纷", "Neighbour disputes", "C03", "event", 0.07, 6, 15, 168, "NEIGH", "Community"),
    ("C0302", "劳资纠纷", "Wage disputes", "C03", "event", 0.03, 6, 15, 240, "WAGE", "Community"),
    ("C0303", "物业纠纷", "Property management disputes", "C03", "event", 0.05, 6, 15, 168, "PROP", "Community"),
    ("C04", "安全隐患", "Safety hazards", None, "event", 0, 2, 6, 48, None, "Safety"),
    ("C0401", "消防隐患", "Fire hazards", "C04", "event", 0.05, 2, 6, 48, "FIRE", "Safety"),
    ("C0402", "燃气隐患", "Gas hazards", "C04", "event", 0.02, 1, 3, 24, "GAS", "Safety"),
    ("C0403", "积水内涝", "Waterlogging", "C04", "event", 0.02, 1, 3, 24, "FLOOD", "Safety"),
    ("C0404", "独居老人关爱", "Elderly living alone", "C04", "event", 0.02, 1, 3, 24, "ELDER", "Safety"),
    ("B01", "公用设施", "Public facilities", None, "component", 0, 6, 15, 72, None, "Facilities"),
    ("B0101", "井盖破损", "Damaged manhole cover", "B01", "component", 0.05, 2, 6, 24, "MANHOLE", "Facilities"),
    ("B0102", "路灯故障", "Street light out", "B01", "component", 0.06, 6, 15, 72, "LIGHT", "Facilities"),
    ("B02", "道路交通", "Roads and traffic", None, "component", 0, 6, 15, 120, None, "Roads"),
    ("B0201", "道路破损", "Damaged road", "B02", "component", 0.05, 6, 15, 120, "POTHOLE", "Roads"),
    ("B0202", "交通设施损坏", "Damaged traffic signs", "B02", "component", 0.03, 6, 15, 72, "TSIGN", "Roads"),
    ("B03", "园林绿化", "Parks and greenery", None, "component", 0, 6, 15, 120, None, "Greenery"),
    ("B0301", "绿化损毁", "Damaged greenery", "B03", "component", 0.04, 6, 15, 120, "TREE", "Greenery"),
    ("B04", "房屋土地", "Buildings and land", None, "component", 0, 6, 15, 240, None, "Buildings"),
    ("B0401", "违章搭建", "Illegal construction", "B04", "component", 0.06, 6, 15, 240, "BUILD", "Buildings"),
]

CASE_SOURCES = ("hotline", "patrol", "app", "sensor", "visit")
CASE_SOURCE_SHARES = (0.30, 0.42, 0.17, 0.0, 0.11)  # sensor cases come from alerts

# (type, share of alerts, severity shares 1..4, ack deadline minutes by severity)
ALERT_PROFILE = {
    "parking": (0.28, (0.0, 0.03, 0.27, 0.70)),
    "noise": (0.20, (0.0, 0.05, 0.35, 0.60)),
    "smoke_fire": (0.09, (0.12, 0.28, 0.40, 0.20)),
    "gas": (0.08, (0.15, 0.35, 0.35, 0.15)),
    "waterlogging": (0.13, (0.05, 0.20, 0.45, 0.30)),
    "elderly_alone": (0.22, (0.04, 0.16, 0.50, 0.30)),
}
ACK_DEADLINE_MIN = {1: 15, 2: 30, 3: 120, 4: 1440}
ALERT_CATEGORY = {"gas": "C0402", "smoke_fire": "C0401", "waterlogging": "C0403", "elderly_alone": "C0404"}

ACTIVITY_TITLES = {
    "volunteer": "志愿服务",
    "patrol": "平安巡防",
    "anti_fraud": "反诈宣传",
    "garbage_sorting": "垃圾分类督导",
}
