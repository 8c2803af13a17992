"""deploy/kubernetes: the Otklik manifests validate (kubernetes-validate, strict) for current Kubernetes
versions and agree with the settings, the metrics and the Temporal chart's values."""

from __future__ import annotations

import pytest
import yaml
from kubernetes_validate import utils, validate

from models.settings import REPO_ROOT, Settings

K8S = REPO_ROOT / "deploy" / "kubernetes"
OTKLIK = K8S / "otklik"
# Current releases as kubernetes-validate ships their schemas: the newest and two before it.
VERSIONS = sorted(set(utils.all_versions()), key=lambda v: tuple(map(int, v.split("."))))[-3:]


def documents() -> list[tuple[str, dict]]:
    kust = yaml.safe_load((OTKLIK / "kustomization.yaml").read_text(encoding="utf-8"))
    out = []
    for name in kust["resources"]:
        for doc in yaml.safe_load_all((OTKLIK / name).read_text(encoding="utf-8")):
            if doc:
                out.append((name, doc))
    return out


def by_kind(kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for _, d in documents() if d["kind"] == kind}


def test_the_kustomization_lists_every_manifest():
    kust = yaml.safe_load((OTKLIK / "kustomization.yaml").read_text(encoding="utf-8"))
    assert set(kust["resources"]) == {p.name for p in OTKLIK.glob("*.yaml")} - {"kustomization.yaml"}
    assert kust["namespace"] == "otklik" and kust["secretGenerator"][0]["name"] == "otklik"
    assert all(d["metadata"].get("namespace", "otklik") == "otklik" for _, d in documents())


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_validates_strictly(version):
    assert float(version.rsplit(".", 1)[0]) >= 1.35
    for _file, doc in documents():
        validate(doc, version, strict=True)  # raises ValidationError with the path of the problem


def _container(deploy: dict) -> dict:
    return deploy["spec"]["template"]["spec"]["containers"][0]


def test_api_readiness_is_readyz_and_pods_are_locked_down():
    deployments = by_kind("Deployment")
    api = _container(deployments["otklik-api"])
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz" and api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for d in [*deployments.values(), *by_kind("Job").values()]:
        pod = d["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] == 10001
        c = pod["containers"][0]
        assert c["securityContext"]["readOnlyRootFilesystem"] and c["securityContext"]["capabilities"]["drop"] == ["ALL"]
        assert c["resources"]["limits"]["memory"] and c["resources"]["requests"]["cpu"]
        assert {"configMapRef": {"name": "otklik-config"}} in c["envFrom"] and {"secretRef": {"name": "otklik"}} in c["envFrom"]


def test_the_migrate_job_runs_the_same_commands_as_compose():
    job = by_kind("Job")
    (name, j), = job.items()
    assert name.startswith("otklik-migrate-")
    assert j["spec"]["template"]["spec"]["containers"][0]["command"][-1] == "otklik db upgrade && otklik seed"


def test_every_configured_variable_is_an_otklik_setting():
    fields = set(Settings.model_fields)
    config = by_kind("ConfigMap")["otklik-config"]["data"]
    secret_keys = [ln.split("=", 1)[0] for ln in (OTKLIK / "otklik-secrets.env.example").read_text(encoding="utf-8").splitlines()
                   if ln and not ln.startswith("#")]
    for key in [*config, *secret_keys]:
        assert key.startswith("OTKLIK_") and key.removeprefix("OTKLIK_").lower() in fields, key
    worker = _container(by_kind("Deployment")["otklik-worker"])
    assert worker["ports"][0]["containerPort"] == int(config["OTKLIK_WORKER_METRICS_PORT"])
    assert config["OTKLIK_TEMPORAL_ADDRESS"] == "temporal-frontend.temporal.svc.cluster.local:7233"


def test_workers_scale_on_schedule_to_start_latency_that_the_adapter_defines():
    hpa = by_kind("HorizontalPodAutoscaler")["otklik-worker"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "otklik-worker" and hpa["spec"]["minReplicas"] >= 2
    wanted = {m["external"]["metric"]["name"] for m in hpa["spec"]["metrics"]}
    adapter = yaml.safe_load((K8S / "prometheus-adapter-values.yaml").read_text(encoding="utf-8"))
    defined = {r["name"]["as"]: r for r in adapter["rules"]["external"]}
    assert wanted == set(defined) == {"otklik_workflow_task_schedule_to_start_p95_seconds",
                                      "otklik_activity_schedule_to_start_p95_seconds"}
    for rule in defined.values():  # the SDK's metric names (tests/deploy/test_metrics.py scrapes them)
        assert "schedule_to_start_latency_bucket" in rule["metricsQuery"] and 'service="otklik-worker"' in rule["metricsQuery"]


def test_network_policies_deny_by_default_and_open_only_named_paths():
    policies = by_kind("NetworkPolicy")
    deny = policies["default-deny"]["spec"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"} and "ingress" not in deny
    assert {p for p in policies} == {"default-deny", "dns", "postgres-and-temporal", "api-ingress", "worker-metrics",
                                     "internet-egress"}
    internet = policies["internet-egress"]["spec"]["egress"][0]
    assert "10.0.0.0/8" in internet["to"][0]["ipBlock"]["except"]
    assert {p["port"] for p in internet["ports"]} == {443, 465, 587}


def test_the_temporal_chart_values():
    v = yaml.safe_load((K8S / "temporal-values.yaml").read_text(encoding="utf-8"))
    server = v["server"]
    assert server["image"]["tag"] == v["admintools"]["image"]["tag"] == "1.31.2" and v["web"]["image"]["tag"] == "2.52.0"
    persistence = server["config"]["persistence"]
    assert persistence["numHistoryShards"] == 512
    for store in ("default", "visibility"):
        sql = persistence["datastores"][store]["sql"]
        assert sql["pluginName"] == "postgres12" and sql["tls"]["enabled"] and sql["tls"]["enableHostVerification"]
        assert sql["createDatabase"] is False and sql["manageSchema"] is True and sql["existingSecret"]
    assert server["tls"]["internode"]["enabled"] and server["tls"]["frontend"]["requireClientAuth"]
    auth = server["config"]["authorization"]
    assert auth["authorizer"] == auth["claimMapper"] == "default" and auth["jwtKeyProvider"]["keySourceURIs"]
    assert server["internal-frontend"]["enabled"]  # the system worker, unaffected by the authorizer
    for role in ("frontend", "history", "matching", "worker"):
        assert server[role]["replicaCount"] >= 1 and server[role]["resources"]["limits"], role
    web_env = {e["name"]: e["value"] for e in v["web"]["additionalEnv"]}
    assert web_env["TEMPORAL_AUTH_ENABLED"] == "true" and web_env["TEMPORAL_CODEC_PASS_ACCESS_TOKEN"] == "true"
    assert web_env["TEMPORAL_CORS_ORIGINS"].startswith("https://") and v["web"]["tls"]["enabled"]
