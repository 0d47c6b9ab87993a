"""The big screen (大屏), pure: its URL options, rotation, period end, and the HTML, map and chart specs it shows.

The screen is laid out on a 1920×1080 design canvas (:data:`DESIGN_W` × :data:`DESIGN_H`); the
browser scales it to the real viewport (:func:`build_script`), so every size here is in design
pixels. Figures come from the overview's own chain (KPIs from ``metrics.compute_kpis``, trends
from ``charts.build_trend_chart``, the map from ``map.build_deck``): nothing is computed here
that the overview does not compute too.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import altair as alt
import pandas as pd
import pydeck as pdk

from cockpit.core.i18n import fmt_change, fmt_date, fmt_number, t
from cockpit.core.model import Unit
from cockpit.domain.metrics import Kpi
from cockpit.views import cards, charts
from cockpit.views import map as mapview

DESIGN_W, DESIGN_H = 1920, 1080
# A wall at least 5 % taller than wide is laid out upright (bigscreen.css has the same media query):
# fit then scales a DESIGN_H×DESIGN_W canvas instead of letterboxing the landscape one in a third of the glass.
PORTRAIT_QUERY = "(max-aspect-ratio: 20/21)"
SCALES = ("fit", "fill")
ROTATIONS = ("children", "themes")
DEFAULT_REFRESH = 60  # seconds between data refreshes
MIN_REFRESH = 5  # the issue's floor; a benchmark may allow less (see cockpit.ui.bigscreen)
DEFAULT_EVERY = 20  # seconds per rotation step
MIN_EVERY = 5
MAX_SECONDS = 24 * 3600
MAP_W, MAP_H = 788, 860  # the map's box on the 1920×1080 canvas (fit); CSS resizes it on other shapes (upright: 1024×830)
ELEVATION_SCALE = 0.5  # of the overview's prism height (a fifth of the view's width at its tallest)
ZOOM_GAIN = 0.1  # compute_view leaves a 15% margin and the tilt shrinks the far side: closer in
THEMES = ("population", "cases", "alerts", "points")
# The map metric that stands for each theme while it is on show, and the theme of each map metric.
THEME_METRIC = {"population": "population", "cases": "open_cases", "alerts": "active_alerts",
                "points": "points_per_1000"}
METRIC_THEME = {"population": "population", "density": "population", "open_cases": "cases",
                "overdue_cases": "cases", "active_alerts": "alerts", "points_per_1000": "points"}
# Per theme: the large figures, the smaller ones under them, the daily series of its trend.
PANELS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "population": (("registered", "floating"), ("households", "elderly_60p", "elderly_alone"), ()),
    "cases": (("open", "overdue"), ("closed", "closure_rate", "satisfaction", "low_tier_rate"),
              ("cases_received", "cases_closed")),
    "alerts": (("active",), ("raised", "ack_rate"), ("alerts_raised",)),
    "points": (("earned",), ("redeemed", "participants_per_1000"), ("points_earned",)),
}
ZH_AXIS_LABEL = "datum.value >= 10000 ? format(datum.value / 10000, '~g') + '万' : format(datum.value, ',~d')"
TREND_TITLES = {"cases": "trend_cases", "alerts": "trend_alerts", "points": "trend_points"}
CHART_W, CHART_H = 300, 64  # the trend SVG's own size; the screen draws it wider (vector, so it stays sharp)


# ---------------------------------------------------------------- options from the URL

@dataclass(frozen=True)
class ScreenOptions:
    scale: str = "fit"  # fit: letterbox; fill: the canvas grows along the longer axis (no stretch, no crop)
    refresh: int = DEFAULT_REFRESH
    rotate: tuple[str, ...] = ()  # "children" and/or "themes"
    every: int = DEFAULT_EVERY
    reload_hours: float | None = None  # a full page reload every N hours (the safety valve); None: never

    @property
    def tick(self) -> int:
        """Seconds between the fragment's runs: the refresh, or the rotation step when that is shorter."""
        return min(self.refresh, self.every) if self.rotate else self.refresh


def _seconds(value: str | None, default: int, low: int) -> int:
    try:
        n = float(value) if value not in (None, "") else float(default)
    except ValueError:
        return default
    if not math.isfinite(n):
        return default
    return int(min(max(n, low), MAX_SECONDS))


