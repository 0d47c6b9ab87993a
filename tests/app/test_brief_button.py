"""生成简报 on the overview and the cases page: built on click for the page's unit and period, then a download
button holding it; the brief's figures are the cards' on the same screen; the click is in the audit log."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from cockpit.core.settings import load_settings
from cockpit.store import audit

BUTTON = "生成简报"


def brief_button(at):
    found = [b for b in at.button if b.label == BUTTON]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def kpi_value(at, key: str) -> str:
    html = next(h.proto.body for h in at.get("html") if 'class="cards"' in h.proto.body)
    m = re.search(rf'data-key="{key}"><div class="kl">[^<]*</div><div class="kv">([^<]*)</div>', html)
    assert m, key
    return m.group(1)


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize("page", [None, "pages/cases.py"])
def test_the_button_builds_the_brief_then_offers_it(page, units, start, monkeypatch):
    from cockpit.ui import brief

    made = []
    real = brief.build_brief

    def spy(scope, period, made_at=None):
        out = real(scope, period, made_at)
        made.append((scope, period, out))
        return out

    monkeypatch.setattr(brief, "build_brief", spy)
    street = units.first("street")
    at = start(page, unit=street, period="30")
    assert not at.exception
    assert not [d for d in at.get("download_button") if "简报" in d.proto.label]  # nothing is built before the click
    brief_button(at).click().run()
    assert not at.exception
    [(scope, period, built)] = made
    assert scope.unit.code == street and scope.view.period_days == 30 and period.days == 30
    assert period.last == scope.current.end.date() - timedelta(days=1)
    labels = [d.proto.label for d in at.get("download_button")]
    assert "下载简报 · DOCX" in labels
    assert built.title == f"{units.name(street)}社会治理工作简报"
    if page is None:  # the overview's cards and the brief's first table say the same
        grid = next(b.grid for b in built.sections[0].blocks if b.kind == "table")
        shown = {row[1]: row[2] for row in grid.rows}
        assert shown["期内办结"] == kpi_value(at, "closed") and shown["办结率"] == kpi_value(at, "closure_rate")
        assert shown["户籍人口"] == kpi_value(at, "registered")
    rows = [dict(zip(audit.COLUMNS, r)) for r in audit.read_events(load_settings().audit_url)]
    assert any(r["page"] == "brief" and r["unit_code"] == street and "page brief docx" in (r["detail"] or "") for r in rows)
