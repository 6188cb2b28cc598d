"""The monitoring objects: Prometheus scrapes what the runtime serves, alerts and the dashboard
query only series Plein exports, /metrics stays off the ingress, and every alert has a runbook.

Schema validation of the ServiceMonitor and PrometheusRule (vendored CRD schemas) is done for
every object by test_manifests.py; these are the checks of what the objects mean."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import plein_notify.mail
import plein_notify.scheduler
import pytest
import yaml
from plein_platform.prometheus import exported_series_names
from plein_platform.runtime import Runtime
from plein_platform.settings import Settings
from starlette.routing import Route

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ("dev", "prod")
SERIES = re.compile(r"\bplein_[a-z0-9_]+\b")
assert plein_notify.mail.EMAILS_SENT and plein_notify.scheduler.ESCALATIONS_RAISED  # registered


@pytest.fixture(scope="module", params=OVERLAYS)
def objects(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    kubectl = Path(sys.executable).parent / "kubectl"
    overlay = ROOT / "deploy" / "k8s" / "overlays" / request.param
    result = subprocess.run(
        [str(kubectl), "kustomize", str(overlay)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def alert_rules(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        rule
        for obj in of_kind(objects, "PrometheusRule")
        for group in obj["spec"]["groups"]
        for rule in group["rules"]
    ]


def dashboard(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (config,) = [
        o
        for o in of_kind(objects, "ConfigMap")
        if o["metadata"]["name"] == "plein-grafana-dashboard"
    ]
    assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
    board: dict[str, Any] = json.loads(config["data"]["plein.json"])
    return board


def scraped_services(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    (monitor,) = of_kind(objects, "ServiceMonitor")
    wanted = monitor["spec"]["selector"]["matchLabels"].items()
    return [
        s for s in of_kind(objects, "Service") if wanted <= s["metadata"].get("labels", {}).items()
    ]


def test_prometheus_scrapes_every_plein_runtime_where_it_serves_metrics(
    objects: list[dict[str, Any]],
) -> None:
    (monitor,) = of_kind(objects, "ServiceMonitor")
    (endpoint,) = monitor["spec"]["endpoints"]
    runtime_paths = {
        route.path
        for route in Runtime(Settings(), [], database_url="", nats_url="").asgi().routes
        if isinstance(route, Route)
    }
    assert endpoint["path"] in runtime_paths
    names = {s["metadata"]["name"] for s in scraped_services(objects)}
    deployments = {
        d["metadata"]["name"]
        for d in of_kind(objects, "Deployment")
        if d["spec"]["template"]["spec"]["containers"][0]["image"].startswith(
            "registry.example.com/plein/plein"
        )
    }
    assert names == deployments
    for service in scraped_services(objects):
        assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}


def test_metrics_are_never_routed_by_the_ingress(objects: list[dict[str, Any]]) -> None:
    """Only the web client's catch-all `/` reaches a pod's `/metrics` through the ingress, and
    the runtime answers a forwarded request there with 404
    (tests/integration/test_metrics.py); no other route may lead to it."""
    (monitor,) = of_kind(objects, "ServiceMonitor")
    path = monitor["spec"]["endpoints"][0]["path"]
    scraped = {s["metadata"]["name"] for s in scraped_services(objects)}
    for ingress in of_kind(objects, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for route in rule["http"]["paths"]:
                if route["path"] == "/" and route["backend"]["service"]["name"] == "web":
                    continue
                if route["backend"]["service"]["name"] in scraped:
                    assert not path.startswith(route["path"].rstrip("/") + "/") and (
                        path != route["path"]
                    ), route


def test_prometheus_may_reach_the_port_it_scrapes(objects: list[dict[str, Any]]) -> None:
    (policy,) = [
        p
        for p in of_kind(objects, "NetworkPolicy")
        if p["metadata"]["name"] == "plein-ingress-from-prometheus"
    ]
    ports = {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]}
    for deployment in of_kind(objects, "Deployment"):
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        if policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items():
            (container,) = deployment["spec"]["template"]["spec"]["containers"]
            http = [p for p in container["ports"] if p["name"] == "http"]
            assert {p["containerPort"] for p in http} <= ports


def test_alerts_and_dashboard_query_only_series_plein_exports(
    objects: list[dict[str, Any]],
) -> None:
    exported = exported_series_names()
    queries = [rule["expr"] for rule in alert_rules(objects)] + [
        target["expr"] for panel in dashboard(objects)["panels"] for target in panel["targets"]
    ]
    unknown = {name for query in queries for name in SERIES.findall(query)} - exported
    assert unknown == set()


def test_the_alerts_a_platform_team_pages_on_exist_with_a_runbook(
    objects: list[dict[str, Any]],
) -> None:
    rules = {rule["alert"]: rule for rule in alert_rules(objects)}
    assert set(rules) >= {
        "PleinProjectionLagGrowing",
        "PleinDeadLetters",
        "PleinRelayStuck",
        "PleinHttp5xxRate",
        "PleinSmtpFailing",
    }
    assert rules["PleinProjectionLagGrowing"]["for"] == "10m"
    operations = (ROOT / "docs" / "operations" / "running.md").read_text()
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in {"warning", "critical"}, name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
        assert f"`{name}`" in operations, f"docs/operations/running.md says nothing of {name}"


def test_dashboard_panels_have_unique_ids_and_do_not_overlap(
    objects: list[dict[str, Any]],
) -> None:
    panels = dashboard(objects)["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells = [
        (x, y)
        for p in panels
        for x in range(p["gridPos"]["x"], p["gridPos"]["x"] + p["gridPos"]["w"])
        for y in range(p["gridPos"]["y"], p["gridPos"]["y"] + p["gridPos"]["h"])
    ]
    assert len(cells) == len(set(cells))
