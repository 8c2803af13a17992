"""deploy/ scripts: every command each one calls exists in the image that runs it, and what can run here
runs for real — the wait loop, the PostgreSQL roles script (twice: idempotent), the preflight check, the
certificate script."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import shutil
import subprocess
import uuid

import psycopg
import pytest
import yaml
from sqlalchemy.engine import make_url

from models.settings import REPO_ROOT
from tests.conftest import _pg_admin_url, _pg_reachable
from tests.deploy.shell_commands import commands_of

DEPLOY = REPO_ROOT / "deploy"

# What is on each image's PATH, from the image's own Dockerfile:
# * temporalio/admin-tools:1.31.2 — temporalio/temporal v1.31.2 docker/targets/admin-tools.Dockerfile:
#   `FROM alpine`, `COPY temporal temporal-cassandra-tool temporal-sql-tool temporal-elasticsearch-tool tdbg
#   /usr/local/bin/` (no PostgreSQL client, hence no pg_isready); the rest is Alpine's BusyBox.
BUSYBOX = {"sh", "awk", "cat", "cut", "date", "dirname", "grep", "head", "id", "ls", "mkdir", "mv", "nc", "rm", "sed",
           "sleep", "sort", "tail", "tr", "wc", "wget"}
ADMIN_TOOLS = BUSYBOX | {"temporal", "temporal-cassandra-tool", "temporal-sql-tool", "temporal-elasticsearch-tool", "tdbg"}
# * postgres:16 — docker-library/postgres 16/trixie/Dockerfile: `FROM debian:trixie-slim` (coreutils,
#   findutils, tar, gzip, dash), `apt-get install postgresql-$PG_MAJOR` with
#   `ENV PATH $PATH:/usr/lib/postgresql/$PG_MAJOR/bin` (psql, pg_basebackup, pg_verifybackup, pg_isready),
#   `COPY docker-entrypoint.sh … /usr/local/bin/`.
DEBIAN = {"sh", "bash", "cat", "cut", "date", "dirname", "du", "find", "gzip", "id", "install", "ls", "mkdir", "mv",
          "rm", "sleep", "tail", "tar", "tr"}
POSTGRES = DEBIAN | {"psql", "pg_basebackup", "pg_verifybackup", "pg_isready", "postgres", "docker-entrypoint.sh"}
# * the Docker host (make-certs.sh runs there): OpenSSL and coreutils.
HOST = {"openssl", "chmod", "chown", "dirname", "id", "mkdir", "mktemp", "rm"}

SCRIPT_IMAGE = {
    "preflight.sh": ("temporalio/admin-tools:1.31.2", ADMIN_TOOLS),
    "temporal/setup-schema.sh": ("temporalio/admin-tools:1.31.2", ADMIN_TOOLS),
    "temporal/create-namespace.sh": ("temporalio/admin-tools:1.31.2", ADMIN_TOOLS),
    "temporal/wait-for.sh": ("temporalio/admin-tools:1.31.2", ADMIN_TOOLS),  # called by setup-schema.sh
    "temporal/temporal.sh": ("temporalio/admin-tools:1.31.2", ADMIN_TOOLS),  # create-namespace.sh, temporal-cli
    "postgres/start.sh": ("postgres:16", POSTGRES),
    "postgres/initdb/10-roles.sh": ("postgres:16", POSTGRES),
    "backup/backup.sh": ("postgres:16", POSTGRES),
    "tls/make-certs.sh": ("host", HOST),
}


def test_every_script_is_mapped_to_the_image_that_runs_it():
    scripts = {str(p.relative_to(DEPLOY)) for p in DEPLOY.rglob("*.sh")}
    assert scripts == set(SCRIPT_IMAGE)
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    for svc in services.values():
        mounts = {v.split(":")[1]: v.split(":")[0].removeprefix("./deploy").strip("/") for v in svc.get("volumes", [])
                  if v.startswith("./deploy")}
        invoked = " ".join(map(str, (svc.get("entrypoint") or []) + (svc.get("command") or [])))
        for target, source in mounts.items():
            for script, (image, _) in SCRIPT_IMAGE.items():
                rel = script.removeprefix(f"{source}/") if source else script
                if rel != script or not source:
                    if f"{target}/{rel}" in invoked:
                        assert svc["image"] == image, (script, svc["image"])
            if target == "/docker-entrypoint-initdb.d":
                assert svc["image"] == "postgres:16"


@pytest.mark.parametrize("script", sorted(SCRIPT_IMAGE))
def test_every_command_a_script_calls_is_in_its_image(script):
    image, available = SCRIPT_IMAGE[script]
    missing = commands_of(DEPLOY / script) - available
    assert not missing, f"{script} calls {sorted(missing)}, which {image} does not have"


def test_the_old_schema_wait_with_pg_isready_is_gone():
    # pg_isready is not in admin-tools since 1.30 (bare Alpine): that wait stopped every `up`.
    for script, (image, _) in SCRIPT_IMAGE.items():
        if image.startswith("temporalio/admin-tools"):
            assert "pg_isready" not in commands_of(DEPLOY / script), script


# --- what runs here ---------------------------------------------------------------------------


def _nc_has_zero_io(cmd: list[str]) -> bool:
    res = subprocess.run([*cmd, "-h"], capture_output=True, text=True)
    return re.search(r"(^|\s)-z\b", res.stdout + res.stderr, re.M) is not None


@pytest.fixture(scope="module")
def busybox_path(tmp_path_factory) -> str:
    """A PATH whose sh, sleep and tr are BusyBox's, the applets of the Alpine images, and whose nc knows
    `-z` like Alpine's BusyBox nc: BusyBox's own where built with it (Debian's is not), else the system's
    (netcat-openbsd)."""
    busybox = shutil.which("busybox")
    bindir = tmp_path_factory.mktemp("busybox-bin")
    if busybox:
        for applet in ("sh", "sleep", "tr"):
            (bindir / applet).symlink_to(busybox)
        if _nc_has_zero_io([busybox, "nc"]):
            (bindir / "nc").symlink_to(busybox)
    if not (bindir / "nc").exists():
        nc = shutil.which("nc")
        if nc is None or not _nc_has_zero_io([nc]):
            pytest.skip("no nc with -z here (apt-get install busybox netcat-openbsd)")
    return f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"


def _pg() -> dict:
    url = _pg_admin_url()
    if not _pg_reachable(url):
        pytest.skip("PostgreSQL not reachable")
    u = make_url(url)
    return {"host": u.host or "127.0.0.1", "port": u.port or 5432, "user": u.username or "postgres",
            "password": u.password or ""}


def test_the_wait_loop_finds_postgres_twice_and_gives_up_on_a_closed_port(busybox_path):
    pg = _pg()
    env = os.environ | {"PATH": busybox_path}
    script = str(DEPLOY / "temporal" / "wait-for.sh")
    for _ in range(2):
        res = subprocess.run(["sh", script, pg["host"], str(pg["port"]), "5"], capture_output=True, text=True,
                             env=env, timeout=30)
        assert res.returncode == 0 and "is up" in res.stdout, res.stderr
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    res = subprocess.run(["sh", script, "127.0.0.1", str(closed), "2"], capture_output=True, text=True, env=env,
                         timeout=30)
    assert res.returncode == 1 and "did not accept connections after 2 tries" in res.stderr


@pytest.fixture
def roles_env():
    """10-roles.sh's environment against the local PostgreSQL, with role and database names of this test
    only (roles are cluster-wide: never the real ones on a shared server); dropped afterwards."""
    if shutil.which("psql") is None:
        pytest.skip("psql not installed")
    pg = _pg()
    s = uuid.uuid4().hex[:8]
    names = {"TEMPORAL_DB_USER": f"t_{s}", "TEMPORAL_DB": f"t_{s}", "TEMPORAL_VISIBILITY_DB": f"tv_{s}",
             "OTKLIK_DB_USER": f"o_{s}", "OTKLIK_DB": f"o_{s}", "BACKUP_DB_USER": f"b_{s}"}
    env = os.environ | names | {
        "PGHOST": pg["host"], "PGPORT": str(pg["port"]), "PGPASSWORD": pg["password"], "POSTGRES_USER": pg["user"],
        "TEMPORAL_DB_PASSWORD": "Tq7-first-pass", "OTKLIK_DB_PASSWORD": "Ok7-first-pass",
        "BACKUP_DB_PASSWORD": "Bk7-first-pass", "POSTGRES_PASSWORD": "Su7-first-pass",
    }
    yield env, names, pg
    conninfo = dict(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"], dbname="postgres")
    with psycopg.connect(**conninfo, autocommit=True) as conn:
        for db in (names["TEMPORAL_DB"], names["TEMPORAL_VISIBILITY_DB"], names["OTKLIK_DB"]):
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        for role in (names["TEMPORAL_DB_USER"], names["OTKLIK_DB_USER"], names["BACKUP_DB_USER"]):
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def scram_matches(verifier: str, password: str) -> bool:
    """Whether a pg_authid SCRAM-SHA-256 verifier was made from this password (RFC 5802 ServerKey)."""
    head, keys = verifier.split("$", 2)[1:]
    iterations, salt = head.split(":")
    server_key = base64.b64decode(keys.split(":")[1])
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    return hmac.compare_digest(hmac.new(salted, b"Server Key", "sha256").digest(), server_key)


def _run_roles(env: dict) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(DEPLOY / "postgres" / "initdb" / "10-roles.sh")], capture_output=True, text=True,
                          env=env, timeout=60)


def test_the_roles_script_creates_non_superuser_owners_and_is_idempotent(roles_env):
    env, n, pg = roles_env
    first = _run_roles(env)
    assert first.returncode == 0, first.stderr
    conninfo = dict(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"], dbname="postgres")

    def state() -> tuple:
        with psycopg.connect(**conninfo) as conn:
            roles = conn.execute(
                "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolcanlogin, rolpassword "
                "FROM pg_authid WHERE rolname = ANY(%s) ORDER BY rolname",
                ([n["TEMPORAL_DB_USER"], n["OTKLIK_DB_USER"], n["BACKUP_DB_USER"]],)).fetchall()
            dbs = conn.execute(
                "SELECT datname, pg_get_userbyid(datdba), has_database_privilege('public', datname, 'CONNECT') "
                "FROM pg_database WHERE datname = ANY(%s) ORDER BY datname",
                ([n["TEMPORAL_DB"], n["TEMPORAL_VISIBILITY_DB"], n["OTKLIK_DB"]],)).fetchall()
        return roles, dbs

    roles, dbs = state()
    by_name = {r[0]: r for r in roles}
    for role in (n["TEMPORAL_DB_USER"], n["OTKLIK_DB_USER"], n["BACKUP_DB_USER"]):
        _, superuser, createdb, createrole, _, login, password = by_name[role]
        assert login and not superuser and not createdb and not createrole and password.startswith("SCRAM-SHA-256$")
    assert scram_matches(by_name[n["OTKLIK_DB_USER"]][6], "Ok7-first-pass")
    assert by_name[n["BACKUP_DB_USER"]][4] and not by_name[n["OTKLIK_DB_USER"]][4]  # only backup replicates
    assert {d[0]: d[1] for d in dbs} == {n["TEMPORAL_DB"]: n["TEMPORAL_DB_USER"],
                                         n["TEMPORAL_VISIBILITY_DB"]: n["TEMPORAL_DB_USER"],
                                         n["OTKLIK_DB"]: n["OTKLIK_DB_USER"]}
    assert not any(d[2] for d in dbs)  # PUBLIC may not connect
    with psycopg.connect(**(conninfo | {"dbname": n["TEMPORAL_VISIBILITY_DB"]})) as conn:
        assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'").fetchone()

    again = _run_roles(env)  # the same again: nothing changes, nothing fails
    assert again.returncode == 0, again.stderr
    assert [r[:6] for r in state()[0]] == [r[:6] for r in roles] and state()[1] == dbs

    rotated = _run_roles(env | {"OTKLIK_DB_PASSWORD": "Ok7-second-pass"})  # a rotated password is applied
    assert rotated.returncode == 0, rotated.stderr
    after = {r[0]: r[6] for r in state()[0]}
    assert scram_matches(after[n["OTKLIK_DB_USER"]], "Ok7-second-pass")
    assert not scram_matches(after[n["OTKLIK_DB_USER"]], "Ok7-first-pass")
    assert scram_matches(after[n["TEMPORAL_DB_USER"]], "Tq7-first-pass")


@pytest.mark.parametrize("var", ["OTKLIK_DB_PASSWORD", "TEMPORAL_DB_PASSWORD", "BACKUP_DB_PASSWORD", "POSTGRES_PASSWORD"])
def test_the_roles_script_refuses_a_placeholder_before_creating_anything(roles_env, var):
    env, n, pg = roles_env
    res = _run_roles(env | {var: "change-me-x"})
    assert res.returncode == 1 and f"{var} is a placeholder" in res.stderr
    conninfo = dict(host=pg["host"], port=pg["port"], user=pg["user"], password=pg["password"], dbname="postgres")
    with psycopg.connect(**conninfo) as conn:
        assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname = %s", (n["OTKLIK_DB_USER"],)).fetchone()[0] == 0


def _preflight(env: dict, busybox_path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(DEPLOY / "preflight.sh")], capture_output=True, text=True,
                          env={"PATH": busybox_path} | env, timeout=30)


def test_preflight_refuses_placeholders_short_secrets_and_missing_certificates(tmp_path, busybox_path):
    cert = tmp_path / "ca.crt"
    cert.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    res = _preflight({"PREFLIGHT_SECRETS": "A B C D", "A": "change-me-otklik", "B": "Password", "C": "", "D": "short",
                      "PREFLIGHT_FILES": f"{cert} {tmp_path / 'absent.key'}"}, busybox_path)
    assert res.returncode == 1
    assert "A is a placeholder" in res.stderr and "B is a placeholder" in res.stderr and "C is empty" in res.stderr
    assert "D is shorter than 12 characters" in res.stderr
    assert f"{tmp_path / 'absent.key'} is missing" in res.stderr and str(cert) + " is missing" not in res.stderr
    ok = _preflight({"PREFLIGHT_SECRETS": "A", "A": "pV3-kq9_Zr1.wX", "PREFLIGHT_FILES": str(cert)}, busybox_path)
    assert ok.returncode == 0 and "in place" in ok.stdout, ok.stderr


def test_preflight_is_given_every_secret_of_the_compose_file():
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    env = services["preflight"]["environment"]
    names = set(env["PREFLIGHT_SECRETS"].split())
    assert names == {k for k in env if k not in {"PREFLIGHT_SECRETS", "PREFLIGHT_FILES"}}
    example = (DEPLOY / "env.example").read_text(encoding="utf-8")
    secrets = {line.split("=")[0] for line in example.splitlines() if "=change-me" in line}
    assert secrets == names
    files = set(env["PREFLIGHT_FILES"].split())
    assert files == {f"/tls/{n}.{ext}" for n in ("ca",) for ext in ("crt",)} | {
        f"/tls/{n}.{ext}" for n in ("postgresql", "temporal-frontend", "temporal-internode", "temporal-admin",
                                    "temporal-ui", "otklik", "proxy") for ext in ("crt", "key")}
