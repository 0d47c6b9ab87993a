"""Small counts suppressed so that no suppressed cell can be recomputed from a published total."""

from __future__ import annotations

import pandas as pd

from cockpit.core.settings import load_settings
from cockpit.domain.privacy import suppress_small


def test_counts_one_to_four_become_a_mark_and_zero_stays() -> None:
    frame = pd.DataFrame({"g": ["a", "b", "c", "d"], "n": [0, 3, 12, 4]})
    out = suppress_small(frame, ["n"], 5, complete=False)
    assert out["n"].tolist() == [0, "<5", 12, "<5"]
    assert frame["n"].tolist() == [0, 3, 12, 4]  # the input is left alone


def test_a_lone_suppressed_cell_of_a_complete_list_takes_the_next_smallest_with_it() -> None:
    """A community's grids sum to the community's total: one hidden cell alone could be subtracted back."""
    frame = pd.DataFrame({"n": [2, 30, 9, 15]})
    out = suppress_small(frame, ["n"], 5, complete=True)
    assert out["n"].tolist() == ["<5", 30, "<5", 15]
    hidden = [v for v, o in zip(frame["n"], out["n"]) if o == "<5"]
    assert len(hidden) >= 2  # total minus the shown cells leaves a sum of two unknowns, not one value
    assert suppress_small(frame, ["n"], 5, complete=False)["n"].tolist() == ["<5", 30, 9, 15]


def test_suppression_is_off_unless_switched_on_and_five_by_default(tmp_path) -> None:
    none = tmp_path / "none.toml"
    assert load_settings({}, secrets_path=none).suppress_below == 0
    assert load_settings({"COCKPIT_SUPPRESS": "1"}, secrets_path=none).suppress_below == 5
    assert load_settings({"COCKPIT_SUPPRESS": "on", "COCKPIT_SUPPRESS_BELOW": "10"}, secrets_path=none).suppress_below == 10
