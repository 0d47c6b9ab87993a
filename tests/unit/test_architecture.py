"""The layering of cockpit/ (issue #7), enforced: import contracts, where SQL may live, thin pages, named rooms.

The import contracts are in `.importlinter`; the rest are read from the source with `ast`, so a
violation fails here with the file and line, whatever the code does at run time.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cockpit"
PAGE_FILES = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "app.py"]
PAGE_MAX_LINES = 60

# Where SQL text and SQLAlchemy statements may be written: the store, the queries, and the check
# (which reads like a query). The bench runs SQL only through cockpit.queries.
SQL_HOMES = ("cockpit/queries/", "cockpit/store/", "cockpit/tools/check/")
SQL_LITERAL = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|WITH|PRAGMA|ANALYZE|TRUNCATE|RENAME\s+TABLE"
    r"|SET\s+(SESSION|FOREIGN_KEY_CHECKS))\b",
    re.IGNORECASE,
)
# The SQLAlchemy names that build statements, clauses or schema (types and errors are fine anywhere
# the import contracts allow SQLAlchemy at all).
STATEMENT_NAMES = frozenset({
    "select", "insert", "update", "delete", "text", "union", "union_all", "intersect", "except_", "exists",
    "func", "literal", "literal_column", "column", "table", "values", "bindparam", "and_", "or_", "not_", "case",
    "cast", "type_coerce", "distinct", "join", "outerjoin", "lateral", "tuple_", "null", "true", "false",
    "Table", "Column", "MetaData", "Index", "ForeignKey", "DDL", "CreateTable", "DropTable", "CreateIndex",
})
# cockpit.core is shared vocabulary: it may parse a database URL (errors.safe_url) and nothing more.
CORE_SQLALCHEMY = {("sqlalchemy.engine", "make_url")}
PAGE_IMPORTS = {"__future__", "streamlit", "cockpit.ui", "cockpit.core.i18n"}
# app.py is also the server's module: it hands Streamlit the cockpit's own routes (never a page's business).
APP_IMPORTS = PAGE_IMPORTS | {"cockpit.web"}


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted([*PACKAGE.rglob("*.py"), *PAGE_FILES]):
        yield _rel(path), ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree: ast.Module) -> Iterator[tuple[int, str, str | None]]:
    """(line, module, name) for every import; name None for a plain `import module`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, None
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.lineno, node.module, alias.name


# ---------------------------------------------------------------- import contracts (.importlinter)