def parse_options(params: Mapping[str, str | None], min_refresh: int = MIN_REFRESH) -> ScreenOptions:
    """The screen's options from its URL; anything unknown or out of range falls back or is clamped.

    ``scale=fit|fill``; ``refresh=SECONDS`` (at least ``min_refresh``); ``rotate=children|themes``
    (or both, comma-separated); ``every=SECONDS`` (at least 5); ``reload_hours=N`` (0 or absent: never).
    """
    scale = (params.get("scale") or "").strip().lower()
    rotate = tuple(r for r in ROTATIONS if r in (params.get("rotate") or "").lower().replace("|", ",").split(","))
    reload_hours: float | None = None
    try:
        hours = float(params.get("reload_hours") or 0)
        reload_hours = min(hours, 24 * 30) if math.isfinite(hours) and hours > 0 else None
    except ValueError:
        reload_hours = None
    if reload_hours is not None:
        reload_hours = max(reload_hours, 0.05)  # at least three minutes: never a reload loop
    return ScreenOptions(
        scale=scale if scale in SCALES else "fit",
        refresh=_seconds(params.get("refresh"), DEFAULT_REFRESH, min_refresh),
        rotate=rotate,
        every=_seconds(params.get("every"), DEFAULT_EVERY, MIN_EVERY),
        reload_hours=reload_hours,
    )


# ---------------------------------------------------------------- time and rotation

LIVE_LAG = timedelta(days=1)


def compute_screen_end(data_end: datetime | None, now: datetime) -> datetime:
    """The moment the screen's periods end at, asked again at every refresh.

    A live feed (latest receipt within a day of now) follows the wall clock, so "近7天" rolls over
    at midnight even before the new day's first case arrives; data that stopped long ago (a demo,
    an archive) keeps its own end, as the overview does.
    """
    if data_end is None:
        return now
    return now if now - data_end < LIVE_LAG and now > data_end else data_end


@dataclass(frozen=True)
class Step:
    child: int | None  # index into the unit and its children (0: the unit itself), None when not rotating them
    theme: str  # the theme on the map and highlighted
    position: int  # 1-based place in the cycle, for the "轮播 n/N" label
    length: int


RANKING = "ranking"  # the 考核 step of a theme rotation: the month's top and bottom children in the map's place


