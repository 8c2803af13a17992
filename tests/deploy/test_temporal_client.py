"""OTKLIK_TEMPORAL_TLS_* / OTKLIK_TEMPORAL_API_KEY become the Client.connect options of the API and the
worker; placeholder passwords from deploy/env.example stop a process at start."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from temporalio.service import TLSConfig

from models.settings import Settings, is_placeholder_secret
from models.temporal_client import connect_options, tls_config


def _settings(**kw) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


@pytest.fixture
def pems(tmp_path):
    files = {}
    for name in ("ca", "cert", "key"):
        path = tmp_path / f"{name}.pem"
        path.write_bytes(f"-----BEGIN {name.upper()}-----\n{name}\n-----END {name.upper()}-----\n".encode())
        files[name] = path
    return files


def test_plain_connection_by_default():
    assert connect_options(_settings()) == {"tls": False}


def test_mutual_tls_from_the_settings_builds_the_tls_config(pems):
    s = _settings(temporal_tls_ca=pems["ca"], temporal_tls_cert=pems["cert"], temporal_tls_key=pems["key"],
                  temporal_tls_server_name="temporal")
    tls = tls_config(s)
    assert isinstance(tls, TLSConfig)
    assert tls.server_root_ca_cert == pems["ca"].read_bytes()
    assert tls.client_cert == pems["cert"].read_bytes()
    assert tls.client_private_key == pems["key"].read_bytes()
    assert tls.domain == "temporal"


def test_tls_with_the_system_store_and_an_api_key():
    opts = connect_options(_settings(temporal_tls=True, temporal_api_key="eyJhbGciOi.jwt.sig"))
    assert opts["api_key"] == "eyJhbGciOi.jwt.sig"
    tls = opts["tls"]
    assert isinstance(tls, TLSConfig) and tls.server_root_ca_cert is None and tls.client_cert is None
    assert tls.domain is None


def test_the_environment_names_of_the_settings(pems, monkeypatch):
    monkeypatch.setenv("OTKLIK_TEMPORAL_TLS_CA", str(pems["ca"]))
    monkeypatch.setenv("OTKLIK_TEMPORAL_TLS_CERT", str(pems["cert"]))
    monkeypatch.setenv("OTKLIK_TEMPORAL_TLS_KEY", str(pems["key"]))
    monkeypatch.setenv("OTKLIK_TEMPORAL_TLS_SERVER_NAME", "temporal")
    tls = tls_config(_settings())
    assert isinstance(tls, TLSConfig) and tls.domain == "temporal" and tls.client_cert


def test_a_client_certificate_needs_its_key(pems):
    with pytest.raises(ValueError, match="go together"):
        _settings(temporal_tls_cert=pems["cert"])


def test_a_missing_certificate_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        _settings(temporal_tls_ca=tmp_path / "absent.pem")


@pytest.mark.parametrize("password", ["change-me-otklik", "CHANGE-ME", "password", "otklik"])
def test_placeholder_database_passwords_are_refused(password):
    assert is_placeholder_secret(password)
    with pytest.raises(ValueError, match="placeholder"):
        _settings(database_url=f"postgresql://otklik:{password}@postgresql:5432/otklik?sslmode=verify-full")


def test_real_passwords_and_sslmode_pass():
    s = _settings(database_url="postgresql://otklik:Xk2-9fQ_w7.Lm@postgresql:5432/otklik?sslmode=verify-full"
                  "&sslrootcert=/run/otklik/tls/ca.crt")
    assert s.db_url.startswith("postgresql+psycopg://otklik:Xk2-9fQ_w7.Lm@postgresql:5432/otklik?sslmode=verify-full")
    assert not is_placeholder_secret("") and not is_placeholder_secret(None)


def test_a_process_started_with_the_example_password_stops_with_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")} | {
        "OTKLIK_DATABASE_URL": "postgresql://otklik:change-me-otklik@127.0.0.1:5432/otklik",
        "OTKLIK_DATA_DIR": str(tmp_path),
    }
    res = subprocess.run([sys.executable, "-m", "cli", "db", "upgrade"], capture_output=True, text=True, env=env,
                         timeout=60, cwd=tmp_path)
    assert res.returncode == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "OTKLIK_DATABASE_URL" in lines[0] and "placeholder" in lines[0], res.stderr