def test_import_contracts_hold():
    """Layers, Streamlit only in ui and the bench, no demo/bench at run time, no SQLAlchemy above the domain."""
    # `lint-imports` through this interpreter, wherever its scripts live; a fresh process, so the
    # graph is built from the files as they are (no cache: nothing written into the tree).
    run_cli = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    done = subprocess.run([sys.executable, "-c", run_cli, "--no-logo", "--no-cache", ".importlinter"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    report = (done.stdout + done.stderr).strip()
    if done.returncode != 0 or "0 broken" not in report:
        broken = [line.split(" BROKEN")[0] for line in report.splitlines() if " BROKEN" in line]
        summary = "\n".join(f"  - {name}" for name in broken)
        summary = summary or "  (lint-imports did not run: is requirements-dev.txt installed? Its output:)"
        pytest.fail(f"import contracts broken (.importlinter):\n{summary}\n\n{report}", pytrace=False)


# ---------------------------------------------------------------- SQL lives in queries, store and check


def _statement_names(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """SQLAlchemy statement builders a module imports by name or reaches as `sqlalchemy.x` / `sa.x`."""
    bound = set()  # the names a module gives SQLAlchemy itself: `import sqlalchemy`, `import sqlalchemy as sa`
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound |= {a.asname or "sqlalchemy" for a in node.names if a.name.split(".")[0] == "sqlalchemy"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "sqlalchemy":
            yield from ((node.lineno, f"{node.module}.{a.name}") for a in node.names if a.name in STATEMENT_NAMES)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr in STATEMENT_NAMES and isinstance(node.value, ast.Name)
                and node.value.id in bound):
            yield node.lineno, f"{node.value.id}.{node.attr}"


def _sql_literals(tree: ast.Module) -> Iterator[tuple[int, str]]:
    """String literals (and f-string heads) that start like a SQL statement; bare strings (docstrings) excepted."""
    skip = set()  # bare strings, and the parts of an f-string (its head stands for the whole)
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr):
            skip.add(id(node.value))
        elif isinstance(node, ast.JoinedStr):
            skip |= {id(part) for part in node.values}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        head = node.values[0] if isinstance(node, ast.JoinedStr) and node.values else node
        if isinstance(head, ast.Constant) and isinstance(head.value, str) and SQL_LITERAL.match(head.value):
            yield node.lineno, head.value.strip().splitlines()[0][:60]


def test_sql_text_and_statements_only_in_queries_store_and_check():
    found = []
    for rel, tree in _sources():
        if rel.startswith(SQL_HOMES):
            continue
        found += [f"{rel}:{line}: SQL text {text!r}" for line, text in _sql_literals(tree)]
        found += [f"{rel}:{line}: SQLAlchemy statement builder {name}" for line, name in _statement_names(tree)]
    assert not found, "SQL outside cockpit/queries, cockpit/store, cockpit/tools/check:\n" + "\n".join(found)


def test_core_uses_sqlalchemy_only_to_parse_urls():
    found = [
        f"{rel}:{line}: {module}" + (f".{name}" if name else "")
        for rel, tree in _sources() if rel.startswith("cockpit/core/")
        for line, module, name in _imports(tree)
        if module.split(".")[0] == "sqlalchemy" and (module, name) not in CORE_SQLALCHEMY
    ]
    assert not found, "cockpit/core may import only sqlalchemy.engine.make_url:\n" + "\n".join(found)


def test_the_sql_checks_see_a_violation():
    """The two scanners above catch what they are for (a scanner that finds nothing proves nothing)."""
    tree = ast.parse(
        '"""SELECT in a docstring is prose."""\n'
        "import sqlalchemy as sa\n"
        "from sqlalchemy import Engine, select\n"
        "Q = 'select id from grid'\n"
        "R = f'WITH t AS (SELECT 1) SELECT * FROM {name}'\n"
        "S = sa.text('x')\n"
    )
    assert [line for line, _ in _sql_literals(tree)] == [4, 5]
    assert sorted(name for _, name in _statement_names(tree)) == ["sa.text", "sqlalchemy.select"]


# ---------------------------------------------------------------- pages are thin


def _project_module(module: str, name: str | None) -> str:
    """`from cockpit import ui` imports cockpit.ui; `from cockpit.core.i18n import t` imports cockpit.core.i18n."""
    if name is not None and module == "cockpit":
        return f"cockpit.{name}"
    return module


@pytest.mark.parametrize("path", PAGE_FILES, ids=_rel)
def test_pages_import_only_streamlit_ui_and_i18n(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = [
        f"{_rel(path)}:{line}: {_project_module(module, name)}"
        for line, module, name in _imports(tree)
        if _project_module(module, name) not in (APP_IMPORTS if path.name == "app.py" else PAGE_IMPORTS)
        and module.split(".")[0] != "streamlit"
    ]
    assert not bad, "a page imports only streamlit, cockpit.ui and cockpit.core.i18n:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", PAGE_FILES, ids=_rel)
def test_pages_are_short(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= PAGE_MAX_LINES, f"{_rel(path)} has {lines} lines (at most {PAGE_MAX_LINES}): move the work into cockpit.ui"


# ---------------------------------------------------------------- every room is named


def _packages() -> list[Path]:
    """Every package that holds code; cockpit/resources holds only data files read by importlib.resources."""
    inits = sorted(PACKAGE.rglob("__init__.py"))
    return [init.parent for init in inits
            if len(list(init.parent.rglob("*.py"))) > 1 or init.read_text(encoding="utf-8").strip()]


@pytest.mark.parametrize("package", _packages(), ids=_rel)
def test_every_package_says_what_it_holds_in_one_line(package):
    init = package / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")), clean=False)
    assert doc, f"{_rel(init)} has no docstring: one line saying what the package holds"
    lines = doc.strip().splitlines()
    assert lines[0].strip().endswith("."), f"{_rel(init)}: the docstring's first line is not a sentence: {lines[0]!r}"
    assert len(lines) == 1 or not lines[1].strip(), f"{_rel(init)}: the summary must fit on one line, then a blank line"
