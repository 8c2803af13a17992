"""Monitoring reads VK discussion boards too: every citizen's comment in a topic becomes a candidate exactly once."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine
from temporalio.testing import ActivityEnvironment

from activities.networks.monitor import NetworkMonitor
from domain.monitoring import MonitorTarget
from models.settings import Settings
from tests.fakes.vk import RunningFakeVk
from tests.networks.test_monitor import GID, KEY, SERVICE, TOKEN, add_account, candidates, vk  # noqa: F401


def _setup(db: Engine, db_url: str, fake: RunningFakeVk) -> tuple[Settings, MonitorTarget]:
    account = add_account(db, "vk", f"https://vk.com/club{GID}", str(GID), TOKEN)
    settings = Settings(database_url=db_url, vk_api_url=fake.base_url, secret_key=KEY, monitor_recent_posts=10,
                        vk_service_token=SERVICE)
    return settings, MonitorTarget(account_id=account, network="vk", url=f"https://vk.com/club{GID}")  # type: ignore[arg-type]


async def test_topic_comments_once_across_overlapping_runs_and_new_ones_later(
        db: Engine, db_url: str, vk: RunningFakeVk) -> None:  # noqa: F811
    f = vk.vk
    settings, target = _setup(db, db_url, vk)
    topic = f.add_topic(GID, "Вопросы о дорогах Моздокского района", -GID, "Пишите о ямах и ремонте")
    first = f.add_board_comment(GID, topic, 811, "На въезде в Моздок со стороны Прохладного яма")
    f.add_board_comment(GID, topic, -GID, "Передали в дорожную службу")  # the community's answer: skipped
    quiet = f.add_topic(GID, "Архив", -GID, "Старая тема")
    env = ActivityEnvironment()
    a, b = await asyncio.gather(env.run(NetworkMonitor(db, settings).poll_community, target),
                                env.run(NetworkMonitor(db, settings).poll_community, target))
    assert a.comments + b.comments == 1 and not a.warning and not b.warning
    assert candidates(db) == [(f"topic-{GID}_{topic}_post{first}", "topic_comment",
                               "На въезде в Моздок со стороны Прохладного яма")]
    more = [f.add_board_comment(GID, topic, 812 + i, f"И на улице Кирова яма №{i}") for i in range(3)]
    later = f.add_board_comment(GID, quiet, 820, "В Кизляре тоже нет освещения")
    again = await env.run(NetworkMonitor(db, settings).poll_community, target)
    assert again.comments == 4
    ids = {x[0] for x in candidates(db)}
    assert {f"topic-{GID}_{topic}_post{c}" for c in more} | {f"topic-{GID}_{quiet}_post{later}"} <= ids
    assert len(ids) == 5
    assert (await env.run(NetworkMonitor(db, settings).poll_community, target)).comments == 0


async def test_a_board_the_service_key_may_not_read_does_not_fail_the_wall(
        db: Engine, db_url: str, vk: RunningFakeVk) -> None:  # noqa: F811
    f = vk.vk
    settings, target = _setup(db, db_url, vk)
    f.add_post(-GID, 830, "Не вывозят мусор в Моздоке")
    f.boards_off.add(GID)
    result = await ActivityEnvironment().run(NetworkMonitor(db, settings).poll_community, target)
    assert result.posts == 1 and "Обсуждения сообщества" in result.warning and "доступ запрещён" in result.warning
