"""Mutual TLS for real: the Temporal client built from OTKLIK_TEMPORAL_TLS_* (worker.connect and the API's
gateway use the same options) reaches a frontend that demands a client certificate of the installation's
CA, with the certificates deploy/tls/make-certs.sh issues. The frontend here is the dev server behind a
loopback TLS terminator (the dev server speaks no TLS itself) that requires and verifies client
certificates as the production frontend does with TEMPORAL_TLS_REQUIRE_CLIENT_AUTH."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from models.settings import REPO_ROOT, Settings


@pytest.fixture(scope="module")
def certs(tmp_path_factory) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    base = tmp_path_factory.mktemp("mtls")
    env = os.environ | {"OTKLIK_TLS_DIR": str(base / "certs"), "OTKLIK_TLS_CA_DIR": str(base / "ca")}
    res = subprocess.run(["sh", str(REPO_ROOT / "deploy" / "tls" / "make-certs.sh")], env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    # a second CA and a client certificate of it: a stranger's identity
    other = base / "other"
    env_other = os.environ | {"OTKLIK_TLS_DIR": str(other / "certs"), "OTKLIK_TLS_CA_DIR": str(other / "ca")}
    res = subprocess.run(["sh", str(REPO_ROOT / "deploy" / "tls" / "make-certs.sh")], env=env_other,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    return base


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(Exception):
        writer.close()


@pytest.fixture
async def tls_frontend(certs: Path, dev_env) -> AsyncIterator[str]:
    host, port = dev_env.client.service_client.config.target_host.rsplit(":", 1)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(certs / "certs" / "ca.crt"))
    ctx.load_cert_chain(str(certs / "certs" / "temporal-frontend.crt"), str(certs / "certs" / "temporal-frontend.key"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.set_alpn_protocols(["h2"])

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=ctx)
    yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    server.close()


def _settings(address: str, certs: Path, **kw) -> Settings:
    c = certs / "certs"
    base = dict(temporal_address=address, temporal_tls_ca=c / "ca.crt", temporal_tls_cert=c / "otklik.crt",
                temporal_tls_key=c / "otklik.key", temporal_tls_server_name="temporal")
    return Settings(_env_file=None, **(base | kw))  # type: ignore[call-arg]


async def test_the_worker_connects_with_its_client_certificate(tls_frontend, certs):
    from worker import connect

    client = await asyncio.wait_for(connect(_settings(tls_frontend, certs), attempts=3), timeout=30)
    assert await client.service_client.check_health(timeout=timedelta(seconds=5))
    assert await client.count_workflows() is not None  # a real call on the namespace, through mutual TLS


async def test_the_api_gateway_connects_the_same_way(tls_frontend, certs):
    from api.temporal import TemporalGateway

    gateway = TemporalGateway(_settings(tls_frontend, certs))
    await gateway.check()


@pytest.mark.parametrize("case", ["no client certificate", "a stranger's certificate", "another server name"])
async def test_without_the_right_identity_there_is_no_connection(tls_frontend, certs, case):
    from api.temporal import TemporalGateway, TemporalUnavailable

    c, o = certs / "certs", certs / "other" / "certs"
    kw: dict = {
        "no client certificate": {"temporal_tls_cert": None, "temporal_tls_key": None},
        "a stranger's certificate": {"temporal_tls_cert": o / "otklik.crt", "temporal_tls_key": o / "otklik.key"},
        "another server name": {"temporal_tls_server_name": "postgresql-not-temporal"},
    }[case]
    assert c.exists()
    gateway = TemporalGateway(_settings(tls_frontend, certs, **kw))
    with pytest.raises(TemporalUnavailable):
        await gateway.check()
