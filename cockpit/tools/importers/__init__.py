"""`python -m cockpit import csv|geojson|open311`: load a real city's data, all or nothing.

Each importer parses and validates its whole file first (types, the contract's row rules run in
an in-memory SQLite copy of the table, then the foreign keys and unit-tree rules of
`cockpit.tools.check` inside the target's write transaction) and writes only when nothing was
rejected (or `--skip-bad-rows`). docs/import.md describes the commands for people.
"""
