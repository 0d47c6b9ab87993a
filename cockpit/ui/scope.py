"""What a page is about, handed back by the page frame: settings, view state, unit, child level, windows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cockpit.core.model import Unit, Window
from cockpit.core.settings import Settings
from cockpit.domain.access import OPEN, Access
from cockpit.domain.hierarchy import Tree
from cockpit.ui.state import ViewState

OPEN_ACCESS = Access("", OPEN)


@dataclass(frozen=True)
class Scope:
    settings: Settings
    view: ViewState
    tree: Tree
    unit: Unit
    child_level: str | None  # None for a grid
    end: datetime  # the data's latest receipt time: the end of every period
    current: Window
    previous: Window
    last_year: Window
    access: Access = OPEN_ACCESS  # who is looking: the unit is always inside access's subtree

    @property
    def url(self) -> str:
        return self.settings.db_url

    @property
    def lang(self) -> str:
        return self.view.lang

    def memo_key(self, *parts: object) -> tuple:
        """What decides a figure derived from this scope's cached reads (see data.memo)."""
        return (*parts, self.url, self.unit, self.current, self.view.period_days, self.lang)
