"""P17 surges: a burst on one topic in one district gives one report and one «subsided»; the same volume
spread over districts gives none. Runs on the session database (PostgreSQL and SQLite)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.surge import detect
from domain.surge import SurgeConfig, decide
from models.readmodel import Message
from models.settings import Settings
from models.surges import Surge

CFG = SurgeConfig(window_minutes=120, baseline_weeks=4, min_count=5, ratio=3.0, subside_count=2)
T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # a Tuesday
DISTRICTS = ["vladikavkaz", "alagir", "ardon", "digora", "iraf", "kirovsky", "mozdok", "pravoberezhny", "prigorodny"]


def add(engine: Engine, n: int, start: datetime, locations: list[str], topic: str = "water") -> None:
    with Session(engine) as s:
        for i in range(n):
            wid = f"msg-vk-{topic}-{start:%m%d%H%M}-{i}"
            s.add(Message(workflow_id=wid, network="vk", external_id=wid, url=f"https://vk.com/{wid}", author_id="1",
                          text=f"Нет воды {i}", source="monitoring", state="new", topic=topic,
                          location=locations[i % len(locations)], detected_at=start + timedelta(minutes=3 * i)))
        s.commit()


def test_p17_a_burst_in_one_district_gives_one_report_and_one_subsided(db: Engine) -> None:
    for week in range(1, 5):  # the usual: one message a week at this time
        add(db, 1, T0 - timedelta(weeks=week), ["mozdok"])
    add(db, 9, T0, ["mozdok"])
    kinds = []
    for step in range(0, 24):  # every 15 minutes for 6 hours
        kinds += [(e.kind.value, e.data["location"]) for e in detect(db, CFG, T0 + timedelta(minutes=30 + 15 * step))]
    assert kinds == [("surge", "mozdok"), ("surge_subsided", "mozdok")]
    with Session(db) as s:
        surge = s.exec(select(Surge)).one()
        assert surge.status == "subsided" and len(surge.workflow_ids) == 9 and surge.peak_count == 9


def test_p17_the_same_volume_spread_over_districts_is_no_surge(db: Engine) -> None:
    add(db, 9, T0, DISTRICTS)
    assert [e for step in range(8) for e in detect(db, CFG, T0 + timedelta(minutes=30 + 15 * step))] == []


def test_a_count_that_is_usual_for_the_hour_is_no_surge() -> None:
    cell = ("water", "mozdok")
    assert decide({cell: 9}, {cell: 4.0}, [], CFG) == ([], [])
    assert decide({cell: 9}, {cell: 1.0}, [], CFG) == ([cell], [])
    assert decide({cell: 3}, {}, [cell], CFG) == ([], [])  # hysteresis: still active at 3
    assert decide({}, {}, [cell], CFG) == ([], [cell])


async def test_the_surge_schedule_is_created_once_at_worker_start(dev_env: WorkflowEnvironment) -> None:
    from workflows.schedules import SURGE_SCHEDULE_ID, ensure_schedules

    settings = Settings(task_queue="surge-test")
    with contextlib.suppress(RPCError):  # another test's worker on this shared server may have made it
        await dev_env.client.get_schedule_handle(SURGE_SCHEDULE_ID).delete()
    assert await ensure_schedules(dev_env.client, settings) == [SURGE_SCHEDULE_ID]
    assert await ensure_schedules(dev_env.client, settings) == []
    handle = dev_env.client.get_schedule_handle(SURGE_SCHEDULE_ID)
    desc = await handle.describe()
    assert desc.schedule.spec.intervals[0].every == timedelta(minutes=15)
    await handle.delete()
