"""Fixtures with real servers for every test directory (see plein_platform.testing)."""

pytest_plugins = ["plein_platform.testing"]
