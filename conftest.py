"""Fixtures with real servers for every test directory (see plein_testdata.servers)."""

pytest_plugins = ["plein_testdata.servers"]
