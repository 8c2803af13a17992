"""Citizens' personal data in Temporal (issue 14): the history is encrypted, the codec endpoint decodes it for
operators only (with CORS for the Web UI), keys rotate.

Real dev server, real worker (``worker.build_worker``), real database; the app over ASGI. Messages are
started as in ``tests/api/test_hostile.py`` (``workflows.client.start_message``, the intake's own call).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from google.protobuf import json_format
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from models.registry import Person
from models.settings import Settings
from models.tokens import issue_token
from tests.api.conftest import World, eventually
from tests.api.test_hostile import AUTHOR, TEXT, _start
from tests.conftest import TEST_CONVERTER
from workflows.codec import EncryptionCodec, KeyRing

pytestmark = pytest.mark.db

UI = "http://localhost:8233"


def _operator(engine: Engine, world: World) -> dict[str, str]:
    with Session(engine) as s:
        person = Person(full_name="Оператор Темпорал Тест", roles=["operator"])
        s.add(person)
        s.flush()
        token = issue_token(s, person)
        s.commit()
    world.tokens["operator"] = token
    return world.auth("operator")


def _secrets(raw: bytes) -> list[str]:
    return [s for s in (AUTHOR.name, AUTHOR.id, TEXT, "Кырджалийской") if s.encode() in raw]


async def test_history_read_without_codec_shows_no_author_or_text_and_decodes_with_it(
        dev_env: WorkflowEnvironment, worker, api_settings: Settings):
    wid = await _start(dev_env.client, api_settings.task_queue)
    plain = await Client.connect(dev_env.client.service_client.config.target_host,
                                 data_converter=pydantic_data_converter)  # an operator's client, no codec

    async def upserted() -> Any:  # the first workflow task has completed: input, upsert, projection marker
        found = await plain.get_workflow_handle(wid).fetch_history()
        return found if any(e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES
                            for e in found.events) else None

    history = await eventually(upserted)
    raw = b"".join(e.SerializeToString() for e in history.events)
    assert _secrets(raw) == [], "personal data in the clear in the workflow history"
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.input.payloads[0].metadata["encoding"] == b"binary/encrypted"
    assert started.input.payloads[0].metadata["encryption-key-id"] == b"test2"

    # With the codec the same payload decodes, the author and the text are there.
    codec = TEST_CONVERTER.payload_codec
    assert isinstance(codec, EncryptionCodec)
    decoded = await codec.decode(list(started.input.payloads))
    assert _secrets(decoded[0].data) == [AUTHOR.name, AUTHOR.id, TEXT, "Кырджалийской"]

    # Search attributes are stored unencrypted (in the history above too): none carries personal data.
    upserts = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]
    assert upserts and b"OtklikState" in upserts[0].SerializeToString()

    async def visible() -> bytes | None:
        desc = await dev_env.client.get_workflow_handle(wid).describe()
        attrs = desc.raw_description.workflow_execution_info.search_attributes.SerializeToString()
        return attrs if b"OtklikState" in attrs else None

    assert _secrets(await eventually(visible)) == []


async def test_codec_endpoint_decodes_for_operators_only_with_cors_for_the_ui(
        dev_env, worker, api_settings, http, world, db):
    wid = await _start(dev_env.client, api_settings.task_queue)
    history = await dev_env.client.get_workflow_handle(wid).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    body = json_format.MessageToJson(Payloads(payloads=list(started.input.payloads)))
    headers = {"Content-Type": "application/json", "X-Namespace": "default", "Origin": UI}

    res = await http.post("/codec/decode?preserveStorageRefs=true", content=body, headers=headers)
    assert res.status_code == 401 and res.headers["access-control-allow-origin"] == UI
    assert "оператор" in res.json()["detail"]
    res = await http.post("/codec/decode", content=body, headers=headers | world.auth("curator"))
    assert res.status_code == 403, res.text  # a curator is not an operator

    operator = _operator(db, world)
    res = await http.post("/codec/decode?preserveStorageRefs=true", content=body, headers=headers | operator)
    assert res.status_code == 200, res.text
    assert res.headers["access-control-allow-origin"] == UI
    assert res.headers["access-control-allow-credentials"] == "true"
    out = json_format.Parse(res.content, Payloads())
    assert _secrets(out.payloads[0].data) == [AUTHOR.name, AUTHOR.id, TEXT, "Кырджалийской"]

    # encode → decode round trip through the endpoint
    plain = json_format.MessageToJson(Payloads(payloads=list(out.payloads)))
    enc = await http.post("/codec/encode", content=plain, headers=headers | operator)
    assert enc.status_code == 200 and AUTHOR.name.encode() not in enc.content
    again = await http.post("/codec/decode", content=enc.content, headers=headers | operator)
    assert json_format.Parse(again.content, Payloads()) == out

    # CORS preflight: the UI's origin gets an answer, another origin none.
    pre = await http.options("/codec/decode", headers={
        "Origin": UI, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-namespace"})
    assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == UI
    assert "x-namespace" in pre.headers["access-control-allow-headers"]
    evil = await http.options("/codec/decode", headers={"Origin": "https://evil.example",
                                                        "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in evil.headers

    # The cookie session ("Include cross-origin credentials" in the UI): a form, then the cookie decodes.
    assert "Вход оператора" in (await http.get("/codec/session")).text
    bad = await http.post("/codec/session", data={"token": world.tokens["curator"]})
    assert bad.status_code == 403 and "set-cookie" not in bad.headers
    ok = await http.post("/codec/session", data={"token": world.tokens["operator"]})
    assert ok.status_code == 200 and "HttpOnly" in ok.headers["set-cookie"]
    assert "SameSite=strict" in ok.headers["set-cookie"] and "Path=/codec" in ok.headers["set-cookie"]
    res = await http.post("/codec/decode", content=body, headers=headers)  # the client keeps the cookie
    assert res.status_code == 200
    http.cookies.clear()

    # Garbage is a 422 in Russian, never a 500.
    res = await http.post("/codec/decode", content=b"{not json", headers=headers | operator)
    assert res.status_code == 422 and not res.json()["detail"].isascii()


async def test_codec_endpoint_decodes_payloads_of_a_rotated_out_key_only_while_it_is_kept(
        api_settings, http, world, db):
    old = KeyRing.parse(os.environ["OTKLIK_CODEC_KEYS"].split(",")[1])  # test1: no longer the encrypting key
    [payload] = await EncryptionCodec(old).encode(list(
        await pydantic_data_converter.encode(["Текст под старым ключом"])))
    assert payload.metadata["encryption-key-id"] == b"test1"
    operator = _operator(db, world)
    body = json_format.MessageToJson(Payloads(payloads=[payload]))
    res = await http.post("/codec/decode", content=body, headers={"Content-Type": "application/json"} | operator)
    assert res.status_code == 200
    assert "Текст под старым ключом".encode() in json_format.Parse(res.content, Payloads()).payloads[0].data
