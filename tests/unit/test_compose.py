"""The production shape (docker-compose.yml, Dockerfile, deploy/): checked without a Docker engine.

The YAML is parsed and its shape asserted against what the pinned images read (temporalio/temporal
v1.31.2 common/config/config_template_embedded.yaml, temporalio/ui-server docker/config-template.yaml,
temporalio/samples-server compose/); the namespace job's script runs for real against the Temporal dev
server. `docker compose config` itself runs in tests/deploy/test_compose_config.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from models.settings import REPO_ROOT
from workflows.search_attributes import CLI_TYPES

COMPOSE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DEPLOY = REPO_ROOT / "deploy"
DUMMY_SECRETS = {
    "POSTGRES_PASSWORD": "pw-superuser-1", "TEMPORAL_DB_PASSWORD": "pw-temporal-1", "OTKLIK_DB_PASSWORD": "pw-otklik-1",
    "BACKUP_DB_PASSWORD": "pw-backup-1", "GRAFANA_ADMIN_PASSWORD": "pw-grafana-1",
    "TEMPORAL_UI_OIDC_CLIENT_SECRET": "oidc-secret-1", "TEMPORAL_UI_OIDC_PROVIDER_URL": "https://sso.example.ru",
    "TEMPORAL_UI_OIDC_CLIENT_ID": "temporal-ui", "OTKLIK_PUBLIC_HOST": "otklik.example.ru",
    "OTKLIK_TEMPORAL_UI_HOST": "temporal.example.ru",
    "OTKLIK_CODEC_KEYS": "k1:" + "QUFB" * 8, "OTKLIK_SECRET_KEY": "secret-key-for-tokens-1",
}
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")
TEMPORAL_TAG = "1.31.2"
# Dynamic config keys of temporalio/temporal v1.31.2 common/dynamicconfig/constants.go that Otklik sets,
# and the ones removed before it (frontend.enableExecuteMultiOperation: gone in v1.30.0).
KNOWN_DYNAMIC_KEYS = {"limit.maxIDLength", "frontend.enableUpdateWorkflowExecution"}
REMOVED_DYNAMIC_KEYS = {"frontend.enableExecuteMultiOperation"}
JOBS = {"preflight", "temporal-admin-tools", "temporal-create-namespace", "otklik-migrate"}


def interpolate(value: str) -> str:
    """What compose makes of `${VAR:?msg}` / `${VAR:-default}` with the dummy secrets set."""

    def sub(m: re.Match[str]) -> str:
        name, rest = m.group(1), m.group(0)
        if name in DUMMY_SECRETS:
            return DUMMY_SECRETS[name]
        default = re.search(r":-([^}]*)\}$", rest)
        return default.group(1) if default else ""

    return INTERPOLATION.sub(sub, value)


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: interpolate(str(v)) for k, v in env.items()}


def test_the_services_of_the_production_shape(services):
    assert set(services) == {
        "preflight", "postgresql", "temporal-admin-tools", "temporal", "temporal-create-namespace", "temporal-cli",
        "temporal-ui", "otklik-migrate", "api", "worker", "proxy", "prometheus", "grafana", "backup",
    }
    assert services["temporal-cli"]["profiles"] == ["tools"]  # only on `docker compose run`


def test_every_image_is_pinned_and_temporal_parts_share_the_patch(services):
    for name, svc in services.items():
        image = svc.get("image")
        assert image, f"{name}: no image"
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest" and "/" not in tag, f"{name}: image {image!r} is not pinned"
    temporal = [n for n, s in services.items() if s["image"].startswith(("temporalio/server:", "temporalio/admin-tools:"))]
    assert {services[n]["image"].rpartition(":")[2] for n in temporal} == {TEMPORAL_TAG}
    assert len(temporal) == 5
    # temporalio/helm-charts charts/temporal/values.yaml pairs server 1.31.2 with UI 2.52.0
    assert services["temporal-ui"]["image"] == "temporalio/ui:2.52.0"
    assert services["postgresql"]["image"] == services["backup"]["image"] == "postgres:16"
    assert not any("auto-setup" in svc["image"] for svc in services.values())  # retired image


def test_every_dependency_exists_and_waits_for_the_right_condition(services):
    for name, svc in services.items():
        deps = svc.get("depends_on", {})
        assert isinstance(deps, dict), f"{name}: depends_on needs conditions"
        for target, spec in deps.items():
            assert target in services, f"{name} depends on unknown service {target}"
            cond = spec["condition"]
            assert cond in {"service_healthy", "service_completed_successfully", "service_started"}, (name, target)
            if cond == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target}'s health, it has no check"
            if cond == "service_completed_successfully":
                assert target in JOBS, f"{name} waits for {target} to complete, it is not a job"
    assert services["temporal"]["depends_on"] == {"temporal-admin-tools": {"condition": "service_completed_successfully"}}
    for part in ("api", "worker"):
        assert services[part]["depends_on"] == {
            "preflight": {"condition": "service_completed_successfully"},
            "otklik-migrate": {"condition": "service_completed_successfully"},
            "temporal-create-namespace": {"condition": "service_completed_successfully"},
        }
    assert services["postgresql"]["depends_on"] == {"preflight": {"condition": "service_completed_successfully"}}


def test_only_the_proxy_publishes_and_grafana_only_on_loopback(services, compose):
    published = {name: svc["ports"] for name, svc in services.items() if svc.get("ports")}
    assert published == {"proxy": ["443:443", "80:80"], "grafana": ["127.0.0.1:3000:3000"]}
    assert compose["networks"]["backend"] == {"internal": True}
    for name in ("postgresql", "temporal", "temporal-admin-tools", "temporal-create-namespace", "backup", "prometheus"):
        assert services[name]["networks"] == ["backend"], name
    assert services["api"]["networks"] == ["backend", "edge"] and services["proxy"]["networks"] == ["edge"]
    assert "egress" in services["worker"]["networks"] and "egress" not in services["api"]["networks"]
    assert services["preflight"]["network_mode"] == "none"


def test_resource_limits_and_log_rotation_for_every_service(services):
    for name, svc in services.items():
        limits = svc.get("deploy", {}).get("resources", {}).get("limits", {})
        assert limits.get("cpus") and limits.get("memory"), f"{name}: no resource limits"
        log = svc.get("logging", {})
        assert log.get("driver") == "json-file" and log["options"]["max-size"] and log["options"]["max-file"], name


def test_volumes_are_named_and_declared_and_bind_mounts_exist(compose, services):
    declared = set(compose.get("volumes") or {})
    used = set()
    for name, svc in services.items():
        for vol in svc.get("volumes", []):
            source = interpolate(vol).split(":")[0]
            if source == "./deploy/tls/certs":
                continue  # made by deploy/tls/make-certs.sh on the host; gitignored
            if source.startswith("."):
                assert (REPO_ROOT / source).exists(), f"{name}: bind mount {source} missing"
            elif not source.startswith("/"):
                assert source in declared, f"{name}: volume {source} not declared"
                used.add(source)
    assert "postgres-data:/var/lib/postgresql/data" in services["postgresql"]["volumes"]
    assert used == declared == {"postgres-data", "prometheus-data", "grafana-data"}


def test_health_checks_for_postgres_temporal_and_api(services):
    for name in ("postgresql", "temporal", "api"):
        assert services[name]["healthcheck"]["test"], name
    assert "pg_isready" in " ".join(services["postgresql"]["healthcheck"]["test"])
    # BusyBox nc is in the Alpine server image (docker/targets/server.Dockerfile at the tag)
    assert services["temporal"]["healthcheck"]["test"] == ["CMD", "nc", "-z", "localhost", "7233"]
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])


def test_temporal_runs_on_postgres_over_tls_with_512_shards_and_mutual_tls(services):
    env = env_of(services["temporal"])
    assert env["DB"] == "postgres12" and env["POSTGRES_SEEDS"] == "postgresql" and env["POSTGRES_USER"] == "temporal"
    assert env["POSTGRES_PWD"] == DUMMY_SECRETS["TEMPORAL_DB_PASSWORD"]
    assert env["NUM_HISTORY_SHARDS"] == "512"
    assert env["SQL_TLS_ENABLED"] == "true" and env["SQL_HOST_VERIFICATION"] == "true" and env["SQL_HOST_NAME"] == "postgresql"
    assert env["TEMPORAL_TLS_REQUIRE_CLIENT_AUTH"] == "true"
    for key in ("TEMPORAL_TLS_SERVER_CERT", "TEMPORAL_TLS_SERVER_KEY", "TEMPORAL_TLS_FRONTEND_CERT",
                "TEMPORAL_TLS_FRONTEND_KEY", "TEMPORAL_TLS_CLIENT1_CA_CERT", "TEMPORAL_TLS_SERVER_CA_CERT", "SQL_CA"):
        assert env[key].startswith("/tls/"), key
    assert env["PROMETHEUS_ENDPOINT"] == "0.0.0.0:9090"
    assert services["temporal"]["group_add"] == ["10110"]


def test_every_server_variable_is_one_the_embedded_template_reads(services):
    """Names from temporalio/temporal v1.31.2 common/config/config_template_embedded.yaml (the server image
    runs `temporal-server start` with it: docker/scripts/sh/entrypoint.sh)."""
    template_reads = {
        "DB", "DB_PORT", "POSTGRES_SEEDS", "POSTGRES_USER", "POSTGRES_PWD", "NUM_HISTORY_SHARDS", "SQL_TLS_ENABLED",
        "SQL_CA", "SQL_HOST_VERIFICATION", "SQL_HOST_NAME", "BIND_ON_IP", "TEMPORAL_TLS_REQUIRE_CLIENT_AUTH",
        "TEMPORAL_TLS_SERVER_CERT", "TEMPORAL_TLS_SERVER_KEY", "TEMPORAL_TLS_SERVER_CA_CERT",
        "TEMPORAL_TLS_INTERNODE_SERVER_NAME", "TEMPORAL_TLS_FRONTEND_CERT", "TEMPORAL_TLS_FRONTEND_KEY",
        "TEMPORAL_TLS_CLIENT1_CA_CERT", "TEMPORAL_TLS_CLIENT2_CA_CERT", "TEMPORAL_TLS_FRONTEND_SERVER_NAME",
        "TEMPORAL_TLS_EXPIRATION_CHECKS_WARNING_WINDOW", "TEMPORAL_TLS_EXPIRATION_CHECKS_ERROR_WINDOW",
        "TEMPORAL_TLS_EXPIRATION_CHECKS_CHECK_INTERVAL", "PROMETHEUS_ENDPOINT", "DYNAMIC_CONFIG_FILE_PATH",
    }
    assert set(env_of(services["temporal"])) <= template_reads


def test_the_dynamic_config_sets_only_known_keys(services):
    env = env_of(services["temporal"])
    config = env["DYNAMIC_CONFIG_FILE_PATH"]
    mount = next(v for v in services["temporal"]["volumes"] if "dynamicconfig" in v)
    source, target = mount.split(":")[:2]
    assert target == "/etc/temporal/config/dynamicconfig" and config.startswith("config/dynamicconfig/")
    dynamic = yaml.safe_load((REPO_ROOT / source / Path(config).name).read_text(encoding="utf-8"))
    for key, values in dynamic.items():
        assert isinstance(values, list) and all("value" in v for v in values), key
    assert set(dynamic) <= KNOWN_DYNAMIC_KEYS and not set(dynamic) & REMOVED_DYNAMIC_KEYS


def test_schema_job_upgrades_both_databases_over_tls_as_the_temporal_role(services):
    job = services["temporal-admin-tools"]
    script = (DEPLOY / "temporal" / "setup-schema.sh").read_text(encoding="utf-8")
    assert job["command"] == ["/otklik/setup-schema.sh"] and "./deploy/temporal:/otklik:ro" in job["volumes"]
    env = env_of(job)
    assert env["SQL_PLUGIN"] == "postgres12" and env["SQL_USER"] == "temporal"
    # temporal-sql-tool's own variables (tools/sql/main.go at v1.31.2)
    assert env["SQL_TLS"] == "true" and env["SQL_TLS_CA_FILE"] == "/tls/ca.crt" and env["SQL_TLS_SERVER_NAME"] == "postgresql"
    for step in ("setup-schema -v 0.0", "update-schema -d"):
        assert f'temporal-sql-tool --db "$db" {step}' in script
    assert "temporal-sql-tool --db \"$db\" create" not in script  # the role may not CREATE DATABASE
    assert "/etc/temporal/schema/postgresql/v12" in script and "pg_isready" not in script
    assert "wait-for.sh" in script


def test_the_namespace_job_registers_exactly_our_search_attributes_over_mtls(services):
    job = services["temporal-create-namespace"]
    env = env_of(job)
    registered = dict(pair.split("=", 1) for pair in env["OTKLIK_SEARCH_ATTRIBUTES"].split())
    assert registered == CLI_TYPES
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233" and env["TEMPORAL_NAMESPACE"] == "default"
    assert env["OTKLIK_TLS_CERT"] == "/tls/temporal-admin.crt" and job["group_add"] == ["10111"]
    assert job["command"] == ["/otklik/create-namespace.sh"]


def test_the_ui_signs_in_with_oidc_on_its_https_origin_and_talks_mtls(services):
    env = env_of(services["temporal-ui"])
    # variable names of temporalio/ui-server docker/config-template.yaml
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert env["TEMPORAL_AUTH_ENABLED"] == "true" and env["TEMPORAL_AUTH_PROVIDER_URL"].startswith("https://")
    assert env["TEMPORAL_AUTH_CALLBACK_URL"] == "https://temporal.example.ru/auth/sso/callback"
    assert env["TEMPORAL_CORS_ORIGINS"] == "https://temporal.example.ru"
    assert env["TEMPORAL_CSRF_COOKIE_INSECURE"] == "false" and env["TEMPORAL_CODEC_PASS_ACCESS_TOKEN"] == "true"
    assert env["TEMPORAL_TLS_CERT"] == "/tls/temporal-ui.crt" and env["TEMPORAL_TLS_ENABLE_HOST_VERIFICATION"] == "true"
    assert "TEMPORAL_CODEC_ENDPOINT" in env and "ports" not in services["temporal-ui"]


def test_postgres_runs_tls_with_our_hba_and_creates_the_roles(services):
    pg = services["postgresql"]
    assert pg["entrypoint"] == ["/bin/sh", "/otklik/start.sh"]
    assert "./deploy/postgres/initdb:/docker-entrypoint-initdb.d:ro" in pg["volumes"]
    env = env_of(pg)
    assert env["POSTGRES_USER"] == "postgres"
    assert {"TEMPORAL_DB_PASSWORD", "OTKLIK_DB_PASSWORD", "BACKUP_DB_PASSWORD"} <= set(env)
    start = (DEPLOY / "postgres" / "start.sh").read_text(encoding="utf-8")
    assert "-c ssl=on" in start and "hba_file=/otklik/pg_hba.conf" in start and "exec docker-entrypoint.sh postgres" in start
    hba = [ln.split() for ln in (DEPLOY / "postgres" / "pg_hba.conf").read_text(encoding="utf-8").splitlines()
           if ln.strip() and not ln.startswith("#")]
    network = [ln for ln in hba if ln[0] != "local"]
    assert all(ln[0] == "hostssl" or ln[-1] == "reject" for ln in network)
    assert network[-1] == ["host", "all", "all", "all", "reject"]
    assert ["hostssl", "all", "postgres", "all", "reject"] in network


def test_the_proxy_terminates_tls_and_hides_metrics(services):
    proxy = services["proxy"]
    assert "./deploy/proxy/templates:/etc/nginx/templates:ro" in proxy["volumes"]
    conf = (DEPLOY / "proxy" / "templates" / "default.conf.template").read_text(encoding="utf-8")
    assert "${OTKLIK_PUBLIC_HOST}" in conf and "${OTKLIK_TEMPORAL_UI_HOST}" in conf
    assert "proxy_pass http://api:8000;" in conf and "proxy_pass http://temporal-ui:8080;" in conf
    assert "location = /metrics { return 404; }" in conf and "return 301 https://" in conf
    assert set(env_of(proxy)) == {"OTKLIK_PUBLIC_HOST", "OTKLIK_TEMPORAL_UI_HOST"}


def test_prometheus_scrapes_api_workers_and_server(services):
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert jobs["otklik-api"]["dns_sd_configs"][0]["port"] == 8000
    assert jobs["otklik-worker"]["dns_sd_configs"][0]["port"] == int(env_of(services["worker"])["OTKLIK_WORKER_METRICS_PORT"])
    assert jobs["temporal-server"]["static_configs"][0]["targets"] == ["temporal:9090"]
    alerts = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    assert {r["alert"] for g in alerts["groups"] for r in g["rules"]} >= {"OtklikNotificationsFailing", "OtklikTargetDown"}


def test_the_grafana_dashboard_uses_metrics_that_exist():
    import json

    dash = json.loads((DEPLOY / "grafana" / "dashboards" / "otklik.json").read_text(encoding="utf-8"))
    exprs = " ".join(t["expr"] for p in dash["panels"] for t in p["targets"])
    for metric in ("otklik_messages_open", "otklik_breaches", "otklik_notifications_failing", "otklik_http_requests_total",
                   "otklik_http_request_duration_seconds_bucket", "temporal_workflow_task_schedule_to_start_latency_bucket",
                   "temporal_activity_schedule_to_start_latency_bucket", "temporal_sticky_cache_hit"):
        assert metric in exprs, metric
    assert len({p["id"] for p in dash["panels"]}) == len(dash["panels"])


def test_the_backup_service_uses_the_replication_role_over_verified_tls(services):
    env = env_of(services["backup"])
    assert env["PGUSER"] == "backup" and env["PGSSLMODE"] == "verify-full" and env["PGSSLROOTCERT"] == "/tls/ca.crt"
    assert services["backup"]["command"] == ["loop"]
    script = (DEPLOY / "backup" / "backup.sh").read_text(encoding="utf-8")
    assert "pg_basebackup" in script and "pg_verifybackup" in script


def test_shell_scripts_are_posix_sh_and_executable():
    sh = shutil.which("sh")
    for script in sorted(DEPLOY.rglob("*.sh")):
        assert os.access(script, os.X_OK), f"{script} is not executable"
        assert script.read_text(encoding="utf-8").startswith("#!/bin/sh\n"), script
        if sh:
            res = subprocess.run([sh, "-n", str(script)], capture_output=True, text=True)
            assert res.returncode == 0, res.stderr


def test_the_namespace_script_registers_the_attributes_on_a_real_server(dev_env):
    """deploy/temporal/create-namespace.sh against the dev server: creates, then finds everything in place."""
    address = dev_env.client.service_client.config.target_host
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_TLS_")} | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_NAMESPACE": "otklik-compose-check",
        "OTKLIK_SEARCH_ATTRIBUTES": " ".join(f"{k}={v}" for k, v in CLI_TYPES.items()),
    }
    script = str(DEPLOY / "temporal" / "create-namespace.sh")
    first = subprocess.run(["sh", script], capture_output=True, text=True, env=env, timeout=60)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.count(") created") == len(CLI_TYPES)
    again = subprocess.run(["sh", script], capture_output=True, text=True, env=env, timeout=60)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count(") exists") == len(CLI_TYPES) and "namespace otklik-compose-check exists" in again.stdout


def test_grafana_provisions_the_dashboard_from_its_mount(services):
    provider = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "dashboards" / "otklik.yml").read_text(encoding="utf-8"))
    path = provider["providers"][0]["options"]["path"]
    assert f"./deploy/grafana/dashboards:{path}:ro" in services["grafana"]["volumes"]
    datasource = yaml.safe_load((DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text(encoding="utf-8"))
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"
    assert services["grafana"]["networks"] == ["backend", "edge"]
