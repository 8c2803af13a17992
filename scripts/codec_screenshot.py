"""Screenshots of the Temporal Web UI reading a message through Otklik's codec endpoint (docs/).

    .venv/bin/python scripts/codec_screenshot.py [--out docs]

Needs Debian's Chromium (``apt-get install chromium``: /usr/bin/chromium) and the ``playwright`` package
(driving that Chromium; no browser download). Starts ``otklik run`` in a scratch data directory on free
ports, creates a curator and an operator with ``otklik user add``, takes one message in over HTTP, then:

1. opens the message's workflow in the UI without an operator's session — the codec endpoint answers 401,
   the UI says "Codec Server could not connect" and shows the ciphertext (``temporal-ui-without-codec.png``);
2. checks ``temporal workflow show --codec-endpoint … --codec-auth "Bearer <operator token>"`` decodes;
3. logs in at ``/codec/session`` with the operator's token, ticks "Include cross-origin credentials"
   (the UI's codec settings, kept in the browser's localStorage), reloads — the author, id and text are
   shown, decoded by the API (``temporal-ui-with-codec.png``).

Exits non-zero when the decoded page does not show the author's name.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
AUTHOR = "Зарина Хадикова"
TEXT = "Во дворе дома 17 по улице Кырджалийской прорвало трубу, подвал залит третьи сутки."
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def otklik(env: dict[str, str], *args: str) -> str:
    res = subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    if res.returncode != 0:
        raise RuntimeError(res.stderr)
    return res.stdout.strip().splitlines()[-1]


def _payload_bytes(history_json: str) -> bytes:
    """Every payload's data in a ``temporal workflow show -o json`` history, decoded from base64."""
    found: list[bytes] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("data"), str) and "metadata" in node:
                found.append(base64.b64decode(node["data"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(history_json))
    return b"".join(found)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="otklik-ui-") as tmp:
        t_port, ui_port, api_port = free_port(), free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")} | {
            "OTKLIK_DATA_DIR": tmp, "OTKLIK_TEMPORAL_ADDRESS": f"127.0.0.1:{t_port}",
            "OTKLIK_TEMPORAL_UI_PORT": str(ui_port), "OTKLIK_API_PORT": str(api_port)}
        log = open(Path(tmp) / "run.log", "wb")
        run = subprocess.Popen([sys.executable, "-m", "cli", "run"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
        api = f"http://localhost:{api_port}"
        try:
            end = time.monotonic() + 120
            while True:
                if run.poll() is not None or time.monotonic() > end:
                    raise RuntimeError((Path(tmp) / "run.log").read_text())
                try:
                    if httpx.get(f"{api}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass  # the API is still starting: poll again
                time.sleep(0.5)
            curator = otklik(env, "user", "add", "--name", "Гаглоева Залина", "--role", "curator")
            operator = otklik(env, "user", "add", "--name", "Оператор Temporal", "--role", "operator")
            r = httpx.post(f"{api}/api/v1/messages", headers={"Authorization": f"Bearer {curator}"}, timeout=30,
                           json={"network": "vk", "external_id": "wall-1_17_reply5",
                                 "url": "https://vk.com/wall-1_17?reply=5",
                                 "author": {"id": "id73910464", "name": AUTHOR}, "text": TEXT})
            r.raise_for_status()
            workflow_id = r.json()["workflow_id"]
            # Routed, so the operator's details show a holder and the running deadlines (issue 8 item 7).
            r = httpx.post(f"{api}/api/v1/messages/{workflow_id}/route", headers={"Authorization": f"Bearer {curator}"},
                           timeout=30, json={"bodies": ["gkh"], "classification": {
                               "topic": "water", "location": "vladikavkaz"}})
            r.raise_for_status()
            page_url = f"http://localhost:{ui_port}/namespaces/default/workflows/{workflow_id}"

            # The Temporal CLI decodes through the same endpoint with an operator's token.
            temporal = str(Path(sys.executable).parent / "temporal")
            show = [temporal, "workflow", "show", "-w", workflow_id, "--address", f"127.0.0.1:{t_port}", "-o", "json"]
            plain = subprocess.run(show, capture_output=True, text=True, timeout=60).stdout
            decoded = subprocess.run([*show, "--codec-endpoint", f"{api}/codec", "--codec-auth", f"Bearer {operator}"],
                                     capture_output=True, text=True, timeout=60).stdout
            encrypted = base64.b64encode(b"binary/encrypted").decode()
            if encrypted not in plain or encrypted in decoded or AUTHOR.encode() not in _payload_bytes(decoded):
                raise RuntimeError("temporal workflow show: the codec endpoint did not decode for the operator")

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
                context = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="ru-RU")
                page = context.new_page()
                page.goto(page_url)
                try:
                    # The UI calls the codec without credentials: 401, it says so and shows the ciphertext.
                    page.get_by_text("Codec Server could not connect").filter(visible=True).first.wait_for(timeout=60_000)
                except Exception:
                    page.screenshot(path=str(args.out / "debug.png"), full_page=True)
                    (args.out / "debug.html").write_text(page.content())
                    raise
                page.screenshot(path=str(args.out / "temporal-ui-without-codec.png"), full_page=True)

                page.goto(f"{api}/codec/session")
                page.fill("input[name=token]", operator)
                page.click("button[type=submit]")
                page.get_by_text("Вход выполнен").wait_for(timeout=10_000)
                page.goto(f"http://localhost:{ui_port}/")
                page.evaluate("""(endpoint) => {
                    localStorage.setItem('endpoint', JSON.stringify(endpoint));
                    localStorage.setItem('includeCredentials', 'true');
                    localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
                }""", f"{api}/codec")
                page.goto(page_url)
                try:
                    page.get_by_text(AUTHOR).filter(visible=True).first.wait_for(timeout=60_000)
                except Exception:
                    page.screenshot(path=str(args.out / "debug.png"), full_page=True)
                    raise
                page.screenshot(path=str(args.out / "temporal-ui-with-codec.png"), full_page=True)
                # What an operator reads without decoding JSON: the summary, the current details, the timers.
                page.get_by_text("User Metadata", exact=True).first.click()
                page.wait_for_timeout(4000)
                page.screenshot(path=str(args.out / "temporal-ui-user-metadata.png"), full_page=True)
                page.get_by_text("Event History", exact=False).first.click()
                page.wait_for_timeout(1500)
                page.wait_for_timeout(2500)
                page.screenshot(path=str(args.out / "temporal-ui-timers.png"), full_page=True)
                browser.close()
            print(json.dumps({"workflow_id": workflow_id, "screenshots": [
                str(args.out / "temporal-ui-without-codec.png"), str(args.out / "temporal-ui-with-codec.png"),
                str(args.out / "temporal-ui-user-metadata.png"), str(args.out / "temporal-ui-timers.png")]},
                ensure_ascii=False))
            return 0
        finally:
            run.send_signal(signal.SIGTERM)
            run.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
