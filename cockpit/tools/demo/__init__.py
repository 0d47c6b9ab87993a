"""The demo city generator: real division names and outlines, synthetic boundaries below the county and facts."""
