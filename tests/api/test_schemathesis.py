"""Schemathesis over the OpenAPI schema, against the app (ASGI) on the real database, dev server and Worker:
never a 5xx, whatever the input — valid (positive) and invalid (negative) requests for every operation.

The token belongs to a person who is both administrator and curator, so every operation is reachable.
Schemathesis calls the app synchronously on an event-loop thread of its own; the calls run in a thread
here, so the Worker (on the test's loop) keeps executing the workflows the fuzzer starts.

(Schemathesis' ``pytest.from_fixture`` loader does not work under pytest 9 — it writes ``Function._nodeid`` —
so the operations are driven here with Hypothesis directly, as the CLI does.)
"""

from __future__ import annotations

import asyncio
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from sqlmodel import Session, select

from api.main import create_app
from models.registry import Body, Person
from models.tokens import issue_token
from tests.api.conftest import _terminate_running, message_payload

pytestmark = pytest.mark.db

EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 10}
BUDGET_SECONDS = 60


def _fuzz(schema, token: str, live_message: str, live_candidates: list[int]) -> tuple[list[str], int, int]:
    failures: list[str] = []
    calls = 0
    operations = 0
    headers = {"Authorization": f"Bearer {token}"}
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode, count in EXAMPLES.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=count, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            def run(case) -> None:
                nonlocal calls
                calls += 1
                if "message_id" in (case.path_parameters or {}) and calls % 2:
                    case.path_parameters["message_id"] = live_message  # a real workflow, not only 404s
                if "candidate_id" in (case.path_parameters or {}) and calls % 2:
                    case.path_parameters["candidate_id"] = live_candidates[calls % len(live_candidates)]
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                run()
            except Unsatisfiable:  # no invalid request exists for an operation without parameters
                continue
            except Exception as exc:
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    return failures, operations, calls


async def test_no_server_errors_on_any_input(api_settings, world, worker, engine, dev_env, http):
    with Session(engine) as s:
        tsur = s.exec(select(Body).where(Body.code == "tsur")).one()
        person = Person(full_name="Фаззер Администратор-Куратор", roles=["admin", "curator"], body_id=tsur.id)
        s.add(person)
        s.flush()
        token = issue_token(s, person)
        s.commit()
    res = await http.post("/api/v1/messages", headers=world.auth("curator"), json=message_payload())
    live = res.json()["workflow_id"]
    await http.post(f"/api/v1/messages/{live}/route", headers=world.auth("curator"),
                    json={"bodies": ["minzdrav"], "classification": {"topic": "clinics", "location": "alagir"}})
    candidates = []
    for _ in range(3):  # real candidates to take and skip, not only 404s
        feed_body = {k: v for k, v in message_payload().items() if k != "source"}
        res = await http.post("/api/v1/messages", headers=world.auth("feed"), json=feed_body)
        candidates.append(res.json()["candidate_id"])
    app = create_app(api_settings)  # connects to Temporal lazily, on schemathesis' event loop
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    started = time.monotonic()
    try:
        failures, operations, calls = await asyncio.to_thread(_fuzz, schema, token, live, candidates)
    finally:
        await _terminate_running(dev_env, api_settings.task_queue)
    elapsed = time.monotonic() - started
    print(f"schemathesis: {operations} operations, {calls} requests, {elapsed:.1f} s")
    assert operations >= 45  # messages, registry, VK callback, candidates (list, read, take, skip, bulk skip)
    assert not failures, "\n\n".join(failures)
    assert elapsed < BUDGET_SECONDS
