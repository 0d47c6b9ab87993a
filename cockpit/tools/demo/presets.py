"""The demo cities the generator can build, the vocabularies they draw on, and their clocks.

The clocks (how long each step of a case or an alert takes) are log-normal:
durations of human work are a product of many small delays, so their logarithm
is roughly normal, they are never negative, and they have the long right tail
every 12345 desk knows. docs/demo.md says which clock is which and why.
"""

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

# The calendar of arrivals (docs/demo.md, 到达的节奏): working days busier than weekends and holidays
# (CASE_WORKDAY_FACTOR), and on public-holiday rest days (cockpit.core.holidays) fewer reports by
# source, (other holidays, 春节): 网格员 patrol and 走访 mostly stop, the 12345 hotline and the app dip
# less. Slow trends: reports grow a few percent a year, sensor alerts faster as devices are added.
CASE_WORKDAY_FACTOR = 1.3
CASE_HOLIDAY_FACTORS = {"hotline": (0.8, 0.6), "patrol": (0.5, 0.3), "app": (0.85, 0.7), "visit": (0.35, 0.2)}
CASE_TREND_PER_YEAR = 0.08
ALERT_TREND_PER_YEAR = 0.12
# Alerts by type on working days (parking follows the commute) and on holidays (other, 春节): cooking
# and firecrackers raise smoke and gas alerts over 春节; parking empties with the offices.
ALERT_WORKDAY_FACTOR = {"parking": 1.1}
ALERT_HOLIDAY_FACTORS = {"parking": (0.7, 0.6), "smoke_fire": (1.2, 1.6), "gas": (1.1, 1.4)}



@dataclass(frozen=True)
class Clock:
    """A log-normal duration: half of the draws are shorter than `median`; `sigma` is the spread of log-time.

    The unit (hours or minutes) is in the name of the table that holds the clock. sigma 0.7 puts the
    90th percentile at 2.5x the median, sigma 1.3 at 5x.
    """

    median: float
    sigma: float


# 处置 (dispatch -> handled) at the grid tier, in hours, per 小类. The medians sit at a sixth to a
# fifteenth of the category's resolve_hours, so that most cases meet the deadline with a tail past it
# (larger once escalated): a car is towed or a manhole cover fenced off within hours, a neighbour
# dispute or an illegal building takes a day or two at the grid and several once escalated.
HANDLING_HOURS: dict[str, Clock] = {
    "C0101": Clock(2.5, 0.7),  # exposed garbage, 24 h
    "C0102": Clock(5.0, 0.7),  # piled materials, 48 h
    "C0103": Clock(4.0, 0.7),  # illegal advertising, 48 h
    "C0201": Clock(2.0, 0.8),  # street vending, 24 h
    "C0202": Clock(0.8, 0.7),  # illegal parking, 12 h
    "C0203": Clock(2.0, 0.8),  # noise, 24 h
    "C0301": Clock(28.0, 0.7),  # neighbour disputes, 7 days
    "C0302": Clock(40.0, 0.7),  # wage disputes, 10 days
    "C0303": Clock(26.0, 0.7),  # property management disputes, 7 days
    "C0401": Clock(6.0, 0.7),  # fire hazards, 48 h
    "C0402": Clock(1.5, 0.7),  # gas hazards, 24 h
    "C0403": Clock(3.0, 0.8),  # waterlogging, 24 h
    "C0404": Clock(1.5, 0.7),  # elderly living alone, 24 h
    "B0101": Clock(2.5, 0.6),  # damaged manhole cover, 24 h
    "B0102": Clock(10.0, 0.7),  # street light out, 72 h
    "B0201": Clock(18.0, 0.7),  # damaged road, 5 days
    "B0202": Clock(10.0, 0.7),  # damaged traffic signs, 72 h
    "B0301": Clock(18.0, 0.7),  # damaged greenery, 5 days
    "B0401": Clock(36.0, 0.8),  # illegal construction, 10 days
}

