"""A delivery worker in its own process, to be killed mid-delivery: ``python -m tests.fakes.worker_proc
'<settings JSON>' <temporal address>``. Prints ``ready`` once polling."""

from __future__ import annotations

import asyncio
import json
import sys

from temporalio.client import Client
from temporalio.worker import Worker

from activities.delivery import delivery_activities
from models.db import make_engine
from models.settings import Settings
from tests.fakes.emit import EmitWorkflow
from workflows.codec import converter_for
from workflows.delivery import DeliveryWorkflow, DigestWorkflow


async def main(settings: Settings, address: str) -> None:
    # the same encryption as the test's client: OTKLIK_CODEC_KEYS comes from the parent's environment
    client = await Client.connect(address, data_converter=converter_for(settings))
    engine = make_engine(settings.db_url)
    worker = Worker(client, task_queue=settings.task_queue, workflows=[DeliveryWorkflow, DigestWorkflow, EmitWorkflow],
                    activities=delivery_activities(engine, client, settings))
    async with worker:
        print("ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(Settings(**json.loads(sys.argv[1])), sys.argv[2]))
