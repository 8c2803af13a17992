"""A minimal workflow that runs ``publish_answer`` as a regular activity with retries (publication tests),
and ``python -m tests.networks.publish_workflow`` — a worker process for it that a test can kill."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.messages import PublishRequest, PublishResult


@workflow.defn(name="PublishOnceTest")
class PublishOnce:
    @workflow.run
    async def run(self, req: PublishRequest) -> PublishResult:
        return await workflow.execute_activity(
            "publish_answer", req, result_type=PublishResult, start_to_close_timeout=timedelta(seconds=3),
            retry_policy=RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_attempts=10))


async def _serve(address: str, task_queue: str) -> None:
    from temporalio.client import Client
    from temporalio.worker import Worker

    from activities.networks.publish import network_activities
    from models.db import make_engine
    from models.settings import Settings
    from workflows.codec import converter_for

    settings = Settings()  # OTKLIK_DATABASE_URL, OTKLIK_VK_API_URL, OTKLIK_SECRET_KEY from the environment
    client = await Client.connect(address, data_converter=converter_for(settings))  # the parent's codec keys
    worker = Worker(client, task_queue=task_queue, workflows=[PublishOnce],
                    activities=network_activities(make_engine(settings.db_url), settings))
    print("worker ready", flush=True)
    await worker.run()


if __name__ == "__main__":
    try:
        asyncio.run(_serve(sys.argv[1], sys.argv[2]))
    finally:
        os._exit(0)
