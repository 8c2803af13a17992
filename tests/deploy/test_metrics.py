"""Operators' metrics: the API's /metrics (requests, latency, Otklik's read-model gauges) and the worker's
Prometheus endpoint from the Temporal SDK runtime, both scraped over real HTTP."""

from __future__ import annotations

import asyncio
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session

from api.main import create_app
from models.delivery import Delivery
from models.readmodel import Deadline, Message
from models.settings import Settings


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _message(state: str) -> Message:
    ext = uuid.uuid4().hex[:10]
    return Message(workflow_id=f"msg-vk-{ext}", network="vk", external_id=ext, url=f"https://vk.com/wall-1_{ext}",
                   author_id="1", source="callback", state=state, detected_at=datetime.now(UTC))


def _breach(wf: str, body: str | None) -> Deadline:
    now = datetime.now(UTC)
    return Deadline(workflow_id=wf, deadline_id=uuid.uuid4().hex[:8], step="answer", title="Ответ", rule="P9",
                    body=body, opened_at=now - timedelta(hours=10), due=now - timedelta(hours=1),
                    status="breached", breached=True)


async def test_api_metrics_count_requests_and_read_model_gauges(db, db_url):
    msgs = [_message("assigned"), _message("assigned"), _message("on_review"), _message("answered")]
    with Session(db) as s:
        s.add_all(msgs)
        s.add_all([_breach(msgs[0].workflow_id, "minzdrav"), _breach(msgs[1].workflow_id, "minzdrav"),
                   _breach(msgs[2].workflow_id, None)])
        s.add(Delivery(event_key="k1", kind="breach", recipient="p1", channel="email", status="failed", attempts=3,
                       error="SMTP 550"))
        s.add(Delivery(event_key="k1", kind="breach", recipient="p2", channel="email", status="pending"))
        s.add(Delivery(event_key="k2", kind="routed", recipient="p2", channel="email", status="pending"))
        s.commit()
    app = create_app(Settings(_env_file=None, database_url=db_url))  # type: ignore[call-arg]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http:
        assert (await http.get("/healthz")).status_code == 200
        assert (await http.get("/no-such-page")).status_code == 404
        res = await http.get("/metrics")
        proxied = await http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert proxied.status_code == 404 and proxied.json()["code"] == "not_found"
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/plain")
    got = _samples(res.text)
    assert got[("otklik_messages_open", (("state", "assigned"),))] == 2
    assert got[("otklik_messages_open", (("state", "on_review"),))] == 1
    assert ("otklik_messages_open", (("state", "answered"),)) not in got  # closed
    assert got[("otklik_breaches", (("holder", "minzdrav"),))] == 2
    assert got[("otklik_breaches", (("holder", "tsur"),))] == 1
    assert got[("otklik_notifications_pending", ())] == 2
    assert got[("otklik_notifications_failing", ())] == 1
    ok = (("method", "GET"), ("route", "/healthz"), ("status", "200"))
    assert got[("otklik_http_requests_total", ok)] == 1
    assert got[("otklik_http_requests_total", (("method", "GET"), ("route", "unmatched"), ("status", "404")))] == 1
    assert got[("otklik_http_request_duration_seconds_count", (("method", "GET"), ("route", "/healthz")))] == 1
    assert "/metrics" not in {dict(k[1]).get("route") for k in got}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
async def test_worker_serves_temporal_sdk_metrics_on_its_port(ts_env, db_url):
    """worker.connect with OTKLIK_WORKER_METRICS_PORT: a real worker polls the time-skipping server and its
    runtime's Prometheus endpoint answers with the SDK's worker metrics."""
    from worker import build_worker, connect

    port = _free_port()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=db_url, temporal_address=ts_env.client.service_client.config.target_host,
        task_queue=f"metrics-{uuid.uuid4().hex[:8]}", worker_metrics_port=port, search_attributes=False,
    )
    client = await connect(settings, attempts=5)
    with ThreadPoolExecutor(max_workers=32) as executor:
        async with build_worker(client, settings, executor):
            text = ""
            async with httpx.AsyncClient() as http:
                for _ in range(50):
                    text = (await http.get(f"http://127.0.0.1:{port}/metrics", timeout=2)).text
                    if "temporal_worker_task_slots_available" in text:
                        break
                    await asyncio.sleep(0.2)
    names = {f.name for f in text_string_to_metric_families(text)}
    assert "temporal_worker_task_slots_available" in names, sorted(names)
    assert any(n.startswith("temporal_request") for n in names), sorted(names)
    assert 'service="otklik-worker"' in text and f'task_queue="{settings.task_queue}"' in text
