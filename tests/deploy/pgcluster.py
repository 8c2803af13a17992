"""A throwaway PostgreSQL cluster of our own, started with the production settings of
deploy/postgres/start.sh (TLS, deploy/postgres/pg_hba.conf, replication) — the shared test server can
neither be reconfigured nor replicated from. Runs as the postgres OS user; needs root."""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from models.settings import REPO_ROOT

START_SH = REPO_ROOT / "deploy" / "postgres" / "start.sh"
HBA = REPO_ROOT / "deploy" / "postgres" / "pg_hba.conf"


def pg_bin() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if all((Path(candidate) / b).exists() for b in ("initdb", "pg_ctl", "pg_basebackup", "pg_verifybackup")):
            return Path(candidate)
    return None


def require_cluster_tools() -> Path:
    bindir = pg_bin()
    if bindir is None or os.geteuid() != 0 or shutil.which("runuser") is None or shutil.which("psql") is None:
        pytest.skip("needs root, runuser, psql and the PostgreSQL server binaries")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("no postgres OS user")
    return bindir


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_options(tls_dir: Path, hba: Path) -> list[str]:
    """The `-c name=value` settings of deploy/postgres/start.sh, with its paths mapped to ours."""
    text = START_SH.read_text(encoding="utf-8").replace('"$TLS_DIR', str(tls_dir)).replace("$TLS_DIR", str(tls_dir))
    options = re.findall(r'-c "?([a-z_]+=[^\s"\\]+)"?', text)
    return [o.replace("/otklik/pg_hba.conf", str(hba)) for o in options]


class Cluster:
    def __init__(self, bindir: Path, data: Path, port: int) -> None:
        self.bindir, self.data, self.port = bindir, data, port
        self.options: list[str] = []

    def _as_postgres(self, *cmd: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._as_postgres(str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                          "--no-sync")

    def start(self) -> None:
        opts = " ".join([f"-p {self.port}", f"-k {self.data}", "-c listen_addresses=127.0.0.1", "-c fsync=off",
                         *(f"-c {o}" for o in self.options)])
        self._as_postgres(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", opts, "-w", "-l",
                          str(self.data.parent / f"log-{self.port}"), "start")

    def stop(self) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w",
                        "-m", "fast", "stop"], capture_output=True, timeout=60)

    def sql(self, db: str, query: str) -> str:
        """As the superuser over the local socket (pg_hba.conf: `local all all trust`)."""
        return subprocess.run(["psql", "-X", "-At", "-h", str(self.data), "-p", str(self.port), "-U", "postgres",
                               "-d", db, "-c", query], capture_output=True, text=True, check=True, timeout=30).stdout.strip()
