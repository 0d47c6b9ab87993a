"""`python -m cockpit brief` on the small demo: a DOCX with real headings and tables, a PDF with its CJK font
embedded that renders to an image, the same numbers as the pages for the same unit and period, and one clear
line when the database is away."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import docx
import numpy as np
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from PIL import Image

from cockpit.core.i18n import fmt_number, fmt_percent
from cockpit.core.settings import load_settings, sqlite_url
from cockpit.tools.cli import main
from tests.conftest import without_cockpit_settings

PROJECT_DIR = Path(__file__).resolve().parents[2]
CITY = "330681000000"
HEADINGS = ["一、总体情况", "二、事件诉求", "三、风险预警", "四、共建共享", "五、考核排名"]


@pytest.fixture
def city_env(clean_env, small_demo):
    from cockpit.ui import data

    clean_env.setenv("COCKPIT_DB_URL", small_demo.db_url)
    clean_env.setenv("COCKPIT_GEO_DIR", str(small_demo.geo_dir))
    data.clear_caches()
    yield small_demo
    data.clear_caches()


def first_street(small_demo) -> str:
    import sqlite3

    with sqlite3.connect(small_demo.db_path) as con:
        street = con.execute("SELECT min(code) FROM admin_unit WHERE level = 'street'").fetchone()[0]
    con.close()
    return street


def write(capsys, *args: str) -> Path:
    assert main(["brief", *args]) == 0, capsys.readouterr().err
    [line] = capsys.readouterr().out.split()
    return Path(line)


def text_of(document: docx.document.Document) -> str:
    parts = [p.text for p in document.paragraphs]
    parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("level", ["city", "street"])
def test_docx_has_real_headings_tables_pictures_a4_and_a_cjk_font(level, city_env, capsys, tmp_path):
    code = CITY if level == "city" else first_street(city_env)
    how = ["--week", "2026-W40"] if level == "city" else ["--month", "2026-09"]
    path = write(capsys, "--unit", code, *how, "--format", "docx", "--out", str(tmp_path))
    assert path.suffix == ".docx" and path.parent == tmp_path and not list(tmp_path.glob("*.part"))
    d = docx.Document(str(path))
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"] == HEADINGS
    assert len([p for p in d.paragraphs if p.style.name == "Heading 2"]) >= 6
    assert len(d.tables) >= 8 and all(len(t.rows) >= 2 for t in d.tables)
    assert len(d.inline_shapes) == 5  # the pages' five chart panels, as pictures
    title = d.paragraphs[0]
    assert title.style.name == "Title" and title.text.endswith("社会治理工作简报")
    text = text_of(d)
    assert ("2026年第40期" if level == "city" else "2026年第9期") in text
    assert "统计周期：" in text and "数据截至：" in text and "演示数据" in text
    assert ("2026年9月28日—10月4日" if level == "city" else "2026年9月1日—9月30日") in text
    assert "▼0.0%" not in text and "下降0.0%" not in text and "上升0.0%" not in text
    section = d.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    for style in ("Normal", "Heading 1", "Heading 2", "Title"):
        fonts = d.styles[style].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) in ("宋体", "黑体") and fonts.get(qn("w:eastAsiaTheme")) is None


def _pdf_fonts(pdf: Path) -> str:
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) not installed; .ci/run installs it")
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("level", ["city", "street"])
def test_pdf_embeds_a_cjk_font_and_renders(level, city_env, capsys, tmp_path):
    code = CITY if level == "city" else first_street(city_env)
    path = write(capsys, "--unit", code, "--period", "30", "--format", "pdf", "--out", str(tmp_path))
    raw = path.read_bytes()
    assert raw.startswith(b"%PDF") and b"/FontFile" in raw  # fonts embedded, whatever reads it
    cjk = [line for line in _pdf_fonts(path).splitlines() if "CJK" in line]
    assert cjk and all(line.split()[-5] == "yes" for line in cjk), cjk  # the 'emb' column
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed")
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "page")], check=True)
    [png] = tmp_path.glob("page*.png")
    with Image.open(png) as img:
        rgb = img.convert("RGB")
        width, height = rgb.size
        assert 0.68 < width / height < 0.73  # A4 upright
        top = np.asarray(rgb.crop((0, 0, width, height // 6))).astype(int)
        reds = int(((top[..., 0] > 150) & (top[..., 1] < 80) & (top[..., 2] < 80)).sum())
        assert reds > 100  # the red masthead's characters were drawn (no font: no pixels)


def test_numbers_are_the_pages_numbers(city_env):
    """The brief of a page's unit and period against the overview's cards and the cases page's card and tables."""
    from cockpit.domain import brief as model
    from cockpit.ui import brief, cases, exports, overview

    settings = load_settings()
    for code in (CITY, first_street(city_env)):
        scope = exports.scope_for(settings, code, 30)  # what the page frame builds for ?unit=…&period=30
        period = brief.page_period(scope)
        bscope = brief.brief_scope(settings, code, period)
        assert (bscope.current, bscope.previous, bscope.last_year) == (scope.current, scope.previous, scope.last_year)
        made = brief.build_brief(bscope, period)
        f = made.figures
        view = cases.default_view(scope)
        assert f["received"] == cases.kpi_values(view)["received"]
        cards = overview.kpis_table(scope).frame.set_index("指标")
        for key, label in (("closed", "期内办结"), ("open", "在办事件"), ("overdue", "超期事件"), ("raised", "期内预警"),
                           ("earned", "获得积分"), ("redeemed", "兑换积分")):
            assert f[key] == cards.at[label, "数值"], key
        for key, label in (("closure_rate", "办结率"), ("on_time_rate", "按时办结率"), ("low_tier_rate", "网格社区解决率")):
            assert f[key] == pytest.approx(cards.at[label, "比率"]), key
        by_source = cases.by_source_table(view).frame
        assert sum(n for _, n in f["sources"]) == by_source["受理数"].sum() == f["received"]
        text = "\n".join(b.text for s in made.sections for b in s.blocks if b.kind == "p")
        assert f"共受理事件{fmt_number(f['received'], 'zh')}件" in text
        assert f"办结率{fmt_percent(f['closure_rate'])}" in text
        assert f"期末在办{fmt_number(f['open'], 'zh')}件，其中超期{fmt_number(f['overdue'], 'zh')}件" in text
        top = by_source.iloc[0]
        assert f"{top['名称']}占{fmt_percent(top['受理数'] / f['received'])}" in text
        # the first table is the overview's cards as the cards word them
        grid = next(b.grid for b in made.sections[0].blocks if b.kind == "table")
        shown = {row[1]: row[2] for row in grid.rows}
        assert shown["期内办结"] == fmt_number(f["closed"], "zh") and shown["办结率"] == fmt_percent(f["closure_rate"])
        assert isinstance(period, model.Period) and period.last == (scope.current.end - timedelta(days=1)).date()


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cockpit", "brief", *args], cwd=PROJECT_DIR,
                          env=without_cockpit_settings(), capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("db", ["missing-sqlite", "unreachable-pg"])
