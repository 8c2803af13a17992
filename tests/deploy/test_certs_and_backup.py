"""The one-time certificate script and the backup service, run for real: deploy/tls/make-certs.sh issues
what docker-compose.yml mounts (names, SANs, key groups); deploy/backup/backup.sh takes a verified base
backup of a real PostgreSQL cluster, and the restore drill of docs/operations/backups.md brings the
three databases back at the backup's moment."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml

from models.settings import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"


def _openssl(*args: str) -> str:
    return subprocess.run(["openssl", *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    base = tmp_path_factory.mktemp("tls")
    env = os.environ | {"OTKLIK_TLS_DIR": str(base / "certs"), "OTKLIK_TLS_CA_DIR": str(base / "ca"),
                        "OTKLIK_PUBLIC_HOST": "otklik.example.ru", "OTKLIK_TEMPORAL_UI_HOST": "temporal.example.ru"}
    first = subprocess.run(["sh", str(DEPLOY / "tls" / "make-certs.sh")], capture_output=True, text=True, env=env,
                           timeout=120)
    assert first.returncode == 0, first.stderr
    return base, env


def test_make_certs_issues_every_file_the_compose_file_expects(certs):
    base, _ = certs
    out = base / "certs"
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    expected = set(services["preflight"]["environment"]["PREFLIGHT_FILES"].split())
    assert {f"/tls/{p.name}" for p in out.iterdir()} == expected
    assert (base / "ca" / "ca.key").exists() and not (out / "ca.key").exists()  # the CA key is never mounted
    for crt in out.glob("*.crt"):
        if crt.name != "ca.crt":
            assert f"{crt}: OK" in _openssl("verify", "-CAfile", str(out / "ca.crt"), str(crt))


@pytest.mark.parametrize(("name", "sans", "usage"), [
    ("postgresql", ["DNS:postgresql"], "TLS Web Server Authentication"),
    ("temporal-frontend", ["DNS:temporal"], "TLS Web Client Authentication"),
    ("temporal-internode", ["DNS:temporal-internode"], "TLS Web Client Authentication"),
    ("proxy", ["DNS:otklik.example.ru", "DNS:temporal.example.ru"], "TLS Web Server Authentication"),
    ("otklik", [], "TLS Web Client Authentication"),
    ("temporal-ui", [], "TLS Web Client Authentication"),
    ("temporal-admin", [], "TLS Web Client Authentication"),
])
def test_certificates_name_what_the_services_verify(certs, name, sans, usage):
    text = _openssl("x509", "-in", str(certs[0] / "certs" / f"{name}.crt"), "-noout", "-text")
    for san in sans:
        assert san in text, (name, san)
    assert usage in text


def test_each_key_is_readable_by_the_group_compose_gives_its_service(certs):
    out = certs[0] / "certs"
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    groups = {"temporal-frontend.key": services["temporal"], "temporal-internode.key": services["temporal"],
              "temporal-admin.key": services["temporal-create-namespace"], "temporal-ui.key": services["temporal-ui"],
              "otklik.key": services["api"]}
    for key, svc in groups.items():
        st = (out / key).stat()
        if os.geteuid() == 0:
            assert [str(st.st_gid)] == svc["group_add"] and oct(st.st_mode & 0o777) == "0o640", key
        else:
            assert oct(st.st_mode & 0o777) == "0o600", key
    for key in ("postgresql.key", "proxy.key"):  # read as root by their entrypoints
        assert oct((out / key).stat().st_mode & 0o777) == "0o600"


def test_make_certs_again_keeps_what_exists(certs):
    base, env = certs
    before = _openssl("x509", "-in", str(base / "certs" / "otklik.crt"), "-noout", "-fingerprint")
    again = subprocess.run(["sh", str(DEPLOY / "tls" / "make-certs.sh")], capture_output=True, text=True, env=env,
                           timeout=60)
    assert again.returncode == 0 and again.stdout.count(" exists") == 7
    assert _openssl("x509", "-in", str(base / "certs" / "otklik.crt"), "-noout", "-fingerprint") == before


# --- backup and restore ------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if all((Path(candidate) / b).exists() for b in ("initdb", "pg_ctl", "pg_basebackup", "pg_verifybackup")):
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster of our own, run as the postgres OS user (replication needs an
    hba entry the shared test server does not have)."""

    def __init__(self, bindir: Path, data: Path, port: int) -> None:
        self.bindir, self.data, self.port = bindir, data, port

    def _as_postgres(self, *cmd: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._as_postgres(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                          "--no-sync")

    def start(self) -> None:
        opts = (f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c wal_level=replica "
                "-c max_wal_senders=4 -c fsync=off")
        self._as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts, "-w", "-l",
                          str(self.data.parent / f"log-{self.port}"), "start")

    def stop(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w",
                        "-m", "fast", "stop"], capture_output=True, timeout=60)

    def sql(self, db: str, query: str) -> str:
        return subprocess.run(["psql", "-X", "-At", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
                               "-c", query], capture_output=True, text=True, check=True, timeout=30).stdout.strip()


