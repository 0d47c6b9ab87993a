"""Tools around the app: the demo city generator, the data-contract check, the bench and the command line."""
