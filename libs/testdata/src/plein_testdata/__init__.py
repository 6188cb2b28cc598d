"""Generated test data, for tests and benchmarks only (never installed by `make run` or the
image): event histories of a whole organisation (metrics.py)."""
