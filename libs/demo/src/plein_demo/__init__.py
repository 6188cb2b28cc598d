"""The demo organisation `make run` and `plein seed` create, through the public HTTP API of a
running Plein: people, groups, conversations, what they are notified of and, given the running
app, ~150 people with twelve weeks of history (docs/demo.md)."""

from .people import PEOPLE
from .seed import COMMUNITY_MANAGER, DEMO_PASSWORD, seed_demo

__all__ = ["COMMUNITY_MANAGER", "DEMO_PASSWORD", "PEOPLE", "seed_demo"]