def test_the_database_away_is_one_line_and_a_non_zero_exit(db, tmp_path):
    url = (sqlite_url(tmp_path / "missing.sqlite") if db == "missing-sqlite"
           else "postgresql+psycopg://reader@127.0.0.1:9/gov?connect_timeout=3")
    proc = run("--unit", CITY, "--week", "2026-W44", "--format", "docx", "--db", url, "--out", str(tmp_path / "out"))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: database"), proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out").exists()


@pytest.mark.parametrize(("args", "reason"), [
    (["--week", "2026-44", "--format", "docx"], "--week must look like 2026-W44"),
    (["--month", "2026-13", "--format", "docx"], "there is no month 13"),
    (["--period", "45", "--format", "docx"], "--period must be one of"),
    (["--week", "2026-W44", "--format", "odt"], "unknown format 'odt'"),
    (["--week", "2026-W44", "--end", "2026-10-31", "--format", "pdf"], "--end goes with --period"),
])
def test_wrong_arguments_are_one_line(args, reason, capsys, tmp_path):
    assert main(["brief", "--unit", CITY, *args, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and reason in err[0], err


@pytest.mark.usefixtures("city_env")
def test_an_unknown_unit_is_one_line(capsys, tmp_path):
    assert main(["brief", "--unit", "999999999999", "--format", "docx", "--out", str(tmp_path)]) == 2
    assert re.match(r"error: unknown unit '999999999999'", capsys.readouterr().err)


@pytest.mark.usefixtures("city_env")
def test_the_brief_is_in_the_audit_log(capsys, tmp_path):
    from cockpit.store import audit

    write(capsys, "--unit", CITY, "--week", "2026-W40", "--format", "docx", "--out", str(tmp_path), "--lang", "en")
    rows = [dict(zip(audit.COLUMNS, r)) for r in audit.read_events(load_settings().audit_url)]
    assert any(r["page"] == "brief" and r["event"] == "export" and "cli brief docx" in (r["detail"] or "") for r in rows)


@pytest.mark.usefixtures("city_env")
def test_english_brief(capsys, tmp_path):
    d = docx.Document(io.BytesIO(write(capsys, "--unit", CITY, "--week", "2026-W40", "--format", "docx", "--lang", "en",
                                      "--out", str(tmp_path)).read_bytes()))
    assert [p.text for p in d.paragraphs if p.style.name == "Heading 1"][0] == "1. Overview"
    assert "Demo data" in text_of(d)


@pytest.mark.usefixtures("city_env")
def test_each_street_gets_its_own_brief(capsys, tmp_path):
    assert main(["brief", "--unit", CITY, "--each", "street", "--week", "2026-W40", "--format", "docx",
                 "--out", str(tmp_path)]) == 0
    paths = [Path(p) for p in capsys.readouterr().out.split()]
    assert len(paths) == 3 and len({p.name for p in paths}) == 3 and all(p.is_file() for p in paths)
    titles = {docx.Document(str(p)).paragraphs[0].text for p in paths}
    assert len(titles) == 3 and all(t.endswith("社会治理工作简报") for t in titles)
    street = sorted(paths)[0].name.split("_")[0]
    assert main(["brief", "--unit", CITY, "--each", "district", "--format", "docx", "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().startswith("error: no district under 330681000000") and street
