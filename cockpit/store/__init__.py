"""The store: engines, the data contract, boundary files, bulk loading and rollup tables."""
