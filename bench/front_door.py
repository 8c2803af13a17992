"""The front door under the issue-14 attacks, against the API as ``otklik api`` serves it (uvicorn, loopback).

    .venv/bin/python bench/front_door.py [--megabytes 300] [--tokens 2000]

Starts ``uvicorn api.main:create_app`` on 127.0.0.1 with a scratch SQLite database (no Temporal needed:
nothing here reaches it), then:

* streams ``--megabytes`` of body to the unauthenticated VK callback, without ``Content-Length``, and
  prints the answer, how long it took and the API's resident memory before and after;
* sends ``--tokens`` random bearer tokens as fast as one client can and prints how many got 401 and 429,
  and how many lines the security log wrote.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from models.migrate import upgrade  # noqa: E402
from workflows.codec import new_key_line  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--megabytes", type=int, default=300)
    parser.add_argument("--tokens", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="otklik-front-door-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'otklik.db'}"
        upgrade(db_url)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            nowhere = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")} | {
            "OTKLIK_DATABASE_URL": db_url, "OTKLIK_DATA_DIR": tmp, "OTKLIK_CODEC_KEYS": new_key_line("bench"),
            "OTKLIK_TEMPORAL_ADDRESS": f"127.0.0.1:{nowhere}", "PYTHONPATH": str(ROOT)}
        log = open(Path(tmp) / "api.log", "wb")
        api = subprocess.Popen([sys.executable, "-m", "uvicorn", "api.main:create_app", "--factory", "--host",
                                "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            end = time.monotonic() + 60
            while time.monotonic() < end:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            before = rss_mb(api.pid)
            chunk = b"a" * 1_048_576

            def body():
                for _ in range(args.megabytes):
                    yield chunk

            t0 = time.perf_counter()
            try:
                res = httpx.post(f"{base}/api/v1/integrations/vk/callback", content=body(), timeout=60,
                                 headers={"Content-Type": "application/json"})
                answer = f"{res.status_code} {res.json()['detail']}"
            except httpx.HTTPError as exc:  # the server may close the socket while we still send
                answer = f"connection closed by the API ({type(exc).__name__})"
            took = time.perf_counter() - t0
            print(f"VK callback, {args.megabytes} MB chunked: {answer}; {took * 1000:.0f} ms; "
                  f"API RSS {before:.0f} MB → {rss_mb(api.pid):.0f} MB")

            codes: Counter[int] = Counter()
            t0 = time.perf_counter()
            with httpx.Client(base_url=base, timeout=10) as client:
                for _ in range(args.tokens):
                    r = client.get("/api/v1/messages", headers={"Authorization": f"Bearer {secrets.token_hex(16)}"})
                    codes[r.status_code] += 1
            took = time.perf_counter() - t0
            log.flush()
            lines = (Path(tmp) / "api.log").read_text(errors="replace").splitlines()
            security = [line for line in lines if "authentication failed" in line or "blocked" in line]
            print(f"{args.tokens} random tokens in {took:.1f} s ({args.tokens / took:.0f}/s): "
                  + ", ".join(f"{n}×{code}" for code, n in sorted(codes.items()))
                  + f"; security log lines: {len(security)}")
        finally:
            api.terminate()
            api.wait(timeout=20)


if __name__ == "__main__":
    main()
