"""One lazily-connected Temporal client per API process (bound to the app's event loop)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, Interceptor, OutboundInterceptor

from models.settings import Settings
from models.temporal_client import connect_options
from workflows.codec import converter_for


class TemporalUnavailable(RuntimeError):
    """Temporal cannot be reached; the API answers 503."""


class RpcTimeouts(Interceptor):
    """Every call the API makes to Temporal carries a deadline (``OTKLIK_TEMPORAL_RPC_TIMEOUT``) unless the
    caller set one: a frozen server or a worker that does not take an update answers 503 within it
    (``WorkflowUpdateRPCTimeoutOrCancelledError`` / ``DEADLINE_EXCEEDED``, see ``api/errors.py``)."""

    def __init__(self, seconds: float) -> None:
        self.timeout = timedelta(seconds=seconds)

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _RpcTimeoutsOutbound(next, self.timeout)


class _RpcTimeoutsOutbound(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, timeout: timedelta) -> None:
        super().__init__(next)
        self._timeout = timeout

    def _bound(self, inp: Any) -> Any:
        if getattr(inp, "rpc_timeout", 0) is None:
            inp.rpc_timeout = self._timeout
        return inp

    async def start_workflow(self, input: Any) -> Any:
        return await super().start_workflow(self._bound(input))

    async def describe_workflow(self, input: Any) -> Any:
        return await super().describe_workflow(self._bound(input))

    async def query_workflow(self, input: Any) -> Any:
        return await super().query_workflow(self._bound(input))

    async def signal_workflow(self, input: Any) -> None:
        await super().signal_workflow(self._bound(input))

    async def start_workflow_update(self, input: Any) -> Any:
        return await super().start_workflow_update(self._bound(input))

    async def count_workflows(self, input: Any) -> Any:
        return await super().count_workflows(self._bound(input))


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
                            interceptors=[RpcTimeouts(self._settings.temporal_rpc_timeout)],
                            **connect_options(self._settings),
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

    async def pollers(self) -> int:
        """How many workers polled the task queue for workflow tasks in the last ``POLLER_FRESH``."""
        client = await self.client()
        try:
            resp = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(namespace=self._settings.temporal_namespace,
                                         task_queue=TaskQueue(name=self._settings.task_queue),
                                         task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW),
                timeout=timedelta(seconds=2))
        except Exception as exc:
            raise TemporalUnavailable(str(exc) or type(exc).__name__) from exc
        edge = datetime.now(UTC) - POLLER_FRESH
        return sum(1 for p in resp.pollers if p.last_access_time.ToDatetime(tzinfo=UTC) >= edge)


# A worker long-polls for up to a minute; one seen within this window is polling.
POLLER_FRESH = timedelta(seconds=90)
