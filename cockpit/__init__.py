"""City governance cockpit: data contract, queries, views and the Streamlit UI."""
