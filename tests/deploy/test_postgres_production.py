"""PostgreSQL as docker-compose.yml runs it, for real: deploy/postgres/start.sh's settings (TLS,
deploy/postgres/pg_hba.conf), the roles of 10-roles.sh and the certificates of make-certs.sh.
Otklik connects with the URL's sslmode=verify-full and migrates as its non-superuser role; everything
pg_hba.conf does not allow is refused; deploy/backup/backup.sh takes a verified base backup over TLS as
the replication role, and the restore drill of docs/operations/backups.md brings the three databases
back at the backup's moment."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from models.settings import REPO_ROOT, Settings
from tests.deploy.pgcluster import Cluster, free_port, production_options, require_cluster_tools

DEPLOY = REPO_ROOT / "deploy"
PASSWORDS = {"TEMPORAL_DB_PASSWORD": "Tq7-drill-pass", "OTKLIK_DB_PASSWORD": "Ok7-drill-pass",
             "BACKUP_DB_PASSWORD": "Bk7-drill-pass"}

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prod() -> Iterator[tuple[Cluster, Path]]:
    bindir = require_cluster_tools()
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    base = Path(tempfile.mkdtemp(prefix="otklik-pg-", dir="/tmp"))
    base.chmod(0o755)
    certs = base / "certs"
    made = subprocess.run(["sh", str(DEPLOY / "tls" / "make-certs.sh")], capture_output=True, text=True, timeout=120,
                          env=os.environ | {"OTKLIK_TLS_DIR": str(certs), "OTKLIK_TLS_CA_DIR": str(base / "ca")})
    assert made.returncode == 0, made.stderr
    # what start.sh does as root: the server's copy of its key, owned by postgres, 0600
    tls = base / "server-tls"
    tls.mkdir()
    for src, dst in (("postgresql.key", "server.key"), ("postgresql.crt", "server.crt"), ("ca.crt", "ca.crt")):
        shutil.copy(certs / src, tls / dst)
        shutil.chown(tls / dst, "postgres", "postgres")
    (tls / "server.key").chmod(0o600)
    hba = base / "pg_hba.conf"
    shutil.copy(DEPLOY / "postgres" / "pg_hba.conf", hba)
    shutil.chown(base, "postgres", "postgres")
    cluster = Cluster(bindir, base / "live", free_port())
    cluster.options = production_options(tls, hba)
    assert any(o == "ssl=on" for o in cluster.options) and any(o.startswith("hba_file=") for o in cluster.options)
    try:
        cluster.init()
        cluster.start()
        roles = subprocess.run(["sh", str(DEPLOY / "postgres" / "initdb" / "10-roles.sh")], capture_output=True,
                               text=True, timeout=60, env=os.environ | PASSWORDS | {
                                   "PGHOST": str(cluster.data), "PGPORT": str(cluster.port), "POSTGRES_USER": "postgres"})
        assert roles.returncode == 0, roles.stderr
        yield cluster, certs
    finally:
        cluster.stop()
        shutil.rmtree(base, ignore_errors=True)


def _url(cluster: Cluster, certs: Path, user: str = "otklik", password: str = PASSWORDS["OTKLIK_DB_PASSWORD"],
         db: str = "otklik", sslmode: str = "verify-full") -> str:
    return (f"postgresql://{user}:{password}@localhost:{cluster.port}/{db}"
            f"?sslmode={sslmode}&sslrootcert={certs / 'ca.crt'}")


def test_otklik_connects_over_verified_tls_and_migrates_as_its_own_role(prod):
    cluster, certs = prod
    from sqlalchemy import text

    from models.db import make_engine
    from models.migrate import upgrade

    settings = Settings(_env_file=None, database_url=_url(cluster, certs))  # type: ignore[call-arg]
    upgrade(settings.db_url)  # `otklik db upgrade` as the non-superuser owner
    engine = make_engine(settings.db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).scalar() is True
            assert conn.execute(text("SELECT current_user")).scalar() == "otklik"
            assert conn.execute(text("SELECT count(*) FROM message")).scalar() == 0
    finally:
        engine.dispose()


@pytest.mark.parametrize(("case", "kw"), [
    ("without TLS", {"sslmode": "disable"}),
    ("a wrong password", {"password": "not-the-password"}),
    ("otklik into Temporal's database", {"db": "temporal"}),
    ("the superuser over the network", {"user": "postgres", "password": "x"}),
    ("the backup role into a database", {"user": "backup", "password": PASSWORDS["BACKUP_DB_PASSWORD"]}),
])
def test_what_pg_hba_does_not_allow_is_refused(prod, case, kw):
    cluster, certs = prod
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(_url(cluster, certs, **kw), connect_timeout=5).close()


def test_temporal_connects_to_both_of_its_databases(prod):
    cluster, certs = prod
    for db in ("temporal", "temporal_visibility"):
        with psycopg.connect(_url(cluster, certs, "temporal", PASSWORDS["TEMPORAL_DB_PASSWORD"], db)) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS probe (x int)")  # owner: may create its schema


def test_backup_over_tls_then_the_restore_drill_brings_all_three_databases_back(prod):
    cluster, certs = prod
    cluster.sql("otklik", "CREATE TABLE drill (workflow_id text); INSERT INTO drill VALUES ('msg-vk-1')")
    cluster.sql("temporal", "CREATE TABLE drill (workflow_id text); INSERT INTO drill VALUES ('msg-vk-1')")
    base = cluster.data.parent
    backups = base / "backups"
    run = subprocess.run(
        ["sh", str(DEPLOY / "backup" / "backup.sh"), "once"], capture_output=True, text=True, timeout=120,
        env=os.environ | {"PATH": f"{cluster.bindir}{os.pathsep}{os.environ['PATH']}", "PGHOST": "localhost",
                          "PGPORT": str(cluster.port), "PGUSER": "backup", "PGPASSWORD": PASSWORDS["BACKUP_DB_PASSWORD"],
                          "PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(certs / "ca.crt"), "BACKUP_DIR": str(backups)})
    assert run.returncode == 0, run.stdout + run.stderr
    archives = sorted(backups.glob("base-*.tar.gz"))
    assert len(archives) == 1 and "verified" in run.stdout and not list(backups.glob(".partial-*"))
    cluster.sql("otklik", "INSERT INTO drill VALUES ('msg-vk-2')")  # after the backup: not in it

    # The drill (docs/operations/backups.md): unpack into an empty data directory, start, check.
    restored = Cluster(cluster.bindir, base / "restored", free_port())
    restored.options = cluster.options
    restored.data.mkdir(mode=0o700)
    subprocess.run(["tar", "-xzf", str(archives[0]), "-C", str(restored.data)], check=True)
    subprocess.run(["chown", "-R", "postgres:postgres", str(restored.data)], check=True)
    try:
        restored.start()
        assert restored.sql("otklik", "SELECT string_agg(workflow_id, ',') FROM drill") == "msg-vk-1"
        assert restored.sql("temporal", "SELECT string_agg(workflow_id, ',') FROM drill") == "msg-vk-1"
        assert restored.sql("temporal_visibility", "SELECT extname FROM pg_extension WHERE extname = 'btree_gin'")
        assert restored.sql("postgres", "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles "
                                        "WHERE rolname IN ('temporal', 'otklik', 'backup')") == "backup,otklik,temporal"
        # the restored cluster takes Otklik's TLS connection with the same role and password
        with psycopg.connect(_url(restored, certs)) as conn:
            assert conn.execute("SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
                                ).fetchone() == ("otklik", True)
    finally:
        restored.stop()
