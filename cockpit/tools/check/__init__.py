"""`python -m cockpit check`: a database (and its boundaries) validated against the data contract."""
