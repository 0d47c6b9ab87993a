"""Views: pydeck map specs, Altair charts and HTML cards built from small frames (no Streamlit)."""
