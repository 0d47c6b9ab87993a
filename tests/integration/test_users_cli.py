"""`python -m cockpit users …` and `audit`: the users file as an operator manages it, and the audit log read back."""

from __future__ import annotations

import io
import os
import re
import stat

import pytest

from cockpit.store import audit
from cockpit.store.users import find_kiosk, read_users, verify_password
from cockpit.tools.cli import main


@pytest.fixture
def users_cli(small_demo, tmp_path, monkeypatch, capsys):
    path = tmp_path / "users.toml"

    def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["users", "--file", str(path), "--db", small_demo.db_url, *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run, path


def test_add_list_remove_and_the_password_is_only_a_hash(users_cli):
    run, path = users_cli
    assert run("add", "zhang", "--role", "street", "--unit", "330681001000", "--password-stdin", stdin="s3cret pass\n")[0] == 0
    assert run("add", "li", "--role", "leader", "--password-stdin", stdin="another one\n")[0] == 0
    text = path.read_text(encoding="utf-8")
    assert "s3cret" not in text and "$argon2id$" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = read_users(path).users
    assert verify_password(users["zhang"], "s3cret pass") and not verify_password(users["zhang"], "s3cret")
    code, out, _ = run("list")
    assert code == 0 and "zhang\tstreet\t330681001000" in out and "argon2" not in out
    assert run("remove", "zhang")[0] == 0 and "zhang" not in read_users(path).users


@pytest.mark.parametrize(("args", "reason"), [
    (["--role", "street", "--unit", "330681000000"], "needs a street unit"),
    (["--role", "boss"], "unknown role"),
    (["--role", "leader", "--unit", "330681001000"], "give no unit"),
    (["--role", "community", "--unit", "999999999999"], "unknown unit"),
    (["--role", "street"], "needs --unit"),
])
def test_a_role_that_does_not_fit_is_refused_and_nothing_is_written(users_cli, args, reason):
    run, path = users_cli
    code, _, err = run("add", "w", *args, "--password-stdin", stdin="pw\n")
    assert code == 2 and reason in err and len(err.strip().splitlines()) == 1
    assert not path.exists()


def test_a_kiosk_token_is_printed_once_kept_as_a_digest_and_revocable(users_cli):
    run, path = users_cli
    code, out, _ = run("kiosk-add", "--unit", "330681000000", "--note", "主屏")
    token = re.search(r"kiosk=([\w-]+)", out).group(1)
    assert code == 0 and len(token) >= 40 and token not in path.read_text(encoding="utf-8")
    kiosk = find_kiosk(read_users(path), token)
    assert kiosk is not None and kiosk.unit == "330681000000" and find_kiosk(read_users(path), token[:-1] + "x") is None
    assert run("kiosk-revoke", kiosk.id)[0] == 0
    assert find_kiosk(read_users(path), token) is None


@pytest.mark.usefixtures("clean_env")
def test_audit_prints_the_log_since_a_day(capsys):
    url = os.environ["COCKPIT_AUDIT_URL"]
    audit.record(url, "zhang", "sign_in", role="street", unit_code="330681001000")
    audit.record(url, "zhang", "export", role="street", page="cases", unit_code="330681001000", period_days=30)
    assert main(["audit", "--since", "2000-01-01"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1:3] for line in lines] == [["zhang", "sign_in"], ["zhang", "export"]]
    assert main(["audit", "--since", "2999-01-01"]) == 0 and capsys.readouterr().out == ""
    assert main(["audit", "--since", "yesterday"]) == 2
