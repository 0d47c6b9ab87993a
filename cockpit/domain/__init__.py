"""Pure domain logic: the unit tree, KPI arithmetic and display geometry (no I/O, no SQL, no Streamlit)."""
