"""`import csv --table NAME FILE`: one contract table from a CSV file, every value validated first."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.sql.expression import TableClause as Table

from cockpit.core import codes
from cockpit.store import schema
from cockpit.store.upsert import Say, existing_rows, key_of, next_id, upsert
from cockpit.tools.importers.headers import detect_table, map_headers, table_named
from cockpit.tools.importers.pipeline import Write, Written
from cockpit.tools.importers.report import ImportFailure, Report
from cockpit.tools.importers.textfile import read_text
from cockpit.tools.importers.validate import check_foreign_keys, check_rows, check_written
from cockpit.tools.importers.values import CellError, parse_cell

csv.field_size_limit(10_000_000)
EXTERNAL_KEY = ("source", "external_id")  # a case_record file without ids is matched by these
DERIVED = {("admin_unit", "kind")}  # may be left out: derived from the level, the code and the name


def unit_kind(row: dict) -> str | None:
    """市/区/县/街道/镇/乡/居委会/村委会 for a unit row whose file gives no kind (national code conventions)."""
    level, code, name = row.get("level"), str(row.get("code") or ""), str(row.get("name") or "")
    if level == "city":
        return "市"
    if level == "district":
        return name[-1] if name[-1:] in ("区", "县", "市") else "区"
    if not (len(code) == 12 and code.isdigit()):
        return None
    if level == "street":
        return codes.street_kind(code)
    return codes.community_kind(code) if level == "community" else None


@dataclass
class CsvRows:
    """A parsed CSV: the table, its columns present, the rows and the line each came from."""

    table: Table
    columns: list[str]
    key: list[str]
    rows: list[dict] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    encoding: str = ""


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count)
    return type("_D", (csv.excel,), {"delimiter": delimiter, "strict": True}) if first.count(delimiter) else csv.excel


def _key_for(table: Table, columns: list[str]) -> list[str]:
    pk = [c.name for c in table.primary_key.columns]
    if all(k in columns for k in pk):
        return pk
    if table.name == schema.case_record.name and all(k in columns for k in EXTERNAL_KEY):
        return list(EXTERNAL_KEY)
    need = " + ".join(pk) + (" (or source + external_id)" if table.name == schema.case_record.name else "")
    raise ImportFailure(f"缺少主键列 / {table.name}: the file needs the key column(s) {need} to match rows on re-import")


def _check_header(table: Table, headers: list[str]) -> list[str]:
    columns, unknown = map_headers(table, headers)
    if unknown:
        raise ImportFailure(f"未知列 / {table.name}: column(s) {', '.join(unknown)} are not in the table "
                            f"(its columns: {', '.join(c.name for c in table.columns)})")
    dup = {c for c in columns if columns.count(c) > 1}
    if dup:
        raise ImportFailure(f"重复列 / {table.name}: more than one header names {', '.join(sorted(map(str, dup)))}")
    required = [c.name for c in table.columns if not c.nullable and c.default is None and c.autoincrement is not True]
    missing = [c for c in required if c not in columns and (table.name, c) not in DERIVED]
    if table.name == schema.case_record.name and "id" in missing:
        missing.remove("id")
    if missing:
        raise ImportFailure(f"缺少必填列 / {table.name}: required column(s) {', '.join(missing)} are missing")
    return [c for c in columns if c is not None]


def read_csv_rows(path: Path, table_name: str | None, encoding: str | None, report: Report) -> CsvRows:
    """Parse and validate ``path``; rejected rows go to ``report`` (the returned rows include only good ones)."""
    text, used = read_text(path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        headers = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ImportFailure(f"无法读取表头 / {path}: no header line ({exc})") from None
    headers = [h.strip() for h in headers]
    table = table_named(table_name) if table_name else detect_table(headers)
    columns = _check_header(table, headers)
    derive_kind = table.name == "admin_unit" and "kind" not in columns
    if derive_kind:
        columns = [*columns, "kind"]
    parsed = CsvRows(table, columns, _key_for(table, columns), encoding=used)
    _read_body(reader, table, columns[: len(headers)], parsed, report)
    defaults = {c.name: c.default.arg for c in table.columns if c.name not in columns and c.default is not None}
    parsed.columns += list(defaults)
    for row in parsed.rows:
        row.update(defaults)
        if table.name == "admin_unit" and row.get("kind") is None:
            row["kind"] = unit_kind(row)
    later = frozenset({"id"} if parsed.key == list(EXTERNAL_KEY) else ())
    check_rows(table, parsed.rows, parsed.labels, report, later)
    bad = report.rejected_lines()
    keep = [i for i, label in enumerate(parsed.labels) if label not in bad]
    parsed.rows = [parsed.rows[i] for i in keep]
    parsed.labels = [parsed.labels[i] for i in keep]
    return parsed


def _read_body(reader: csv.reader, table: Table, columns: list[str], out: CsvRows, report: Report) -> None:
    line = 1
    seen: dict[tuple, str] = {}
    try:
        for record in reader:
            start, line = line + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(columns):
                report.reject(start, "(row)", f"has {len(record)} fields, the header has {len(columns)} "
                              "(a stray delimiter, or a truncated line)", ",".join(record)[:80])
                continue
            row = _parse_row(table, columns, record, start, report)
            key = key_of(row, out.key)
            if key in seen:
                report.reject(start, "/".join(out.key), f"duplicate key, also on line {seen[key]}", "/".join(key))
                continue
            seen[key] = str(start)
            out.rows.append(row)
            out.labels.append(str(start))
    except csv.Error as exc:
        raise ImportFailure(f"CSV 格式错误 / {report.file}, line {reader.line_num}: {exc} (a truncated file or an "
                            "unclosed quote)") from None


def _parse_row(table: Table, columns: list[str], record: list[str], line: int, report: Report) -> dict:
    row: dict = {}
    for name, cell in zip(columns, record):
        column = table.c[name]
        try:
            value = parse_cell(column, cell)
        except CellError as exc:
            report.reject(line, name, str(exc), cell)
            value = None
        if value is None and column.default is not None:
            value = column.default.arg
        row[name] = value
    return row


def csv_writer(parsed: CsvRows, file: str, say: Say) -> Write:
    """The write step for ``pipeline.write_all_or_nothing``: foreign keys, upsert, join rules."""

    def write(conn: Connection, excluded: set[str]) -> Written:
        keep = [i for i, label in enumerate(parsed.labels) if label not in excluded]
        rows = [dict(parsed.rows[i]) for i in keep]
        labels = [parsed.labels[i] for i in keep]
        problems = check_foreign_keys(conn, parsed.table, rows, labels, file)
        if problems:
            return Written(rejected=problems)
        columns = list(parsed.columns)
        if parsed.key == list(EXTERNAL_KEY):
            _assign_case_ids(conn, rows)
            columns = ["id", *columns]
        say(f"writing {len(rows):,} rows into {parsed.table.name} (one transaction)")
        counts = upsert(conn, parsed.table, parsed.key, columns, rows, say)
        pk = [c.name for c in parsed.table.primary_key.columns]
        written = {key_of(r, pk): label for r, label in zip(rows, labels)}
        return Written({parsed.table.name: counts}, check_written(conn, parsed.table, written, file))

    return write


def _assign_case_ids(conn: Connection, rows: list[dict]) -> None:
    """Cases matched by (source, external_id) keep their id; new ones get the next free ids."""
    t = schema.case_record
    stored = existing_rows(conn, t, list(EXTERNAL_KEY), ["id"], [tuple(r[k] for k in EXTERNAL_KEY) for r in rows])
    nxt = next_id(conn, t)
    for row in rows:
        old = stored.get(key_of(row, EXTERNAL_KEY))
        if old is not None:
            row["id"] = old["id"]
        else:
            row["id"], nxt = nxt, nxt + 1
