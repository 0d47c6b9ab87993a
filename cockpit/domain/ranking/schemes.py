"""An evaluation scheme (考核方案): a TOML file naming indicators from the catalogue, their weights and rules.

Shipped examples live in cockpit/resources/schemes; a city's own in the folder COCKPIT_SCHEMES_DIR names.
A scheme's id is its file name without ``.toml`` (the URL's ``scheme=``). Every problem is reported as a
`SchemeError` with the file, the line and the field, so whoever edits the file can find it; see
docs/ranking.md for the format.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field

from cockpit.domain.ranking.catalogue import CATALOGUE, HIGHER, LOWER, PER_CAPITA

RULES = ("proportional", "threshold", "relative")
METHODS = ("shrink", "wilson")
DEFAULT_GRADES = {"A": 90.0, "B": 75.0, "C": 60.0, "D": 40.0}
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")


@dataclass(frozen=True)
class Indicator:
    id: str
    weight: float
    rule: str = "proportional"
    direction: str = HIGHER
    full_at: float | None = None  # threshold: full marks at this value (a rate as 0.70)
    minus_per_point: float = 1.0  # threshold: points off per percentage point (per unit of a per-capita value)
    floor: float | None = None  # a unit worse than this is named (below it, or above it where lower is better)


@dataclass(frozen=True)
class Scheme:
    id: str
    name_zh: str
    name_en: str
    indicators: tuple[Indicator, ...]
    note_zh: str = ""
    note_en: str = ""
    min_cases: int = 25  # fewer cases received in the month: shown as 样本不足, not ranked
    method: str = "shrink"  # how rates are ranked: "shrink" (empirical Bayes) or "wilson" (pessimistic bound)
    pseudo_cases: float = 25.0  # shrink: m
    list_size: int = 3  # 红榜 / 黑榜: the top and bottom N of each group
    basic_weight: float = 0.9  # 基本满意 counts this much of a 满意
    grades: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_GRADES))
    source: str = ""  # the file it came from

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def note(self, lang: str) -> str:
        return self.note_zh if lang == "zh" else self.note_en


class SchemeError(ValueError):
    """A scheme file that cannot be used: where (file, line, field) and what, in both languages."""

    def __init__(self, source: str, line: int | None, field_: str, zh: str, en: str) -> None:
        self.source, self.line, self.field, self.zh, self.en = source, line, field_, zh, en
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        where = f"{self.source}" + (f":{self.line}" if self.line else "")
        what = self.zh if lang == "zh" else self.en
        return f"{where}: {self.field}: {what}" if self.field else f"{where}: {what}"


def _line_of(text: str, key: str, table: str | None = None, index: int = 0) -> int | None:
    """The line where `key = …` is set (inside the `index`-th [[table]] when given); the table's header
    line when the key is missing there; None when neither is found. tomllib keeps no positions."""
    section, seen, header = None, -1, None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            name = line.strip("[] ")
            section = name
            if table is not None and line.startswith("[[") and name == table:
                seen += 1
                if seen == index:
                    header = number
            continue
        in_place = (section is None) if table is None else (section == table and seen == index)
        if in_place and re.match(rf"^{re.escape(key)}\s*=", line):
            return number
    return header


class _Reader:
    """Typed reads of one table of the file, each failure a SchemeError naming the field's line."""

    def __init__(self, source: str, text: str, data: dict, table: str | None = None, index: int = 0) -> None:
        self.source, self.text, self.data, self.table, self.index = source, text, data, table, index

    def fail(self, key: str, zh: str, en: str) -> SchemeError:
        label = f"{self.table}[{self.index + 1}].{key}" if self.table else key
        return SchemeError(self.source, _line_of(self.text, key, self.table, self.index), label, zh, en)

    def text_(self, key: str, default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value is None:
            raise self.fail(key, "缺少此项", "missing")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "应为非空文字", "must be non-empty text")
        return value.strip()

    def number(self, key: str, default: float | None, lo: float | None = None, hi: float | None = None) -> float | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"应为数字，而不是 {value!r}", f"must be a number, not {value!r}")
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            rng = f"{lo if lo is not None else '-∞'} … {hi if hi is not None else '∞'}"
            raise self.fail(key, f"应在 {rng} 之间，而不是 {value}", f"must be within {rng}, not {value}")
        return float(value)

    def choice(self, key: str, options: tuple[str, ...], default: str) -> str:
        value = self.data.get(key, default)
        if value not in options:
            raise self.fail(key, f"应为 {' / '.join(options)} 之一，而不是 {value!r}",
                            f"must be one of {', '.join(options)}, not {value!r}")
        return value

    def unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.fail(key, "不认识的设置项（拼写是否有误？）", "unknown setting (a typo?)")


