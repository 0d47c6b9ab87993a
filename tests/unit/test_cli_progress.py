"""The demo's progress (#28): tqdm's redrawn bar on a terminal, plain lines anywhere else."""

from __future__ import annotations

import io

from cockpit.tools import cli


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_pipe_gets_one_line_per_step(monkeypatch):
    err = io.StringIO()
    monkeypatch.setattr(cli.sys, "stderr", err)
    bar, update = cli._tqdm_progress()
    for message, fraction in [("生成单元 / units", 0.0), ("生成单元 / units", 0.1), ("生成事件 / cases", 0.45), ("完成 / done", 1.0)]:
        update(message, fraction)
    bar.close()
    text = err.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert [line.split("] ")[1].rsplit(" (", 1)[0] for line in lines] == ["生成单元 / units", "生成事件 / cases", "完成 / done"]
    assert lines[1].startswith("[ 45%]")


def test_a_closed_or_odd_stream_is_not_a_terminal():
    closed = io.StringIO()
    closed.close()
    assert not cli._is_terminal(closed) and not cli._is_terminal(object())


def test_a_terminal_gets_the_bar(monkeypatch):
    err = _Terminal()
    monkeypatch.setattr(cli.sys, "stderr", err)
    bar, update = cli._tqdm_progress()
    update("生成事件 / cases", 0.5)
    bar.close()
    assert "\r" in err.getvalue() and "|" in err.getvalue()
