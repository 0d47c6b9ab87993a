"""Who may see what: roles, the subtree a user may open, whether they may export. Pure functions.

Roles (docs/privacy.md): ``leader`` and ``analyst`` see the whole city; ``district``, ``street``,
``community`` and ``viewer`` see their unit's subtree only. Everyone but ``viewer`` may export.
A kiosk (the big screen on a wall) sees its one unit on the big screen only, and the units below
it only when it was made with ``--children`` (``below``). Anything else — an unknown role, a unit that is not in the database — sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.core import codes

ROLES = ("leader", "district", "street", "community", "analyst", "viewer")
WHOLE_CITY = frozenset({"leader", "analyst"})
MAY_EXPORT = frozenset({"leader", "analyst", "district", "street", "community"})
ROOT_LEVEL = {"district": "district", "street": "street", "community": "community"}  # the level their unit must be
KIOSK = "kiosk"
OPEN = "open"  # no sign-in configured: the demo, open to all, and saying so


@dataclass(frozen=True)
class Access:
    """A signed-in user (or a kiosk, or the open demo) and the subtree they may open."""

    name: str
    role: str
    root_code: str | None = None  # None: the whole city
    root_level: str | None = None
    below: bool = True  # may open units below root_code (False: a kiosk made without --children)

    @property
    def valid(self) -> bool:
        if self.role in WHOLE_CITY or self.role == OPEN:
            return True
        return self.role in (*ROOT_LEVEL, "viewer", KIOSK) and self.root_code is not None

    @property
    def may_export(self) -> bool:
        return self.valid and (self.role in MAY_EXPORT or self.role == OPEN)

    @property
    def is_open(self) -> bool:
        return self.role == OPEN

    @property
    def sees_import_hints(self) -> bool:
        """Whether an empty theme names the import command that fills it: staff and the open demo's
        operator, not a plain viewer nor a wall (a command is nothing they can act on)."""
        return self.valid and self.role not in ("viewer", KIOSK)

    def allows(self, code: str) -> bool:
        """Whether a unit or grid code lies in this user's subtree."""
        if not self.valid:
            return False
        if self.root_code is None:
            return True
        if not self.below:
            return code == self.root_code
        if self.root_level is None:  # not resolved against the unit tree yet: only the root itself
            return code == self.root_code
        return code.startswith(codes.prefix(self.root_code, self.root_level))


def check_role(role: str, unit_level: str | None) -> str | None:
    """What is wrong with giving `role` over a unit of `unit_level` (None: no unit), or None when it fits."""
    if role not in ROLES:
        return f"unknown role {role!r}; choose one of: {', '.join(ROLES)}"
    if role in WHOLE_CITY:
        return None if unit_level is None else f"role {role!r} sees the whole city: give no unit"
    if unit_level is None:
        return f"role {role!r} needs --unit"
    wanted = ROOT_LEVEL.get(role)
    if wanted and unit_level != wanted:
        return f"role {role!r} needs a {wanted} unit, not a {unit_level}"
    return None
