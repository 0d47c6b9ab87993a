"""The demo's devices and their alerts, each drawn on its whole clock before the data's end cuts it."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from cockpit.tools.demo.facts.draws import (
    FLAT_HOURS,
    MEAL_HOURS,
    MORNING_HOURS,
    NIGHT_HOURS,
    RUSH_HOURS,
    calendar_factor,
    draw,
    draw_clock,
    duration,
    place,
    sample_times,
    until,
)
from cockpit.tools.demo.presets import (
    ACK_DEADLINE_MIN,
    ACK_MINUTES,
    ALERT_CLOCKS,
    ALERT_HOLIDAY_FACTORS,
    ALERT_PROFILE,
    ALERT_TREND_PER_YEAR,
    ALERT_WORKDAY_FACTOR,
    RESOLVE_BY_SEVERITY,
    STUCK_SENSOR_HOURS,
    STUCK_SENSOR_SHARE,
    Preset,
)
from cockpit.tools.demo.units import DemoUnits


def _alert_clocks(rng: np.random.Generator, a: pd.DataFrame, end: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Acknowledged and resolved stamps (NaT while pending at the end), and the status, of each alert."""
    n = len(a)
    sev = a["severity"].to_numpy()
    raised = a["raised_at"].to_numpy().astype("datetime64[s]")
    ack_factor = a["type"].map({kind: factor for kind, (factor, _) in ALERT_CLOCKS.items()}).to_numpy()
    ack_median = np.array([ACK_MINUTES[s].median for s in (1, 2, 3, 4)])[sev - 1] * ack_factor
    ack_sigma = np.array([ACK_MINUTES[s].sigma for s in (1, 2, 3, 4)])[sev - 1]
    ack = raised + duration(draw(rng, ack_median, ack_sigma, n) / 60)
    clear = {kind: clock for kind, (_, clock) in ALERT_CLOCKS.items()}
    clear_median = a["type"].map({k: c.median for k, c in clear.items()}).to_numpy() * a["severity"].map(RESOLVE_BY_SEVERITY).to_numpy()
    clear_sigma = a["type"].map({k: c.sigma for k, c in clear.items()}).to_numpy()
    fix_h = draw(rng, clear_median, clear_sigma, n) / 60
    stuck = rng.random(n) < STUCK_SENSOR_SHARE
    fix_h += np.where(stuck, draw_clock(rng, STUCK_SENSOR_HOURS, n), 0.0)
    end64 = np.datetime64(end, "s")
    resolved = until(ack + duration(fix_h), end64)
    ack = until(ack, end64)
    status = np.where(~np.isnat(resolved), "resolved", np.where(~np.isnat(ack), "acknowledged", "active"))
    return ack, resolved, status


def _raise_alerts(rng: np.random.Generator, units: DemoUnits, preset: Preset, start: datetime) -> pd.DataFrame:
    """When, where, what and how severe each alert is, in time order."""
    grids = units.grids
    pop = grids["population"].to_numpy()
    urban = (grids["kind"] == "urban").to_numpy()
    n_total = int(preset.alerts_per_year * preset.days / 365)
    frames = []
    for kind, (share, sev_p) in ALERT_PROFILE.items():
        n = int(round(n_total * share))
        urban_bias = {"parking": 2.5, "noise": 2.0, "waterlogging": 0.8, "gas": 1.6}.get(kind, 1.0)
        w = pop * np.where(urban, urban_bias, 1.0)
        gi = rng.choice(len(grids), size=n, p=w / w.sum())
        hours, season = {
            "parking": (RUSH_HOURS, None),
            "noise": (NIGHT_HOURS, {6: 1.2, 7: 1.3, 8: 1.3}),
            "smoke_fire": (MEAL_HOURS, {12: 1.5, 1: 1.7, 2: 1.6}),
            "gas": (MEAL_HOURS, {12: 1.4, 1: 1.5, 2: 1.3}),
            "waterlogging": (FLAT_HOURS, {6: 4.0, 7: 4.5, 8: 2.5, 9: 2.5, 12: 0.2, 1: 0.2}),
            "elderly_alone": (MORNING_HOURS, {12: 1.3, 1: 1.4, 7: 1.3, 8: 1.3}),
        }[kind]
        holiday, spring = ALERT_HOLIDAY_FACTORS.get(kind, (1.0, 1.0))
        days = calendar_factor(start, preset.days, holiday, spring, ALERT_TREND_PER_YEAR)
        raised = sample_times(rng, n, start, preset.days, hours, season, weekday_factor=ALERT_WORKDAY_FACTOR.get(kind, 1.0),
                              day_factor=days)
        sev = rng.choice([1, 2, 3, 4], size=n, p=sev_p)
        frames.append(pd.DataFrame({"type": kind, "severity": sev, "gi": gi, "raised_at": raised}))
    return pd.concat(frames, ignore_index=True).sort_values("raised_at", kind="stable").reset_index(drop=True)


def build_alerts(units: DemoUnits, preset: Preset, seed: int, start: datetime, end: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Devices and the alerts they raised."""
    rng = np.random.default_rng([seed, 3])
    grids = units.grids
    a = _raise_alerts(rng, units, preset, start)
    n = len(a)
    deadline_h = a["severity"].map(ACK_DEADLINE_MIN).to_numpy() / 60.0
    raised = a["raised_at"].to_numpy().astype("datetime64[s]")
    ack, resolved, status = _alert_clocks(rng, a, end)

    # One device per (grid, type) that alarmed, plus some quiet ones: every alert has a device.
    pairs = a[["gi", "type"]].drop_duplicates().sort_values(["gi", "type"]).reset_index(drop=True)
    pairs["device_id"] = np.arange(1, len(pairs) + 1)
    a = a.merge(pairs, on=["gi", "type"], how="left")
    dx, dy = place(rng, units, pairs["gi"].to_numpy())
    devices = pd.DataFrame(
        {
            "id": pairs["device_id"],
            "type": pairs["type"],
            "grid_code": grids["code"].to_numpy()[pairs["gi"]],
            "lon": dx,
            "lat": dy,
            "installed_at": (np.datetime64(start.date(), "D") - rng.integers(30, 1500, len(pairs))).astype("datetime64[D]"),
        }
    )
    alerts = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "type": a["type"],
            "severity": a["severity"],
            "grid_code": grids["code"].to_numpy()[a["gi"]],
            "device_id": a["device_id"],
            "lon": devices["lon"].to_numpy()[a["device_id"] - 1],
            "lat": devices["lat"].to_numpy()[a["device_id"] - 1],
            "raised_at": raised,
            "ack_due_at": raised + duration(deadline_h),
            "acknowledged_at": ack,
            "resolved_at": resolved,
            "status": status,
            "case_id": pd.array([None] * n, dtype="Int64"),
        }
    )
    return devices, alerts

