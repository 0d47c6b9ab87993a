"""The demo city's facts: cases and their event log, devices and alerts, venues, activities, votes, points.

Vectorised with numpy so the benchmark city (millions of rows) builds in minutes.

Every case and alert is drawn on its whole clock first (all stages, as if time
ran on), and the data's end is applied last: what had not happened by then is
NULL. So the backlog at the end is what the arrival rates and the durations
leave open, not a separate draw.
"""
