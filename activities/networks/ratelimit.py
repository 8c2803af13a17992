"""Per-token request limits of the networks' APIs, shared by every client in the process.

VK allows 3 requests per second with a user token and 20 with a community token (dev.vk.com, «Ограничения
и рекомендации»). A sliding one-second window per token, keyed by the token's SHA-256 (the token itself
is never kept here): a caller waits for a free slot instead of earning error 6.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections import deque

VK_USER_RPS = 3
VK_COMMUNITY_RPS = 20
OK_RPS = 4  # OK publishes no per-token figure; a cautious default (its flood control answers 8)
PERIOD = 1.1  # a tenth of a second of margin: the network counts arrivals, we count departures


class SlidingWindow:
    """At most ``rate`` acquisitions in any ``period`` seconds. Thread- and loop-safe (one lock, short waits)."""

    def __init__(self, rate: int, period: float = 1.0) -> None:
        self.rate = rate
        self.period = period
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        """Take a slot now (0.0) or say how long to wait before trying again."""
        with self._lock:
            now = time.monotonic()
            while self._stamps and now - self._stamps[0] >= self.period:
                self._stamps.popleft()
            if len(self._stamps) < self.rate:
                self._stamps.append(now)
                return 0.0
            return self.period - (now - self._stamps[0]) + 0.001

    async def acquire(self) -> None:
        while (wait := self._reserve()) > 0:
            await asyncio.sleep(wait)


_windows: dict[str, SlidingWindow] = {}
_registry_lock = threading.Lock()


def window_for(token: str, rate: int) -> SlidingWindow:
    """The process-wide window of this token (created on first use)."""
    key = hashlib.sha256(token.encode()).hexdigest() + f":{rate}"
    with _registry_lock:
        win = _windows.get(key)
        if win is None:
            win = _windows[key] = SlidingWindow(rate, PERIOD)
        return win
