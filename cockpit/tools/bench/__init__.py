"""`python -m cockpit bench`: page timings against their bare SQL, map sizes, memory and browser first paint."""