# 受理 -> 立案 and 立案 -> 派遣 follow the category's review and response deadlines: the median is this
# share of the deadline (sigma 0.9 leaves ~3-5% past it).
REGISTER_SHARE_OF_REVIEW = 0.2
DISPATCH_SHARE_OF_RESPONSE = 0.12
REGISTER_DISPATCH_SIGMA = 0.9
# A case handed up the tiers waits for each tier's turn: handling takes this many times as long.
TIER_SLOWDOWN = {"grid": 1.0, "community": 1.3, "street": 1.8, "district": 2.2, "city": 2.5}
TIER_SHARES = (0.58, 0.32, 0.075, 0.015, 0.01)  # grid .. city, in a city with districts
TIER_SHARES_COUNTY = (0.58, 0.32, 0.09, 0.0, 0.01)  # a county-level city has no district tier
# Hard cases (an owner who cannot be found, a ruling to wait for) take longer by about their deadline
# again: days for a parked car, weeks for a dispute.
HARD_CASE_SHARE = 0.01
HARD_CASE_SHARE_BY_CATEGORY = {  # where owners, courts or several departments are involved, more get stuck
    "C0301": 0.02, "C0302": 0.025, "C0303": 0.02, "B0401": 0.025, "B0201": 0.015,
    "C0202": 0.005, "B0101": 0.004, "C0402": 0.004, "C0404": 0.004,
}
HARD_CASE_EXTRA_OF_RESOLVE = Clock(2.5, 0.7)
# 核查 (handled -> verified): a grid worker's site visit; quick for the short-deadline categories.
VERIFY_SHARE_OF_RESOLVE = 0.08
VERIFY_HOURS_RANGE = (0.5, 6.0)
VERIFY_SIGMA = 0.7
CLOSE_HOURS = Clock(1.0, 0.8)  # 核查 -> 结案 at the command centre
VISIT_HOURS = Clock(20.0, 0.7)  # 结案 -> 回访, by phone
VISIT_SHARE = {"hotline": 0.95, "app": 0.92, "visit": 0.95, "patrol": 0.75, "sensor": 0.85}  # patrol cases often have no reporter
# 退回: the unit dispatched to sends the case back as not its own, and it is dispatched again.
RETURN_SHARE = 0.03
RETURN_TWICE_SHARE = 0.1  # of the returned ones
RETURN_AFTER_HOURS = Clock(3.0, 0.8)
REDISPATCH_HOURS = Clock(1.0, 0.8)
# 重办: a closed case reopened after an unsatisfied return visit, or picked by the supervisors' spot check.
REOPEN_IF_UNSATISFIED = 0.4
REOPEN_SPOT_CHECK = 0.002
REOPEN_AFTER_VISIT_HOURS = Clock(4.0, 0.8)
REOPEN_AFTER_CLOSE_HOURS = Clock(36.0, 0.8)
REWORK_FACTOR = 0.7  # the second round knows the case already
# Satisfaction 1..5 from the return visit, for cases handled on time and late.
SATISFACTION_ON_TIME = (0.004, 0.006, 0.015, 0.135, 0.84)
SATISFACTION_LATE = (0.05, 0.08, 0.17, 0.35, 0.35)

# (type, share of alerts, severity shares 1..4)
ALERT_PROFILE = {
    "parking": (0.28, (0.0, 0.03, 0.27, 0.70)),
    "noise": (0.20, (0.0, 0.05, 0.35, 0.60)),
    "smoke_fire": (0.09, (0.12, 0.28, 0.40, 0.20)),
    "gas": (0.08, (0.15, 0.35, 0.35, 0.15)),
    "waterlogging": (0.13, (0.05, 0.20, 0.45, 0.30)),
    "elderly_alone": (0.22, (0.04, 0.16, 0.50, 0.30)),
}
ACK_DEADLINE_MIN = {1: 15, 2: 30, 3: 120, 4: 1440}
# Acknowledgement by severity, in minutes: a red alert is taken on in minutes, a blue one when someone
# gets to it (sigma 1.3: some at once, some hours later); each leaves a few percent past its deadline.
ACK_MINUTES = {1: Clock(2.5, 0.8), 2: Clock(6.0, 0.8), 3: Clock(20.0, 0.9), 4: Clock(90.0, 1.3)}
# Per type: a factor on the acknowledgement clock and the clearing clock (acknowledged -> resolved, in
# minutes): a gas valve is shut in minutes, a car moved within the hour, an elderly person living
# alone is checked on within hours, water recedes when the rain stops.
ALERT_CLOCKS: dict[str, tuple[float, Clock]] = {
    "gas": (0.7, Clock(15.0, 0.7)),
    "smoke_fire": (0.7, Clock(30.0, 0.8)),
    "waterlogging": (1.0, Clock(240.0, 0.9)),
    "noise": (0.9, Clock(40.0, 0.8)),
    "parking": (0.4, Clock(20.0, 0.7)),
    "elderly_alone": (1.3, Clock(150.0, 0.8)),
}
RESOLVE_BY_SEVERITY = {1: 0.8, 2: 0.9, 3: 1.0, 4: 1.2}  # the more severe, the sooner it is cleared
STUCK_SENSOR_SHARE = 0.005  # sensors that stay in alarm until someone visits
STUCK_SENSOR_HOURS = Clock(72.0, 0.8)
ALERT_CATEGORY = {"gas": "C0402", "smoke_fire": "C0401", "waterlogging": "C0403", "elderly_alone": "C0404"}

ACTIVITY_TITLES = {
    "volunteer": "志愿服务",
    "patrol": "平安巡防",
    "anti_fraud": "反诈宣传",
    "garbage_sorting": "垃圾分类督导",
}
