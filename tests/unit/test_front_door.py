"""The front door's parts without a server: per-route limits, the failed-authentication counter."""

from __future__ import annotations

from api.middleware import WINDOW, AuthFailures, body_limit
from models.settings import Settings


def test_body_limits_per_route():
    s = Settings(max_body_bytes=100_000, vk_callback_max_body_bytes=20_000)
    assert body_limit(s, "/api/v1/integrations/vk/callback") == 20_000
    assert body_limit(s, "/api/v1/messages") == 100_000
    assert body_limit(s, "/codec/decode") == 8 * 1_048_576  # whole history pages for the UI


def test_failed_authentications_block_an_address_for_what_is_left_of_the_minute():
    now = [1000.0]
    failures = AuthFailures(limit=3, clock=lambda: now[0])
    assert failures.retry_after("10.0.0.1") is None
    assert failures.record("10.0.0.1") is False
    now[0] += 10
    failures.record("10.0.0.1")
    assert failures.retry_after("10.0.0.1") is None  # two of three
    now[0] += 10
    assert failures.record("10.0.0.1") is True
    assert failures.retry_after("10.0.0.1") == 40  # the first failure leaves the window in 40 s
    assert failures.retry_after("10.0.0.2") is None  # per address
    now[0] += 41
    assert failures.retry_after("10.0.0.1") is None
    now[0] += WINDOW
    assert failures.retry_after("10.0.0.1") is None and failures._seen == {}  # forgotten


def test_memory_is_bounded_under_a_flood_of_addresses(monkeypatch):
    import api.middleware as mw

    monkeypatch.setattr(mw, "MAX_TRACKED", 100)
    failures = AuthFailures(limit=5)
    for i in range(1000):
        failures.record(f"10.0.{i // 256}.{i % 256}")
    assert len(failures._seen) <= 100