SCHEME_KEYS = {"name", "name_en", "note", "note_en", "min_cases", "method", "pseudo_cases", "list_size",
               "basic_satisfied_weight", "grades", "indicator"}
INDICATOR_KEYS = {"id", "weight", "rule", "direction", "full_at", "minus_per_point", "floor"}


def parse_scheme(text: str, source: str, scheme_id: str) -> Scheme:
    """The scheme in `text` (a TOML file's contents; `source` names it in errors) or a SchemeError."""
    if not ID_PATTERN.match(scheme_id):
        raise SchemeError(source, None, "", "文件名只能用小写字母、数字、-、_（它出现在网址里）",
                          "the file name may use only lower-case letters, digits, - and _ (it is part of the URL)")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or _toml_line(str(exc))
        raise SchemeError(source, line, "", f"不是有效的 TOML：{exc}", f"not valid TOML: {exc}") from None
    top = _Reader(source, text, data)
    top.unknown(SCHEME_KEYS)
    indicators = _indicators(source, text, data, top)
    grades = _grades(top, data.get("grades", DEFAULT_GRADES))
    return Scheme(
        id=scheme_id, name_zh=top.text_("name"), name_en=top.text_("name_en", data.get("name")),
        note_zh=str(data.get("note", "")), note_en=str(data.get("note_en", data.get("note", ""))),
        indicators=indicators,
        min_cases=int(top.number("min_cases", 25, lo=0, hi=100_000)),
        method=top.choice("method", METHODS, "shrink"),
        pseudo_cases=top.number("pseudo_cases", 25, lo=0, hi=10_000),
        list_size=int(top.number("list_size", 3, lo=1, hi=50)),
        basic_weight=top.number("basic_satisfied_weight", 0.9, lo=0, hi=1),
        grades=grades, source=source,
    )


def _toml_line(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def _grades(top: _Reader, raw: object) -> dict[str, float]:
    if not isinstance(raw, dict) or not raw:
        raise top.fail("grades", "应为一张表，如 A = 90", "must be a table such as A = 90")
    reader = _Reader(top.source, top.text, raw, "grades")
    out = {}
    for letter in raw:
        if not re.match(r"^[A-Z]$", letter):
            raise reader.fail(letter, "等级应为一个大写字母", "a grade is one capital letter")
        out[letter] = reader.number(letter, None, lo=0, hi=100)
    return out


def _indicators(source: str, text: str, data: dict, top: _Reader) -> tuple[Indicator, ...]:
    raw = data.get("indicator")
    if not isinstance(raw, list) or not raw:
        raise top.fail("indicator", "至少要有一个 [[indicator]]", "needs at least one [[indicator]]")
    out: list[Indicator] = []
    for index, item in enumerate(raw):
        r = _Reader(source, text, item, "indicator", index)
        r.unknown(INDICATOR_KEYS)
        ind_id = r.text_("id")
        if ind_id not in CATALOGUE:
            raise r.fail("id", f"没有这个指标：{ind_id!r}；可用：{'、'.join(CATALOGUE)}",
                         f"no such indicator {ind_id!r}; known: {', '.join(CATALOGUE)}")
        if ind_id in {i.id for i in out}:
            raise r.fail("id", f"指标 {ind_id} 重复", f"indicator {ind_id} appears twice")
        known = CATALOGUE[ind_id]
        per_capita = known.kind == PER_CAPITA
        rule = r.choice("rule", RULES, "relative" if per_capita else "proportional")
        if per_capita and rule == "proportional":
            raise r.fail("rule", "人均类指标不能按比例计分，请用 relative 或 threshold",
                         "a per-capita measure cannot be scored proportionally: use relative or threshold")
        if not per_capita and rule == "relative":
            raise r.fail("rule", "比率类指标请用 proportional 或 threshold", "a rate is scored proportional or threshold")
        hi = None if per_capita else 1.0
        full_at = r.number("full_at", None, lo=0, hi=hi)
        if rule == "threshold" and full_at is None:
            raise r.fail("full_at", "threshold 规则需要 full_at（满分线，如 0.70）", "the threshold rule needs full_at (e.g. 0.70)")
        out.append(Indicator(
            id=ind_id, weight=r.number("weight", None, lo=0.01, hi=1000) or _missing(r, "weight"),
            rule=rule, direction=r.choice("direction", (HIGHER, LOWER), known.direction),
            full_at=full_at, minus_per_point=r.number("minus_per_point", 1.0, lo=0, hi=1000),
            floor=r.number("floor", None, lo=0, hi=hi),
        ))
    return tuple(out)


def _missing(reader: _Reader, key: str) -> float:
    raise reader.fail(key, "缺少此项", "missing")
