"""One import from start to end: validate, write in one transaction, commit only when clean, then rollups and check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from cockpit.core.errors import first_line
from cockpit.store.engine import make_engine
from cockpit.store.rollup.refresh import refresh_rollups
from cockpit.store.upsert import Counts, Say, label_real, open_for_import
from cockpit.tools.check.database import check_database, format_problems
from cockpit.tools.importers.report import ImportFailure, Problem, Report

CHECK_LINES = 25  # of check's report printed after an import
RETRIES = 3  # --skip-bad-rows: dropping a bad row can make another one bad (a unit's children); try again


@dataclass
class Written:
    """What one attempt wrote, or the rows it found bad inside the transaction (then it is rolled back)."""

    counts: dict[str, Counts] = field(default_factory=dict)
    rejected: list[Problem] = field(default_factory=list)


Write = Callable[[Connection, set[str]], Written]


def write_all_or_nothing(url: str, report: Report, write: Write, skip_bad_rows: bool) -> Written | None:
    """Run ``write`` (which skips the labels it is given) in one transaction; None when nothing was written."""
    if report.rejected and not skip_bad_rows:
        return None
    engine = open_for_import(url)
    try:
        for _ in range(RETRIES):
            excluded = report.rejected_lines()
            with engine.connect() as conn:
                trans = conn.begin()
                try:
                    written = write(conn, excluded)
                    if written.rejected:
                        trans.rollback()
                        report.rejected += written.rejected
                        if not skip_bad_rows:
                            return None
                        continue
                    label_real(conn)
                    trans.commit()
                    return written
                except SQLAlchemyError as exc:
                    trans.rollback()
                    raise ImportFailure(f"数据库拒绝写入，已回滚 / the database refused the import, rolled back: "
                                        f"{first_line(exc)}") from None
        raise ImportFailure("坏行过多，未写入 / bad rows kept appearing after skipping them; nothing was written")
    finally:
        engine.dispose()


def after_import(url: str, geo_dir: Path | None, say: Say) -> None:
    """Refresh the rollups and print what check says of the database now (the import is committed already)."""
    engine = make_engine(url, read_only=False)
    try:
        counts = refresh_rollups(engine)
        say("rollups refreshed: " + ", ".join(f"{k} {v:,} rows" for k, v in counts.items()))
    except Exception as exc:  # noqa: BLE001 - the import stands; a failed refresh is reported, not raised
        say(f"warning: rollup refresh failed ({first_line(exc)}); run `python -m cockpit rollup`")
    finally:
        engine.dispose()
    reader = make_engine(url, read_only=True)
    try:
        problems = check_database(reader, geo_dir if geo_dir is not None and geo_dir.exists() else None)
        lines = format_problems(problems).splitlines()
        more = f"\n  … {len(lines) - CHECK_LINES:,} more lines: run `python -m cockpit check`" if len(lines) > CHECK_LINES else ""
        say("check: " + "\n".join(lines[:CHECK_LINES]) + more)
    except Exception as exc:  # noqa: BLE001 - as above: report, the import is done
        say(f"warning: check could not run ({first_line(exc)})")
    finally:
        reader.dispose()