@pytest.mark.slow
def test_backup_once_then_the_restore_drill_brings_all_three_databases_back_consistent():
    bindir = _pg_bin()
    if bindir is None or os.geteuid() != 0 or shutil.which("runuser") is None or shutil.which("psql") is None:
        pytest.skip("needs root, runuser, psql and the PostgreSQL server binaries")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres OS user")
    base = Path(tempfile.mkdtemp(prefix="otklik-backup-", dir="/tmp"))
    shutil.chown(base, "postgres", "postgres")
    live = Cluster(bindir, base / "live", _free_port())
    restored = Cluster(bindir, base / "restored", _free_port())
    try:
        live.init()
        live.start()
        env = os.environ | {"PGHOST": "127.0.0.1", "PGPORT": str(live.port), "POSTGRES_USER": "postgres",
                            "TEMPORAL_DB_PASSWORD": "Tq7-drill-pass", "OTKLIK_DB_PASSWORD": "Ok7-drill-pass",
                            "BACKUP_DB_PASSWORD": "Bk7-drill-pass"}
        roles = subprocess.run(["sh", str(DEPLOY / "postgres" / "initdb" / "10-roles.sh")], env=env,
                               capture_output=True, text=True, timeout=60)
        assert roles.returncode == 0, roles.stderr
        live.sql("otklik", "CREATE TABLE message (workflow_id text); INSERT INTO message VALUES ('msg-vk-1')")
        live.sql("temporal", "CREATE TABLE executions (workflow_id text); INSERT INTO executions VALUES ('msg-vk-1')")

        backups = base / "backups"
        run = subprocess.run(
            ["sh", str(DEPLOY / "backup" / "backup.sh"), "once"], capture_output=True, text=True, timeout=120,
            env=os.environ | {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "PGHOST": "127.0.0.1",
                              "PGPORT": str(live.port), "PGUSER": "backup", "BACKUP_DIR": str(backups)})
        assert run.returncode == 0, run.stdout + run.stderr
        archives = sorted(backups.glob("base-*.tar.gz"))
        assert len(archives) == 1 and "verified" in run.stdout and not list(backups.glob(".partial-*"))
        live.sql("otklik", "INSERT INTO message VALUES ('msg-vk-2')")  # after the backup: not in it

        # The drill (docs/operations/backups.md): unpack into an empty data directory, start, check.
        restored.data.mkdir(mode=0o700)
        subprocess.run(["tar", "-xzf", str(archives[0]), "-C", str(restored.data)], check=True)
        subprocess.run(["chown", "-R", "postgres:postgres", str(restored.data)], check=True)
        restored.start()
        assert restored.sql("otklik", "SELECT string_agg(workflow_id, ',') FROM message") == "msg-vk-1"
        assert restored.sql("temporal", "SELECT string_agg(workflow_id, ',') FROM executions") == "msg-vk-1"
        assert restored.sql("temporal_visibility", "SELECT extname FROM pg_extension WHERE extname = 'btree_gin'")
        assert restored.sql("postgres", "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles "
                                        "WHERE rolname IN ('temporal', 'otklik', 'backup')") == "backup,otklik,temporal"
    finally:
        restored.stop()
        live.stop()
        shutil.rmtree(base, ignore_errors=True)
