"""Pre-computed rollups: daily per-community aggregates that answer every view above the grid.

`python -m cockpit rollup --db URL` (and `demo`) refresh them; the app never writes them.
They live in their own tables, outside the data contract, so a city's database passes
`check` with or without them. A rollup is used only when it was built for the data's
current end and in the current format (meta key ``rollup_through``, `rollup_marker`); otherwise
the app answers from the facts.

End-of-day snapshots (open and overdue cases, active alerts) are cumulative differences:
open at midnight after day D = cases received up to D - cases closed up to D. Overdue at
T = cases due before T - cases both due and closed before T (due_at is never before
received_at). Distinct participants do not add up over days, so they are stored per
window for the standard periods.
"""
