"""The Otklik worker: every workflow and activity on the task queue ``otklik``.

``otklik worker`` runs it against an existing Temporal server and database (the production shape);
``otklik run`` starts it as a child process next to the dev server and the API.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from models.db import get_engine
from models.settings import Settings
from models.temporal_client import connect_options, worker_runtime
from workflows.codec import converter_for

log = logging.getLogger("otklik.worker")


def build_worker(client: Client, settings: Settings, executor: ThreadPoolExecutor) -> Worker:
    from activities import build_activities
    from workflows import ALL_WORKFLOWS

    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=ALL_WORKFLOWS,
        activities=build_activities(get_engine(settings.db_url), client, settings),
        activity_executor=executor,
        max_concurrent_activities=32,
        # After a worker dies its workflows' sticky queue is dead: tasks (and the API's updates) move to the
        # normal queue after this, well within the API's RPC bound (10 s), instead of the SDK's 10 s.
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=3),
    )


async def connect(settings: Settings, attempts: int = 30) -> Client:
    """Connect to Temporal, retrying for about ``attempts`` seconds (the server may still be starting)."""
    last: Exception | None = None
    runtime, options = worker_runtime(settings), connect_options(settings)  # config errors: not retried
    converter = converter_for(settings)  # payloads encrypted; CodecNotConfigured without keys
    for _ in range(attempts):
        try:
            return await Client.connect(
                settings.temporal_address,
                namespace=settings.temporal_namespace,
                data_converter=converter,
                runtime=runtime,
                **options,
            )
        except Exception as exc:  # connection refused while the server starts
            last = exc
            await asyncio.sleep(1)
    raise RuntimeError(f"Temporal at {settings.temporal_address} is unreachable: {last}")


async def run_worker(settings: Settings) -> None:
    client = await connect(settings)
    from workflows.client import ensure_triage_schedule
    from workflows.network_schedules import ensure_network_schedules

    await ensure_triage_schedule(client, settings)  # candidates past the triage target: ЦУР duty officer
    await ensure_network_schedules(client, settings)  # polling the watched communities into candidates
    from workflows.schedules import ensure_schedules

    await ensure_schedules(client, settings)  # surges (P17)
    from workflows.retention_schedule import ensure_retention_schedule

    log.info("retention schedule: %s", await ensure_retention_schedule(client, settings))
    from workflows.account_schedule import ensure_account_activity_schedule

    await ensure_account_activity_schedule(client, settings)  # A8: official accounts' publications, Mondays
    from activities.weekly_note import load_config as reports_config
    from workflows.weekly_note import ensure_weekly_note_schedule

    await ensure_weekly_note_schedule(client, settings.task_queue, reports_config())  # P16, Mondays 09:00 МСК
    from workflows.rating_schedule import ensure_rating_schedule

    log.info("quarterly rating schedule: %s", await ensure_rating_schedule(client, settings))  # A11-A13
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    with ThreadPoolExecutor(max_workers=32, thread_name_prefix="otklik-activity") as executor:
        worker = build_worker(client, settings, executor)
        log.info("worker polling task queue %r on %s", settings.task_queue, settings.temporal_address)
        async with worker:
            await stop.wait()
        log.info("worker stopped")
