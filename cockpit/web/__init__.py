"""The cockpit's own HTTP routes, served beside Streamlit's by the st.App in app.py (no Streamlit script runs here)."""
