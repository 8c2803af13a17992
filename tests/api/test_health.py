"""/healthz and /readyz against a real database and a real Temporal dev server."""

from __future__ import annotations

import socket

import httpx

from api.main import create_app
from models.settings import Settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _get(app, path: str) -> httpx.Response:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(path)


async def test_readyz_ok_with_database_and_temporal(db_url, dev_env):
    settings = Settings(database_url=db_url, temporal_address=dev_env.client.service_client.config.target_host)
    app = create_app(settings)
    assert (await _get(app, "/healthz")).json() == {"status": "ok"}
    res = await _get(app, "/readyz")
    assert res.status_code == 200, res.text
    assert res.json()["checks"] == {"database": "ok", "temporal": "ok", "worker": "none", "read_model": "ok"}  # nobody polls "otklik"


async def test_readyz_503_names_temporal_when_it_is_down(db_url):
    settings = Settings(database_url=db_url, temporal_address=f"127.0.0.1:{_free_port()}")
    res = await _get(create_app(settings), "/readyz")
    assert res.status_code == 503
    body = res.json()
    assert body["code"] == "not_ready" and "Temporal недоступен" in body["detail"]
    assert body["checks"] == {"database": "ok", "temporal": "error", "read_model": "ok"}


async def test_readyz_503_names_the_database_when_it_is_down(dev_env, tmp_path):
    settings = Settings(database_url=f"postgresql://nobody@127.0.0.1:{_free_port()}/none",
                        temporal_address=dev_env.client.service_client.config.target_host)
    res = await _get(create_app(settings), "/readyz")
    assert res.status_code == 503
    assert "база данных недоступна" in res.json()["detail"]
    assert res.json()["checks"] == {"database": "error", "temporal": "ok", "worker": "none"}
