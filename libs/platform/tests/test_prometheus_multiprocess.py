"""With PROMETHEUS_MULTIPROC_DIR set (`plein run --workers N`), one scrape sums every process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from plein_platform.prometheus import process_registry
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

# One worker process: answers `requests` HTTP requests and its feed runner applies `applied`
# events, counted the way the runtime counts them (the middleware's counter, a scrape's sync).
WORKER = """
import sys
from plein_platform.prometheus import HTTP_REQUESTS, Snapshot, count_snapshot

class Runtime: ...

requests, applied = int(sys.argv[1]), int(sys.argv[2])
for _ in range(requests):
    HTTP_REQUESTS.labels("feed", "GET", "/api/feed/home", "200").inc()
snap = Snapshot()
snap.counter("plein_projection_events_applied", applied, projection="feed")
count_snapshot(Runtime(), snap)
"""


def scrape(registry: CollectorRegistry) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = generate_latest(registry).decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


HOME = ("plein_http_requests_total", frozenset({("service", "feed"), ("method", "GET"),
        ("route", "/api/feed/home"), ("status", "200")}))  # fmt: skip
APPLIED = ("plein_projection_events_applied_total", frozenset({("projection", "feed")}))


def test_one_scrape_sums_the_counters_of_every_worker_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for requests, applied in ((2, 7), (3, 0)):
        subprocess.run(
            [sys.executable, "-c", WORKER, str(requests), str(applied)], env=env, check=True
        )
    assert len(list(tmp_path.glob("counter_*.db"))) == 2  # each process wrote its own file

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape(process_registry())
    assert samples[HOME] == 5
    assert samples[APPLIED] == 7


def test_without_the_variable_a_scrape_reads_this_process_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    assert process_registry() is REGISTRY
