"""`otklik run` as a person starts it: every part comes up, Ctrl-C/SIGTERM stops all, data survives a restart."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from workflows.search_attributes import CLI_TYPES

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(data_dir: Path, t_port: int, ui_port: int, api_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")}
    env.update(
        OTKLIK_DATA_DIR=str(data_dir),
        OTKLIK_TEMPORAL_ADDRESS=f"127.0.0.1:{t_port}",
        OTKLIK_TEMPORAL_UI_PORT=str(ui_port),
        OTKLIK_API_PORT=str(api_port),
    )
    return env


def _start(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cli", "run"], env=env, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(proc: subprocess.Popen, api_port: int, log: Path, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        assert proc.poll() is None, f"otklik run exited {proc.returncode}:\n{log.read_text()}"
        try:
            if httpx.get(f"http://127.0.0.1:{api_port}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"not ready in {timeout}s:\n{log.read_text()}")


def _processes_mentioning(marker: str) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if marker in line and "ps -eo" not in line]


def _stop(proc: subprocess.Popen, data_dir: Path) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    end = time.monotonic() + 10
    while _processes_mentioning(str(data_dir)) and time.monotonic() < end:
        time.sleep(0.2)
    assert _processes_mentioning(str(data_dir)) == [], "children left behind"


async def _temporal_facts(t_port: int, workflow_id: str | None) -> tuple[set[str], str | None]:
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest

    client = await Client.connect(f"127.0.0.1:{t_port}", data_converter=pydantic_data_converter)
    resp = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace="default"))
    status = None
    if workflow_id:
        status = (await client.get_workflow_handle(workflow_id).describe()).status.name
    return set(resp.custom_attributes), status


def _intake_one(api_port: int, data_dir: Path) -> str:
    """A curator created with `otklik user add` takes in one VK comment over HTTP."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")} | {"OTKLIK_DATA_DIR": str(data_dir)}
    res = subprocess.run([sys.executable, "-m", "cli", "user", "add", "--name", "Хетагурова Мадина", "--role",
                          "curator"], env=env, capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    token = res.stdout.strip().splitlines()[-1]
    body = {
        "network": "vk",
        "external_id": "wall-1_10_reply77",
        "url": "https://vk.com/wall-1_10?reply=77",
        "author": {"id": "id12345", "name": "Алан Дзагоев"},
        "text": "Третью неделю нет воды на улице Весенней, когда дадут?",
        "source": "monitoring",
    }
    r = httpx.post(f"http://127.0.0.1:{api_port}/api/v1/messages", json=body,
                   headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 201, r.text
    workflow_id = r.json()["workflow_id"]
    # The read model is written by the worker's projection: wait for the row.
    end = time.monotonic() + 30
    while time.monotonic() < end:
        r = httpx.get(f"http://127.0.0.1:{api_port}/api/v1/messages", headers={"Authorization": f"Bearer {token}"},
                      timeout=10)
        if any(m["workflow_id"] == workflow_id for m in r.json()["items"]):
            break
        time.sleep(0.5)
    else:
        raise AssertionError(f"message not projected: {r.text}")
    (data_dir / "token.txt").write_text(token)
    return workflow_id


def _assert_message_kept(api_port: int, data_dir: Path, workflow_id: str) -> None:
    token = (data_dir / "token.txt").read_text()
    r = httpx.get(f"http://127.0.0.1:{api_port}/api/v1/messages/{workflow_id}",
                  headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.json()["view"]["state"] == "new"


def test_run_starts_all_parts_stops_cleanly_and_keeps_data(tmp_path):
    data_dir = tmp_path / "data"
    t_port, ui_port, api_port = _free_port(), _free_port(), _free_port()
    env = _env(data_dir, t_port, ui_port, api_port)
    log = tmp_path / "run1.log"
    proc = _start(env, log)
    try:
        _wait_ready(proc, api_port, log)
        assert httpx.get(f"http://127.0.0.1:{ui_port}/", timeout=5).status_code == 200  # Temporal Web UI
        attrs, _ = asyncio.run(_temporal_facts(t_port, None))
        assert set(CLI_TYPES) <= attrs
        # A message taken in through the API lives in Temporal and in the database.
        workflow_id = _intake_one(api_port, data_dir)
        out = log.read_text()
        assert f"http://127.0.0.1:{api_port}" in out and f":{ui_port}" in out
    finally:
        if proc.poll() is None:
            _stop(proc, data_dir)
    assert (data_dir / "temporal.db").exists() and (data_dir / "otklik.db").exists()

    log2 = tmp_path / "run2.log"
    proc = _start(env, log2)
    try:
        _wait_ready(proc, api_port, log2)
        _, status = asyncio.run(_temporal_facts(t_port, workflow_id))
        assert status == "RUNNING"
        _assert_message_kept(api_port, data_dir, workflow_id)
    finally:
        if proc.poll() is None:
            _stop(proc, data_dir)


def test_run_refuses_a_taken_port_and_names_it(tmp_path):
    t_port, ui_port = _free_port(), _free_port()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        api_port = busy.getsockname()[1]
        res = subprocess.run([sys.executable, "-m", "cli", "run"], env=_env(tmp_path, t_port, ui_port, api_port),
                             capture_output=True, text=True, timeout=60)
    assert res.returncode == 1
    assert f"порт {api_port} занят" in res.stderr


async def _polls(t_port: int, pid: int) -> bool:
    """Whether the worker process ``pid`` polls the task queue (its identity is ``pid@host``)."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    client = await Client.connect(f"127.0.0.1:{t_port}")
    resp = await client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
        namespace="default", task_queue=TaskQueue(name="otklik"),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW))
    return any(p.identity.startswith(f"{pid}@") for p in resp.pollers)


def _child_pid(parent: int, marker: str) -> int:
    out = subprocess.run(["ps", "--ppid", str(parent), "-o", "pid=,args="], capture_output=True, text=True).stdout
    found = [int(line.split()[0]) for line in out.splitlines() if marker in line]
    assert len(found) == 1, out
    return found[0]


def _wait_for(check, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"{what} not reached in {timeout:.0f} s")


def test_a_killed_worker_is_restarted_and_the_next_action_succeeds(tmp_path):
    data_dir = tmp_path / "data"
    t_port, ui_port, api_port = _free_port(), _free_port(), _free_port()
    log = tmp_path / "run.log"
    proc = _start(_env(data_dir, t_port, ui_port, api_port), log)
    try:
        _wait_ready(proc, api_port, log)
        assert (data_dir / "codec-keys").stat().st_mode & 0o077 == 0  # the dev key: owner only
        workflow_id = _intake_one(api_port, data_dir)
        worker_log = data_dir / "logs" / "worker.log"
        old = _child_pid(proc.pid, "cli worker")
        os.kill(old, signal.SIGKILL)

        _wait_for(lambda: "Worker: перезапуск" in log.read_text(), 30, "restart line")
        assert "Worker неожиданно завершился (код -9); перезапуск через 1 с" in log.read_text()
        assert proc.poll() is None, "otklik run stopped with its worker"
        new = _child_pid(proc.pid, "cli worker")
        assert new != old
        _wait_for(lambda: asyncio.run(_polls(t_port, new)), 60, "the new worker polling")
        assert worker_log.read_text().count("worker polling task queue") == 2

        token = (data_dir / "token.txt").read_text()
        r = httpx.post(f"http://127.0.0.1:{api_port}/api/v1/messages/{workflow_id}/classify",
                       headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "after-restart-1"},
                       json={"topic": "water_outage", "location": "vladikavkaz"}, timeout=60)
        assert r.status_code == 200, r.text
        assert r.json()["classification"]["topic"] == "water_outage"
    finally:
        if proc.poll() is None:
            _stop(proc, data_dir)
