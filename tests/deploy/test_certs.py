"""The one-time certificate script, run for real: deploy/tls/make-certs.sh issues what docker-compose.yml
mounts (names, SANs, key groups) and keeps what exists. (The backup and the restore drill:
tests/deploy/test_postgres_production.py.)"""

from __future__ import annotations

import os
import shutil
import subprocess

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
