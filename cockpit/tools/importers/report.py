"""What an import rejected and warned about: one line per problem with its file, line and field."""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.views.files import formula_safe

SHOWN = 30  # problems printed on the terminal; --errors FILE gets them all


class ImportFailure(Exception):
    """The input cannot be imported at all (binary, empty, wrong encoding, no such table …): one sentence."""


@dataclass(frozen=True)
class Problem:
    """One rejected row (or feature, or request), or one warning.

    ``line`` is the CSV line number (the header is line 1), or ``feature N`` / ``request N`` (1-based)
    for JSON inputs, with the record's code or id where it has one.
    """

    file: str
    line: str
    field: str
    reason: str
    value: str = ""

    def text(self) -> str:
        shown = f" ({self.value[:60]!r})" if self.value else ""
        return f"{self.file}:{self.line}: {self.field}: {self.reason}{shown}"


@dataclass
class Report:
    """Problems collected while reading one input; ``rejected`` blocks the write, ``warnings`` do not."""

    file: str
    rejected: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def reject(self, line: object, field_name: str, reason: str, value: object = "") -> None:
        self.rejected.append(Problem(self.file, str(line), field_name, reason, _text(value)))

    def warn(self, line: object, field_name: str, reason: str, value: object = "") -> None:
        self.warnings.append(Problem(self.file, str(line), field_name, reason, _text(value)))

    def rejected_lines(self) -> set[str]:
        return {p.line for p in self.rejected}


def _text(value: object) -> str:
    return "" if value is None else str(value)


def say_stderr(message: str) -> None:
    """Progress, warnings and rejections go to stderr (stdout keeps the counts)."""
    print(message, file=sys.stderr, flush=True)


def write_errors(path: Path, problems: list[Problem]) -> None:
    """Every problem as CSV (UTF-8 with BOM, so Chinese Excel opens it): file, line, field, reason, value, kind.

    The value is the source's own text, which may begin like a formula: it is written as every
    cockpit CSV writes text (`formula_safe`, quoted), so opening the file never runs it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL)
        w.writerow(["file", "line", "field", "reason", "value"])
        for p in problems:
            w.writerow([formula_safe(x) for x in (p.file, p.line, p.field, p.reason, p.value)])


def format_problems(title: str, problems: list[Problem], limit: int = SHOWN) -> str:
    """A heading and the first ``limit`` problems, one a line."""
    if not problems:
        return ""
    lines = [f"{title}: {len(problems):,}"]
    lines += [f"  {p.text()}" for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"  … {len(problems) - limit:,} more (write them all with --errors FILE)")
    return "\n".join(lines)