def compute_step(step: int, rotate: tuple[str, ...], n_children: int, default_theme: str, ranking: bool = False) -> Step:
    """What rotation step `step` shows: the unit first, then each child; with themes, all four per unit
    (and, where `ranking` — the unit has children to rank — the month's 考核 after them)."""
    units = n_children + 1 if "children" in rotate and n_children else 1
    cycle = (*THEMES, RANKING) if ranking else THEMES
    themes = len(cycle) if "themes" in rotate else 1
    length = units * themes
    i = step % length
    theme = cycle[i % themes] if themes > 1 else default_theme
    child = (i // themes) if "children" in rotate and n_children else None
    return Step(child, theme, i + 1, length)


# ---------------------------------------------------------------- HTML

def _e(text: object) -> str:
    return html.escape(str(text))


def _change(label: str, change: float | None, lang: str, key: str) -> str:
    cls = cards.change_class(change, cards.GOOD_WHEN_UP.get(key))
    return f'<span class="bs-chg {cls}">{_e(label)} {_e(fmt_change(change, lang))}</span>'


def _hm(ts: datetime) -> str:
    return ts.strftime("%H:%M")


def build_header_html(unit: Unit, is_demo: bool, data_end: datetime | None, period_days: int | str, lang: str,
                      refreshed_at: datetime, stale: str | None = None, step: Step | None = None) -> str:
    """Title (the unit's name), level and period, the demo label, the data stamp and the stale notice.

    `period_days` is a standard period's days (近30天) or, for a custom range, its words (2026年10月1日 – 10月7日 · 7天).
    """
    period = period_days if isinstance(period_days, str) else t(f"period_{period_days}", lang)
    badge = f'<span class="bs-demo">{_e(t("demo_badge", lang))}</span>' if is_demo else ""
    # No fact in the store yet: 数据截至 暂无数据, never an empty segment between two separators (#28).
    when = f"{fmt_date(data_end, lang)} {_hm(data_end)}" if data_end else t("no_data", lang)
    stamp = t("bs_as_of", lang, time=when)
    rot = ""
    if step is not None and step.length > 1:
        rot = f'<span class="bs-rot">{_e(t("bs_rotating", lang, n=step.position, total=step.length))}</span>'
    notice = f'<span class="bs-stale" role="status">{_e(stale)}</span>' if stale else ""
    return (
        f'<div class="bs-head" data-unit="{_e(unit.code)}">'
        f'<h1 class="bs-title">{_e(unit.name)}<small>{_e(t("bs_subtitle", lang))}</small>{badge}</h1>'
        f'<div class="bs-sub">{_e(t(f"level_{unit.level}", lang))} · {_e(period)}'
        f' · <span class="bs-stamp">{_e(stamp)}</span>'
        f' · <span class="bs-refreshed">{_e(t("bs_refreshed", lang, time=refreshed_at.strftime("%H:%M:%S")))}</span>'
        f'{rot}{notice}</div></div>'
    )


def stale_text(since: datetime | None, lang: str) -> str:
    """The discreet outage line: "数据暂停更新 · 截至 HH:MM" (the time of the figures still shown)."""
    return t("bs_stale", lang, time=_hm(since)) if since else t("bs_stale_none", lang)


def build_clock_html(now: datetime, lang: str) -> str:
    """The clock as the server sees it; the page's script then ticks it every second in the browser."""
    return (f'<div class="bs-clock" data-lang="{_e(lang)}"><div class="bs-time">{now.strftime("%H:%M:%S")}</div>'
            f'<div class="bs-date">{_e(format_day(now, lang))}</div></div>')


def format_day(now: datetime, lang: str) -> str:
    weekday = t("bs_weekdays", lang).split(",")[now.weekday()]
    if lang == "zh":
        return f"{fmt_date(now, lang)} {weekday}"
    return f"{weekday} {fmt_date(now, lang)}"


def _figure(k: Kpi, key: str, lang: str, big: bool) -> str:
    cls = "bs-big" if big else "bs-small"
    value = cards.format_kpi(k, lang)
    changes = ""
    if big:
        changes = (f'<div class="bs-chgs">{_change(t("mom", lang), k.mom, lang, key)}'
                   f'{_change(t("yoy", lang), k.yoy, lang, key)}</div>')
    return (f'<div class="{cls}" data-key="{_e(key)}"><div class="bs-label">{_e(t(key, lang))}</div>'
            f'<div class="bs-value">{_e(value)}</div>{changes}</div>')


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def build_panel_html(theme: str, kpis: Mapping[str, Kpi], lang: str, on: bool = False,
                     severities: tuple[int, int, int, int] | None = None, trend_svg: str | None = None,
                     no_data: bool = False, next7: str | None = None) -> str:
    """One theme's panel: its large figures with 环比/同比, the smaller ones, and its trend (an SVG image).

    `no_data`: the theme has no fact under the unit (#28): its title over 暂无数据, no figure, no trend.
    `next7`: the next 7 days' forecast with its 80% range (#24), a line above the trend; None: no line.
    """
    big, small, _series = PANELS[theme]
    title = f'<div class="bs-ptitle">{_e(t(f"theme_{theme}", lang))}</div>'
    if no_data:
        empty = (f'<div class="bs-bigrow"><div class="bs-big bs-nodata"><div class="bs-value" style="color:#8aa4bf">{_e(t("no_data", lang))}'
                 f'</div></div></div>')
        return f'<div class="bs-panel theme-{theme} nodata{" on" if on else ""}" data-theme="{theme}">{title}{empty}</div>'
    parts = [title, '<div class="bs-bigrow">' + "".join(_figure(kpis[k], k, lang, True) for k in big) + "</div>"]
    if theme == "alerts" and severities is not None:
        chips = "".join(f'<span class="bs-sev s{i + 1}" title="{_e(t(f"severity_{i + 1}", lang))}">'
                        f'{_e(t(f"severity_{i + 1}", lang))} {n}</span>' for i, n in enumerate(severities))
        parts.append(f'<div class="bs-sevrow">{chips}</div>')
    if theme == "population":
        parts.append(_population_bar(kpis, lang))
    parts.append('<div class="bs-smallrow">' + "".join(_figure(kpis[k], k, lang, False) for k in small) + "</div>")
    if next7:
        parts.append(f'<div class="bs-next"><span class="bs-label">{_e(t("fc_next7", lang))}</span> <b>{_e(next7)}</b></div>')
    if trend_svg:
        parts.append(f'<img class="bs-trend" alt="{_e(t(TREND_TITLES[theme], lang))}" src="{svg_data_uri(trend_svg)}"/>')
    return f'<div class="bs-panel theme-{theme}{" on" if on else ""}" data-theme="{theme}">{"".join(parts)}</div>'


def build_ranking_html(title: str, subtitle: str, groups: list[tuple[str, list[tuple[str, str, str]], list[tuple[str, str, str]]]],
                       lang: str) -> str:
    """The 考核 step in the map's place: per peer group the month's 红榜 and 黑榜 (place, unit, score).

    `groups`: (group name, red rows, black rows), each row (place as shown — "3（并列）" —, name, score text).
    """
    def rows(items: list[tuple[str, str, str]]) -> str:
        if not items:
            return f'<li class="bs-rk-none">{_e(t("bs_rank_none", lang))}</li>'
        return "".join(f'<li><span class="bs-rk-place">{_e(place)}</span><span class="bs-rk-name">{_e(name)}</span>'
                       f'<span class="bs-rk-score">{_e(score)}</span></li>' for place, name, score in items)

    blocks = "".join(
        f'<div class="bs-rk-group"><div class="bs-rk-gname">{_e(name)}</div><div class="bs-rk-lists">'
        f'<div class="bs-rk-list red"><div class="bs-rk-lname">{_e(t("bs_rank_red", lang))}</div><ol>{rows(red)}</ol></div>'
        f'<div class="bs-rk-list black"><div class="bs-rk-lname">{_e(t("bs_rank_black", lang))}</div><ol>{rows(black)}</ol></div>'
        f'</div></div>' for name, red, black in groups)
    if not groups:
        blocks = f'<div class="bs-rk-none">{_e(t("bs_rank_none", lang))}</div>'
    return (f'<div class="bs-ranking" data-theme="{RANKING}"><div class="bs-rk-title">{_e(title)}</div>'
            f'<div class="bs-rk-sub">{_e(subtitle)}</div>{blocks}</div>')


def _population_bar(kpis: Mapping[str, Kpi], lang: str) -> str:
    """Registered against floating residents as one bar (population has no daily series to draw)."""
    reg, flo = kpis["registered"].value or 0, kpis["floating"].value or 0
    total = reg + flo
    share = reg / total * 100 if total else 0.0
    return (f'<div class="bs-popbar"><div class="bs-label">{_e(t("bs_population_total", lang))} '
            f'<b>{_e(fmt_number(total, lang))}</b> · {_e(t("bs_population_share", lang))}</div>'
            f'<div class="bs-bar"><i style="width:{share:.1f}%"></i></div></div>')


# ---------------------------------------------------------------- map and charts

def build_screen_deck(features: dict, bounds: tuple[float, float, float, float], lang: str,
                      alerts: pd.DataFrame | None = None, basemap_style: str | None = None,
                      size: tuple[int, int] = (MAP_W, MAP_H)) -> pdk.Deck:
    """The overview's map in 2.5D: extruded by the metric, tilted, fitted to the screen's map box."""
    deck = mapview.build_deck(features, bounds, lang, True, alerts, None, basemap_style)
    # Lower prisms than the overview's: on a wall the whole city stays readable as a map, not a skyline.
    for layer in deck.layers:
        if layer.id == "units":
            layer.elevation_scale = ELEVATION_SCALE
        elif isinstance(layer.data, list):
            layer.data = [{**r, "z": r["z"] * ELEVATION_SCALE} if "z" in r else r for r in layer.data]
    view = mapview.compute_view(bounds, *size)
    view.pitch, view.bearing = 50, -12
    view.zoom = round(view.zoom + ZOOM_GAIN, 2)
    deck.initial_view_state = view
    return deck


def has_trend(theme: str) -> bool:
    return bool(PANELS[theme][2])


def build_trend(daily: pd.DataFrame, theme: str, lang: str) -> alt.VConcatChart | None:
    """The theme's trend, the overview's chart at the big screen's size (None: the theme has no daily series)."""
    series = PANELS[theme][2]
    if not series:
        return None
    width = CHART_W - (70 if len(series) > 1 else 0)  # room for the two-series legend, as the overview leaves
    chart = charts.build_trend_chart(daily, list(series), t(TREND_TITLES[theme], lang), lang, height=CHART_H)
    top = daily[list(series)].max().max() if len(daily) else 0
    # 2万, not 20k: SI prefixes read as English on a Chinese wall. Small counts keep the chart's own
    # whole-number ticks (charts.count_axis): three free ticks over 0..1 would read 0, 1, 1 (#28).
    if lang == "zh" and not (pd.isna(top) or top <= 3):
        y = chart.to_dict()["encoding"]["y"]
        chart = chart.encode(y=alt.Y("value:Q", title=None, scale=alt.Scale(**y["scale"]),
                                     axis=alt.Axis(tickCount=3, labelExpr=ZH_AXIS_LABEL)))
    return alt.vconcat(chart.properties(width=width, height=CHART_H))


# ---------------------------------------------------------------- the browser side: scale, clock, reload

SCRIPT = """<script>
(function () {
  var P = window.parent, D = P.document, cfg = %(cfg)s, W = %(w)d, H = %(h)d;
  function fit() {
    // The real viewport in CSS pixels (never window.screen: Windows display scaling breaks that).
    var vw = P.innerWidth, vh = P.innerHeight, s = Math.min(vw / W, vh / H), w = W, h = H;
    if (cfg.scale === 'fill') {
      // A portrait wall is designed upright (1080 wide, 1920 tall), so its text keeps the landscape size.
      if (vh > vw) { s = Math.min(vw / H, vh / W); }
      w = vw / s; h = vh / s;
    } else if (P.matchMedia(cfg.portrait).matches) {
      // The stylesheet lays the parts out upright under the same query: fit the upright canvas.
      w = H; h = W; s = Math.min(vw / w, vh / h);
    }
    var r = D.documentElement, st = r.style;
    st.setProperty('--bs-s', String(s));
    st.setProperty('--bs-w', w + 'px');
    st.setProperty('--bs-h', h + 'px');
    st.setProperty('--bs-x', ((vw - w * s) / 2) + 'px');
    st.setProperty('--bs-y', ((vh - h * s) / 2) + 'px');
    r.classList.add('bs-scaled');
  }
  var two = function (n) { return (n < 10 ? '0' : '') + n; };
  function tick() {
    var now = new Date(), time = two(now.getHours()) + ':' + two(now.getMinutes()) + ':' + two(now.getSeconds());
    var wd = cfg.weekdays[(now.getDay() + 6) %% 7], day;
    if (cfg.lang === 'zh') { day = now.getFullYear() + '年' + (now.getMonth() + 1) + '月' + now.getDate() + '日 ' + wd; }
    else { day = wd + ' ' + now.getDate() + ' ' + cfg.months[now.getMonth()] + ' ' + now.getFullYear(); }
    D.querySelectorAll('.bs-clock').forEach(function (el) {
      var a = el.querySelector('.bs-time'), b = el.querySelector('.bs-date');
      if (a && a.textContent !== time) a.textContent = time;
      if (b && b.textContent !== day) b.textContent = day;
    });
    timer = setTimeout(tick, 1000 - (Date.now() %% 1000) + 5);
  }
  // A scheduled full reload (the safety valve), only while the server answers: a reload into a
  // stopped server would leave the browser's error page on the wall, which never retries.
  function reload() {
    fetch(new URL(cfg.health, P.location.href).href, {cache: 'no-store'}).then(function (r) {
      if (r.ok) { P.location.reload(); } else { setTimeout(reload, 60000); }
    }).catch(function () { setTimeout(reload, 60000); });
  }
  // The watchdog: the head carries a refresh counter; if it stops moving (the first session of a
  // freshly started server never gets its timed fragment runs in Streamlit 1.67), reload.
  var seen = null, seenAt = Date.now();
  function watch() {
    var head = D.querySelector('.bs-head'), n = head ? head.getAttribute('data-refreshes') : null;
    if (n !== seen) { seen = n; seenAt = Date.now(); }
    else if (Date.now() - seenAt > cfg.stallMs && !P.__bsReloading) { P.__bsReloading = true; reload(); }
  }
  var timer = null, loaded = P.__bsLoadedAt || (P.__bsLoadedAt = Date.now());
  fit();
  tick();
  P.addEventListener('resize', fit);
  var watcher = setInterval(watch, 2000);
  if (cfg.reloadMs > 0) { setTimeout(reload, Math.max(cfg.reloadMs - (Date.now() - loaded), 60000)); }
  // This frame is replaced when the page reruns with other options: leave nothing behind.
  window.addEventListener('pagehide', function () {
    P.removeEventListener('resize', fit); clearTimeout(timer); clearInterval(watcher);
  });
})();
</script>"""

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def stall_seconds(options: ScreenOptions) -> int:
    """How long the refresh counter may stand still before the page reloads itself."""
    return options.tick * 2 + 15


def build_script(options: ScreenOptions, lang: str, health_url: str = "_stcore/health") -> str:
    """The browser side, run in a components iframe that reaches the page (same origin): scale, clock, reload."""
    cfg = {
        "scale": options.scale, "portrait": PORTRAIT_QUERY, "lang": lang, "weekdays": t("bs_weekdays", lang).split(","),
        "months": list(MONTHS_EN), "health": health_url,
        "reloadMs": int(options.reload_hours * 3600 * 1000) if options.reload_hours else 0,
        "stallMs": stall_seconds(options) * 1000,
    }
    return SCRIPT % {"cfg": json.dumps(cfg, ensure_ascii=False), "w": DESIGN_W, "h": DESIGN_H}
