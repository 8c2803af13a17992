"""Monitoring refuses items that break the bounds (issue 14) without stalling the community's cursor."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment

from activities.networks.monitor import NetworkMonitor
from domain.monitoring import MonitorTarget
from models.candidates import Candidate
from models.settings import Settings
from tests.fakes.vk import RunningFakeVk
from tests.networks.test_monitor import GID, KEY, SERVICE, TOKEN, add_account

pytestmark = pytest.mark.db


async def test_vk_poll_skips_a_year_9999_post_keeps_the_rest_and_drops_a_future_time(
        db: Engine, db_url: str, fake_vk: RunningFakeVk) -> None:
    fake_vk.vk.add_group(GID, "mozdok_adm", "АМС Моздокского района", token=TOKEN)
    fake_vk.vk.add_token(SERVICE, "service")
    account = add_account(db, "vk", "https://vk.com/mozdok_adm", None, TOKEN)
    f = fake_vk.vk
    f.add_post(-GID, 801, "Запись из 9999 года", date=253402214400)  # 9999-12-31
    f.add_post(-GID, 802, "Запись из будущего", date=int(time.time()) + 86400 * 3)
    f.add_post(-GID, 803, "Обычная жалоба на дорогу")
    settings = Settings(database_url=db_url, vk_api_url=fake_vk.base_url, secret_key=KEY, monitor_recent_posts=10,
                        vk_service_token=SERVICE)
    target = MonitorTarget(account_id=account, network="vk", url="https://vk.com/mozdok_adm")  # type: ignore[arg-type]
    result = await ActivityEnvironment().run(NetworkMonitor(db, settings).poll_community, target)
    assert result.posts == 2
    with Session(db) as s:
        rows = {c.text: c for c in s.exec(select(Candidate)).all()}
    assert set(rows) == {"Запись из будущего", "Обычная жалоба на дорогу"}
    assert rows["Запись из будущего"].posted_at is None and rows["Обычная жалоба на дорогу"].posted_at is not None
    again = await ActivityEnvironment().run(NetworkMonitor(db, settings).poll_community, target)
    assert again.posts == 0  # the cursor moved past the refused item
