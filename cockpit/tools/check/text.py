"""How much free text in the city's database looks like a formula or like markup: information, not a problem.

Case descriptions come from the public and names from other departments' systems; the cockpit
shows them as text and writes them into CSV with a leading `'` where they begin like a formula
(`cockpit.views.files.formula_safe`). The source is never rewritten, so an operator may want to
know how much of it there is and where. Each count is one SQL aggregate per table.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Connection, Engine, case, func, inspect, or_, select
from sqlalchemy.exc import SQLAlchemyError

from cockpit.store import schema
from cockpit.views.files import FORMULA_STARTERS

# The text columns the pages show (and exports write) that other people typed.
TEXT_COLUMNS: tuple[Column, ...] = (
    schema.admin_unit.c.name, schema.grid.c.name, schema.case_category.c.name, schema.case_category.c.name_en,
    schema.case_record.c.description, schema.case_event.c.note, schema.venue.c.name, schema.activity.c.title,
    schema.vote.c.title,
)
FORMULA = "formula"
MARKUP = "markup"
BIDI = "bidi"
KINDS = {
    FORMULA: "begin with a formula character (= + - @ tab CR LF ＝＋－＠; CSV exports prefix them with ') "
             "/ 以公式字符开头（CSV 导出时前加 '）",
    MARKUP: "contain markup (< … >; shown as text) / 含标记（< … >，按文字显示）",
    BIDI: "contain a right-to-left override (U+202E/U+202D) / 含强制从右到左字符",
}


@dataclass(frozen=True)
class TextNote:
    table: str
    column: str
    kind: str  # FORMULA, MARKUP or BIDI
    rows: int


def _conditions(col: Column) -> dict[str, object]:
    return {
        FORMULA: or_(*(col.like(f"{ch}%") for ch in sorted(FORMULA_STARTERS))),
        MARKUP: col.like("%<%>%"),
        BIDI: or_(col.like("%\u202e%"), col.like("%\u202d%")),
    }


def text_notes(engine: Engine) -> list[TextNote]:
    """Rows per (table, column, kind) with a count above zero; a table or column missing is skipped (check reports it)."""
    notes: list[TextNote] = []
    with engine.connect() as conn:
        inspector = inspect(conn)
        existing = set(inspector.get_table_names())
        for table in schema.TABLES_IN_LOAD_ORDER:
            if table.name not in existing:
                continue
            present = {c["name"] for c in inspector.get_columns(table.name)}
            columns = [c for c in TEXT_COLUMNS if c.table is table and c.name in present]
            if columns:
                notes += _count(conn, table.name, columns)
    return notes


def _count(conn: Connection, table: str, columns: list[Column]) -> list[TextNote]:
    labels = [(col.name, kind) for col in columns for kind in KINDS]
    sums = [func.sum(case((cond, 1), else_=0)) for col in columns for cond in _conditions(col).values()]
    try:
        row = conn.execute(select(*sums).select_from(columns[0].table)).one()
    except SQLAlchemyError:
        conn.rollback()
        return []  # a column of the wrong type: its structure problem is reported by check itself
    return [TextNote(table, column, kind, int(n)) for (column, kind), n in zip(labels, row) if n]


def format_notes(notes: list[TextNote]) -> str:
    """For the terminal, after the problems: what the count means, per table and column."""
    if not notes:
        return ""
    lines = ["For information (not a problem) / 仅供参考（不是问题）:"]
    lines += [f"  {n.table}.{n.column}: {n.rows:,} row(s) {KINDS[n.kind]}" for n in notes]
    return "\n".join(lines)
