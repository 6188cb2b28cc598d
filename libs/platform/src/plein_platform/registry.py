"""The service registry: every installed service, found through the `plein.services` entry point."""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import entry_points

from .service import Service

ORDER = ["identity", "posts", "files", "feed", "notify", "metrics", "web"]


def service_names() -> list[str]:
    names = [ep.name for ep in entry_points(group="plein.services")]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def load_services(names: Iterable[str] | None = None) -> list[Service]:
    """Fresh instances of the named services (all when `names` is empty), in start order."""
    available = {ep.name: ep for ep in entry_points(group="plein.services")}
    wanted = list(names or []) or service_names()
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise KeyError(f"unknown service(s): {', '.join(unknown)}; known: {', '.join(available)}")
    ordered = sorted(wanted, key=lambda n: ORDER.index(n) if n in ORDER else len(ORDER))
    return [available[name].load()() for name in ordered]


def browser_services(names: Iterable[str] | None = None) -> set[str]:
    """Those of the named services (all when empty) that a browser opens at the root (the web
    client), rather than an API under /api/<name>; from their classes, without building one."""
    available = {ep.name: ep for ep in entry_points(group="plein.services")}
    return {n for n in (names or available) if available[n].load().mount_path == ""}
