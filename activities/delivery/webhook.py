"""Signed webhooks for a body's own system.

``POST <url>`` with a JSON body and the headers

* ``X-Otklik-Timestamp`` — Unix seconds when this attempt was signed;
* ``X-Otklik-Signature`` — ``sha256=`` + hex HMAC-SHA256 with the contact's secret over
  ``<timestamp>.<body bytes>``;
* ``X-Otklik-Idempotency-Key`` — the same on every retry of the same (notification, recipient, channel):
  the receiver processes a key once.

The receiver must reject a timestamp more than ``OTKLIK_WEBHOOK_REPLAY_WINDOW_SECONDS`` (300 s by default)
from its clock, and keep the keys it saw for at least that window (``verify_signature`` does the check).
Any 2xx is success; 408, 429 and 5xx are retried; other 4xx mean a wrong address (not retried).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from activities.delivery.errors import InvalidAddress
from activities.delivery.http import post_json
from models.settings import Settings


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, sig: str, now: float, window: int = 300) -> bool:
    """The receiver's check: a valid signature over a fresh timestamp."""
    try:
        fresh = abs(now - int(timestamp)) <= window
    except ValueError:
        return False
    return fresh and hmac.compare_digest(signature(secret, timestamp, body), sig)


async def send_webhook(settings: Settings, url: str, secret: str, payload: dict[str, Any], idem: str,
                       now: float) -> str:
    if not url.startswith(("http://", "https://")):
        raise InvalidAddress(f"webhook: неверный адрес {url!r}")
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()
    ts = str(int(now))
    headers = {"X-Otklik-Timestamp": ts, "X-Otklik-Idempotency-Key": idem, "X-Otklik-Event": str(payload["kind"])}
    if secret:
        headers["X-Otklik-Signature"] = signature(secret, ts, body)
    await post_json("webhook", url, json_body=body, headers=headers, settings=settings)
    return idem
