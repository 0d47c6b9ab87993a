"""`import open311 --requests FILE --services FILE`: GeoReport v2 services become case categories, requests cases.

Mapping (docs/data-contract.md, "Open311 GeoReport v2 mapping"): ``service_request_id`` is the case's
``external_id`` (``source`` = ``open311``; re-imports match on it), ``open`` → ``received``,
``closed`` → ``closed`` at ``updated_datetime``; times are converted from their offset to UTC+8.
Stages Open311 does not carry (registered … visited) stay NULL. ``status_notes`` goes to the note of
the latest event, ``agency_responsible`` to the note of the receive event. Each request is placed
in the grid whose boundary (``--geo-dir``) contains it.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection

from cockpit.store import schema
from cockpit.store.upsert import Counts, delete_later_events, existing_rows, fetch_in, next_id, upsert
from cockpit.tools.importers.grid_locator import GridLocator
from cockpit.tools.importers.pipeline import Write, Written
from cockpit.tools.importers.report import ImportFailure, Report
from cockpit.tools.importers.textfile import read_text
from cockpit.tools.importers.validate import check_foreign_keys, check_rows, check_written
from cockpit.tools.importers.values import CellError, parse_datetime

SOURCE = "open311"
CATEGORY_KEEP = ("name_en", "open311_group")  # all a re-import updates on a category: kind and deadlines are a person's


@dataclass(frozen=True)
class Open311Options:
    default_grid: str | None = None
    kind: str = "event"
    review_hours: float = 6.0
    response_hours: float = 15.0
    resolve_hours: float = 72.0


@dataclass
class Request:
    """One accepted request, before it meets the database (ids and deadlines are settled in the transaction)."""

    label: str
    external_id: str
    service_code: str
    status: str
    received_at: datetime
    closed_at: datetime | None
    due_at: datetime | None
    lon: float | None
    lat: float | None
    grid_code: str
    description: str | None
    agency: str | None
    notes: str | None


def _array(path: Path, keys: tuple[str, ...]) -> list:
    text, _ = read_text(path)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        why = "the file is truncated" if exc.pos >= len(text.rstrip()) - 1 else exc.msg
        raise ImportFailure(f"不是有效的 JSON / {path}: {why} (line {exc.lineno}, column {exc.colno})") from None
    if isinstance(doc, dict):
        doc = next((doc[k] for k in keys if isinstance(doc.get(k), list)), doc)
    if not isinstance(doc, list):
        raise ImportFailure(f"不是 Open311 列表 / {path}: expected a JSON array of {keys[0]}")
    return doc


def category_code(prefix: str, source_code: str) -> str:
    """A stable category code (≤ 16 characters) for an Open311 service code or group name."""
    return f"{prefix}{hashlib.sha1(source_code.encode()).hexdigest()[:16 - len(prefix)]}"


def _text(value: object, limit: int | None = None) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return (text[:limit] if limit else text) or None


def read_services(path: Path, options: Open311Options) -> list[dict]:
    """Category rows for the groups (大类) and services (小类) of a services.json."""
    groups: dict[str, dict] = {}
    services: list[dict] = []
    for i, s in enumerate(_array(path, ("services",)), start=1):
        code = _text(s.get("service_code"), 32) if isinstance(s, dict) else None
        if code is None:
            raise ImportFailure(f"{path}: service {i} has no service_code")
        group = _text(s.get("group"), 64)
        name = _text(s.get("service_name"), 64) or code
        if group and group not in groups:
            groups[group] = _category(category_code("O311G", group), group, None, None, group, options)
        parent = groups[group]["code"] if group else None
        services.append(_category(category_code("O311S", code), name, parent, code, group, options))
    return [*groups.values(), *services]


def _category(code: str, name: str, parent: str | None, service: str | None, group: str | None,
              o: Open311Options) -> dict:
    return {"code": code, "name": name, "name_en": name, "parent_code": parent, "kind": o.kind,
            "open311_service_code": service, "open311_group": group, "review_hours": o.review_hours,
            "response_hours": o.response_hours, "resolve_hours": o.resolve_hours}


def _position(raw: dict) -> tuple[float | None, float | None]:
    """(lon, lat), or (None, None) for a missing or 0 position. Raises CellError for a non-number."""
    values = []
    for name in ("long", "lat"):
        value = raw.get(name)
        if value in (None, ""):
            return None, None
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise CellError(f"{name} is not a number") from None
        if not math.isfinite(number):
            raise CellError(f"{name} is not a finite number")
        values.append(number)
    lon, lat = values
    if lon == 0 or lat == 0:
        return None, None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CellError("is outside -180..180 / -90..90")
    return lon, lat


def _time(raw: dict, name: str, required: bool = False) -> datetime | None:
    value = raw.get(name)
    if value in (None, ""):
        if required:
            raise CellError("is missing (required)")
        return None
    return parse_datetime(str(value), require_offset=True)


class _RequestReader:
    def __init__(self, report: Report, services: set[str], locator: GridLocator, options: Open311Options) -> None:
        self.report, self.services, self.locator, self.options = report, services, locator, options
        self.seen: dict[str, str] = {}

    def read(self, i: int, raw: object) -> Request | None:
        if not isinstance(raw, dict):
            self.report.reject(f"request {i}", "(request)", "is not a JSON object")
            return None
        ident = _text(raw.get("service_request_id"), 64)
        label = f"request {i} ({ident})" if ident else f"request {i}"
        if ident is None:
            self.report.reject(label, "service_request_id", "is missing (required)")
            return None
        if ident in self.seen:
            self.report.reject(label, "service_request_id", f"duplicate, also {self.seen[ident]}", ident)
            return None
        self.seen[ident] = label
        try:
            return self._fields(label, ident, raw)
        except _Rejected:
            return None

    def _time(self, label: str, raw: dict, name: str, required: bool = False) -> datetime | None:
        try:
            return _time(raw, name, required)
        except CellError as exc:
            self.report.reject(label, name, str(exc), raw.get(name))
            raise _Rejected from None

    def _position(self, label: str, raw: dict) -> tuple[float | None, float | None]:
        try:
            return _position(raw)
        except CellError as exc:
            self.report.reject(label, "lat/long", str(exc), f"{raw.get('long')},{raw.get('lat')}")
            raise _Rejected from None

    def _fields(self, label: str, ident: str, raw: dict) -> Request:
        status = str(raw.get("status") or "").strip().lower()
        if status not in ("open", "closed"):
            self.report.reject(label, "status", "is not open or closed (GeoReport v2 knows only these)", raw.get("status"))
            raise _Rejected
        service = _text(raw.get("service_code"), 32)
        if service not in self.services:
            self.report.reject(label, "service_code", "is not in the services file", service)
            raise _Rejected
        received = self._time(label, raw, "requested_datetime", required=True)
        updated = self._time(label, raw, "updated_datetime")
        expected = self._time(label, raw, "expected_datetime")
        lon, lat = self._position(label, raw)
        closed = None
        if status == "closed":
            closed = updated or received
            if updated is None:
                self.report.warn(label, "updated_datetime", "closed without updated_datetime; closed_at = requested")
        return Request(label, ident, service, "closed" if status == "closed" else "received", received, closed,
                       expected, lon, lat, self._grid(label, lon, lat), _text(raw.get("description")),
                       _text(raw.get("agency_responsible")), _text(raw.get("status_notes")))

    def _grid(self, label: str, lon: float | None, lat: float | None) -> str:
        default = self.options.default_grid
        if lon is None or lat is None:
            if default is None:
                self.report.reject(label, "lat/long", "no usable position (null or 0); pass --default-grid CODE to "
                                   "place such requests in one grid")
                raise _Rejected
            return default
        grid = self.locator.locate(lon, lat)
        if grid is not None:
            return grid
        if default is None:
            self.report.reject(label, "lat/long", f"no grid boundary in the geo folder contains this point "
                               f"({len(self.locator):,} grids read); pass --default-grid CODE", f"{lon},{lat}")
            raise _Rejected
        self.report.warn(label, "lat/long", f"no grid contains the point; placed in --default-grid {default}",
                         f"{lon},{lat}")
        return default


class _Rejected(Exception):
    """A request already reported; skip it."""


def read_open311(requests_path: Path, services_path: Path, geo_dir: Path | None, options: Open311Options,
                 report: Report) -> Write | None:
    """Parse both files; the write step, or None when no request is usable."""
    categories = read_services(services_path, options)
    service_codes = {c["open311_service_code"] for c in categories if c["open311_service_code"]}
    reader = _RequestReader(report, service_codes, GridLocator(geo_dir), options)
    requests = [r for i, raw in enumerate(_array(requests_path, ("service_requests", "requests")), start=1)
                if (r := reader.read(i, raw)) is not None]
    if not requests:
        return None
    return _writer(categories, requests, options, report.file)


def _writer(categories: list[dict], requests: list[Request], options: Open311Options, file: str) -> Write:
    def write(conn: Connection, excluded: set[str]) -> Written:
        todo = [r for r in requests if r.label not in excluded]
        counts, by_service = _write_categories(conn, categories)
        cases, events = _case_rows(conn, todo, by_service, options)
        labels = [r.label for r in todo]
        check = Report(file)
        check_rows(schema.case_record, cases, labels, check)
        problems = check.rejected + check_foreign_keys(conn, schema.case_record, cases, labels, file)
        if problems:
            return Written(rejected=problems)
        counts["case_record"] = upsert(conn, schema.case_record, ["id"], [c.name for c in schema.case_record.columns],
                                       cases)
        counts["case_event"] = _write_events(conn, events, cases)
        written = {(str(c["id"]),): label for c, label in zip(cases, labels)}
        return Written(counts, check_written(conn, schema.case_record, written, file))

    return write


def _write_categories(conn: Connection, categories: list[dict]) -> tuple[dict[str, Counts], dict[str, dict]]:
    """Insert new categories whole; on known ones (by code or Open311 service code) update only CATEGORY_KEEP."""
    t = schema.case_category
    services = [c["open311_service_code"] for c in categories if c["open311_service_code"]]
    by_service = {r["open311_service_code"]: r for r in fetch_in(conn, t, "open311_service_code", services)}
    for c in categories:
        known = by_service.get(c["open311_service_code"])
        if known is not None:
            c["code"] = known["code"]
    stored = existing_rows(conn, t, ["code"], [], [(c["code"],) for c in categories])
    new = [c for c in categories if (c["code"],) not in stored]
    old = [c for c in categories if (c["code"],) in stored]
    counts = upsert(conn, t, ["code"], list(new[0]) if new else ["code"], new)
    kept = upsert(conn, t, ["code"], ["code", *CATEGORY_KEEP], old, insert_new=False)
    counts.updated, counts.unchanged = kept.updated, kept.unchanged
    final = existing_rows(conn, t, ["code"], [c.name for c in t.columns], [(c["code"],) for c in categories])
    return {"case_category": counts}, {c["open311_service_code"]: final[(c["code"],)]
                                       for c in categories if c["open311_service_code"]}


def _case_rows(conn: Connection, requests: list[Request], by_service: dict[str, dict],
               options: Open311Options) -> tuple[list[dict], list[dict]]:
    t = schema.case_record
    ids = existing_rows(conn, t, ["source", "external_id"], ["id"], [(SOURCE, r.external_id) for r in requests])
    nxt = next_id(conn, t)
    cases, events = [], []
    for r in requests:
        old = ids.get((SOURCE, r.external_id))
        case_id = old["id"] if old else nxt
        nxt += 0 if old else 1
        cat = by_service[r.service_code]
        hours = {k: cat.get(k) or getattr(options, k) for k in ("review_hours", "response_hours", "resolve_hours")}
        cases.append({
            "id": case_id, "external_id": r.external_id, "source": SOURCE, "category_code": cat["code"],
            "grid_code": r.grid_code, "lon": r.lon, "lat": r.lat, "description": r.description, "status": r.status,
            "received_at": r.received_at, "registered_at": None, "dispatched_at": None, "resolved_at": None,
            "verified_at": None, "closed_at": r.closed_at, "visited_at": None,
            "review_due_at": r.received_at + timedelta(hours=hours["review_hours"]),
            "response_due_at": r.received_at + timedelta(hours=hours["response_hours"]),
            "due_at": r.due_at or r.received_at + timedelta(hours=hours["resolve_hours"]),
            "resolved_tier": None, "satisfaction": None, "reopen_count": 0, "return_count": 0,
        })
        events += _events(case_id, r)
    return cases, events


def _events(case_id: int, r: Request) -> list[dict]:
    agency = f"agency_responsible: {r.agency}" if r.agency else None
    steps = [{"case_id": case_id, "seq": 1, "at": r.received_at, "action": "receive", "tier": None, "note": agency}]
    if r.closed_at is not None:
        steps.append({"case_id": case_id, "seq": 2, "at": r.closed_at, "action": "close", "tier": None, "note": None})
    if r.notes:
        last = steps[-1]
        last["note"] = "\n".join(n for n in (last["note"], f"status_notes: {r.notes}") if n)
    return steps


def _write_events(conn: Connection, events: list[dict], cases: list[dict]) -> Counts:
    t = schema.case_event
    counts = upsert(conn, t, ["case_id", "seq"], [c.name for c in t.columns], events)
    last = {}
    for e in events:
        last[e["case_id"]] = max(last.get(e["case_id"], 0), e["seq"])
    delete_later_events(conn, {c["id"]: last.get(c["id"], 0) for c in cases})
    return counts
