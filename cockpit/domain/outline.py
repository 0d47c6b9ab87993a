"""Where a unit's children have no boundaries: which outline the map draws instead, and what is missing.

Most cities start with their division codes and the city and district outlines only: no free
street, community or grid boundaries exist for mainland China. The map then draws the nearest
outline that exists (the unit's own, else its nearest ancestor's) with the unit's points, and the
page says which tier has no boundaries. The choice is pure; reading the files is the ui's business.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

# The tiers a notice can name, top down (the words are in cockpit/core/texts/maps.py).
TIERS = ("city", "district", "street", "community", "grid")


@dataclass(frozen=True)
class Fallback:
    """What the map shows where the shapes it would colour are missing.

    `missing` is the tier without boundaries: the children's, or the unit's own for a grid
    (a grid has no children; its map draws the grid itself). `outline` is the code of the outline
    drawn instead, None when no outline up the chain exists either.
    """

    unit_level: str
    missing: str
    outline: str | None
    outline_level: str | None
    broken: bool = False  # a boundary file is there but cannot be read (the same fallback, another notice)

    @property
    def own(self) -> bool:
        """Whether the outline drawn is the unit's own (else an ancestor's, or none)."""
        return self.outline is not None and self.outline_level == self.unit_level

    @property
    def about_self(self) -> bool:
        """Whether the missing boundary is the unit's own (a grid), not its children's."""
        return self.missing == self.unit_level


def choose_outline(chain: Sequence[tuple[str, str]], has_outline: Callable[[str, str], bool]) -> tuple[str, str] | None:
    """The first (code, level) of `chain` — the unit, then its ancestors nearest first — that has an outline."""
    for code, level in chain:
        if has_outline(code, level):
            return code, level
    return None


def choose_fallback(chain: Sequence[tuple[str, str]], child_level: str | None,
                    has_outline: Callable[[str, str], bool], broken: bool = False) -> Fallback:
    """The fallback of the unit `chain[0]`: the tier that is missing and the nearest outline to draw.

    `child_level` None means a grid (or a unit with no children): its own boundary is what is missing.
    """
    if not chain:
        raise ValueError("chain must hold at least the unit itself")
    unit_level = chain[0][1]
    found = choose_outline(chain, has_outline)
    return Fallback(unit_level=unit_level, missing=child_level or unit_level,
                    outline=found[0] if found else None, outline_level=found[1] if found else None, broken=broken)
