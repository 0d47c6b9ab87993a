"""`python -m cockpit users kiosk-add --children`: whether a wall may show the units below its own is the kiosk's, set
when it is made, off unless asked, kept in the users file (issue 29)."""

from __future__ import annotations

import re

from cockpit.store.users import find_kiosk, read_users
from tests.integration.test_users_cli import users_cli  # noqa: F401 - the fixture


def test_a_kiosk_shows_only_its_unit_unless_made_with_children(users_cli):  # noqa: F811
    run, path = users_cli
    code, out, _ = run("kiosk-add", "--unit", "330681001000", "--note", "主屏")
    plain = find_kiosk(read_users(path), re.search(r"kiosk=([\w-]+)", out).group(1))
    assert code == 0 and "only" in out and plain is not None and not plain.children
    assert "children" not in path.read_text(encoding="utf-8")  # the file of an old kiosk: no such line, read as off
    code, out, _ = run("kiosk-add", "--unit", "330681001000", "--children")
    kids = find_kiosk(read_users(path), re.search(r"kiosk=([\w-]+)", out).group(1))
    assert code == 0 and "below" in out and kids is not None and kids.children
    assert "children = true" in path.read_text(encoding="utf-8")
    listed = run("list")[1]
    assert f"{kids.id}\t330681001000+children" in listed and f"{plain.id}\t330681001000\t" in listed
