"""Browser tests: the app served by uvicorn on a free loopback port (in a thread, its own Temporal client),
the real Temporal dev server and a real Worker, and Debian's Chromium driven by Playwright (nothing is
downloaded: ``executable_path``). One person per role (``tests.api.conftest.build_world``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import uvicorn
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.main import create_app
from domain.candidates import CandidateIn, CandidateSource
from domain.vocabulary import Author, Network
from models.candidates import record_candidate
from models.settings import Settings
from tests.api.conftest import World, api_settings, build_world, worker  # noqa: F401  (fixtures)

CHROMIUM = os.environ.get("OTKLIK_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """``app`` on a real HTTP server on loopback (uvicorn in a thread); yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, name="pages-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def live_url(api_settings: Settings) -> Iterator[str]:  # noqa: F811
    """The whole app (API + pages) on a real HTTP server."""
    with serve(create_app(api_settings)) as url:
        yield url


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (.ci/run does)")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        await b.close()


@pytest.fixture
def world(db: Engine) -> World:
    return build_world(db)


async def signed_in(browser: Any, live_url: str, token: str, width: int = 1280, height: int = 900) -> Any:
    """A new browser context signed in with ``token`` through the sign-in form; returns its page."""
    context = await browser.new_context(base_url=live_url, viewport={"width": width, "height": height},
                                        locale="ru-RU")
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.console_errors = errors  # type: ignore[attr-defined]
    await page.goto("/signin")
    await page.fill("#token", token)
    await page.click("button[type=submit]")
    await page.wait_for_load_state()
    assert "/signin" not in page.url, await page.content()
    return page


def add_candidate(engine: Engine, text: str, author: str = "Иван Петров") -> int:
    """A feed item waiting for triage, as ``record_candidate`` stores every source's."""
    ext = f"wall-1_{uuid.uuid4().int % 10**9}"
    with Session(engine) as session:
        row, _ = record_candidate(session, CandidateIn(
            network=Network.vk, external_id=ext, source=CandidateSource.integration,
            url=f"https://vk.com/{ext}", author=Author(id=f"id{abs(hash(author)) % 10**8}", name=author,
                                                       profile_url="https://vk.com/id555"),
            text=text))
        assert row.id is not None
        return row.id


@pytest.fixture(autouse=True)
async def _stop_workflows(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """After a test with the worker: stop this module's open workflows before the database is emptied."""
    if "worker" not in request.fixturenames:
        yield
        return
    from tests.api.conftest import _terminate_running

    yield
    await _terminate_running(request.getfixturevalue("dev_env"), request.getfixturevalue("api_settings").task_queue)
