"""One lazily-connected Temporal client per API process (bound to the app's event loop)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio.client import Client

from models.settings import Settings
from workflows.codec import converter_for


class TemporalUnavailable(RuntimeError):
    """Temporal cannot be reached; the API answers 503."""


class TemporalGateway:
    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._settings = settings
        self._client = client
        # Payloads are encrypted (workflows/codec.py); without keys the API refuses to start.
        self._converter = converter_for(settings) if client is None else client.data_converter
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                try:
                    self._client = await asyncio.wait_for(
                        Client.connect(
                            self._settings.temporal_address,
                            namespace=self._settings.temporal_namespace,
                            data_converter=self._converter,
                        ),
                        timeout=5,
                    )
                except Exception as exc:
                    raise TemporalUnavailable(str(exc) or type(exc).__name__) from exc
        return self._client

    async def check(self) -> None:
        """Raise TemporalUnavailable unless the frontend answers its health check now."""
        client = await self.client()
        try:
            ok = await client.service_client.check_health(timeout=timedelta(seconds=2))
        except Exception as exc:
            raise TemporalUnavailable(str(exc) or type(exc).__name__) from exc
        if not ok:
            raise TemporalUnavailable("сервер Temporal сообщает о неготовности")
