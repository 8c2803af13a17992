"""``st run … --checks all`` (schemathesis 4, the CLI itself) against the API served by uvicorn on loopback, on
the real database, dev server and Worker: every phase — examples, coverage, fuzzing and the stateful phase
(OpenAPI links from ``POST /messages`` to the message operations) — at zero failures, within a time budget.

The token belongs to a person who is both administrator and curator, so every operation is reachable.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlmodel import Session, select

from api.main import create_app
from api.server import http_protocol
from models.registry import Body, Person
from models.tokens import issue_token
from tests.api.conftest import _terminate_running, message_payload

pytestmark = pytest.mark.db

BUDGET_SECONDS = 60
ROOT = Path(__file__).resolve().parents[2]
ST = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"


async def test_schemathesis_all_checks_all_phases_zero_failures(api_settings, world, worker, engine, dev_env,
                                                                 tmp_path):
    with Session(engine) as s:
        tsur = s.exec(select(Body).where(Body.code == "tsur")).one()
        person = Person(full_name="Фаззер Администратор-Куратор", roles=["admin", "curator"], body_id=tsur.id)
        s.add(person)
        s.flush()
        token = issue_token(s, person)
        s.commit()
    app = create_app(api_settings, temporal_client=dev_env.client)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test", timeout=60)
    async with app.router.lifespan_context(app), http:
        res = await http.post("/api/v1/messages", headers=world.auth("curator"), json=message_payload())
        live = res.json()["workflow_id"]
        await http.post(f"/api/v1/messages/{live}/route", headers=world.auth("curator"),
                        json={"bodies": ["minzdrav"], "classification": {"topic": "clinics", "location": "alagir"}})
        feed_body = {k: v for k, v in message_payload().items() if k != "source"}
        candidate = (await http.post("/api/v1/messages", headers=world.auth("feed"), json=feed_body)).json()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error", http=http_protocol()))
    serving = asyncio.create_task(server.serve())
    report = tmp_path / "report.json"
    # Rules JSON Schema cannot state (registry codes exist, times not in the future) are 422 with a reason and
    # no field errors; st_hooks.field_rules_are_in_the_schema fails any schema-valid request refused per field.
    (tmp_path / "schemathesis.toml").write_text(
        '[checks.positive_data_acceptance]\n'
        'expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]\n'
        # a real workflow and a real candidate behind the ids, not only 404s
        f'[parameters]\n"path.message_id" = "{live}"\n"path.candidate_id" = {candidate["candidate_id"]}\n')
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.api.st_hooks",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    started = time.monotonic()
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        proc = await asyncio.create_subprocess_exec(
            ST, "run", f"http://127.0.0.1:{port}/openapi.json", "--checks", "all",
            "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", "8", "--max-time", "40",
            "--generation-deterministic", "--seed", "14", "--workers", "1", "--request-timeout", "20",
            "--continue-on-failure", "-H", f"Authorization: Bearer {token}", "--no-color",
            "--report", "json", "--report-json-path", str(report),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path, env=env)
        out, _ = await asyncio.wait_for(proc.communicate(), BUDGET_SECONDS + 30)
    finally:
        server.should_exit = True
        await serving
        await _terminate_running(dev_env, api_settings.task_queue)
    elapsed = time.monotonic() - started
    text = out.decode("utf-8", errors="replace")
    print(text)
    summary = json.loads(report.read_text()) if report.exists() else {}
    print("schemathesis:", json.dumps(summary.get("summary", summary), ensure_ascii=False)[:1500], f"{elapsed:.1f} s")
    assert proc.returncode == 0, text[-12000:]
    assert elapsed < BUDGET_SECONDS + 15
