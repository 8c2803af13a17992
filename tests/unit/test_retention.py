"""Retention of authors' personal data in the read model: the activity directly, and its Schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from activities.retention import REMOVED, remove_personal_data_now
from domain.retention import RetentionRequest
from models.candidates import Candidate
from models.readmodel import Deadline, Message, MessageEvent
from models.settings import Settings
from workflows.retention import SCHEDULE_ID
from workflows.retention_schedule import ensure_retention_schedule

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _message(wid: str, closed_days_ago: int | None) -> Message:
    closed = NOW - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
    return Message(
        workflow_id=wid, network="vk", external_id=wid.removeprefix("msg-vk-"), url=f"https://vk.com/{wid}",
        author_id="id555", author_name="Алан Цаголов", author_url="https://vk.com/id555",
        text="Нет воды на улице Ленина", source="monitoring", state="answered" if closed else "in_progress",
        topic="water_outage", location="vladikavkaz", importance="ordinary", bodies=["gkh"],
        detected_at=NOW - timedelta(days=400), closed_at=closed, breached=True, breaches_count=1,
        outcome="answered" if closed else None, events_count=7)


def test_personal_data_of_long_closed_messages_is_removed_and_statistics_kept(db):
    with Session(db) as s:
        s.add_all([_message("msg-vk-old", 400), _message("msg-vk-recent", 10), _message("msg-vk-open", None)])
        s.add(MessageEvent(workflow_id="msg-vk-old", seq=5, at=NOW - timedelta(days=401), kind="author_replied",
                           state="in_progress", text="Автор ответил: спасибо, Алан Цаголов", data={"event_id": "r1"}))
        s.add(Deadline(workflow_id="msg-vk-old", deadline_id="p9", step="answer", title="Ответ", rule="P9",
                       body="gkh", opened_at=NOW - timedelta(days=401), due=NOW - timedelta(days=400),
                       status="closed", met=False, breached=True, overrun_minutes=30))
        s.add(Candidate(network="vk", external_id="wall-1_9", kind="post", source="vk_callback",
                        url="https://vk.com/wall-1_9", author_id="id9", author_name="Мадина Т.", text="Жалоба",
                        raw_payload='{"from_id": 9}', arrived_at=NOW - timedelta(days=500), status="skipped"))
        s.add(Candidate(network="vk", external_id="wall-1_10", kind="post", source="vk_callback",
                        url="https://vk.com/wall-1_10", author_id="id10", author_name="Ждёт разбора", text="Новое",
                        arrived_at=NOW - timedelta(days=500), status="new"))
        s.commit()

    result = remove_personal_data_now(db, RetentionRequest(days=365, batch=1), NOW)
    assert (result.messages, result.candidates) == (1, 1)
    with Session(db) as s:
        old = s.exec(select(Message).where(Message.workflow_id == "msg-vk-old")).one()
        assert (old.author_id, old.author_name, old.author_url, old.text, old.url) == (REMOVED, "", None, "", "")
        # What statistics and ratings are built from stays.
        assert (old.topic, old.location, old.bodies, old.state, old.breached, old.outcome) == (
            "water_outage", "vladikavkaz", ["gkh"], "answered", True, "answered")
        assert old.external_id == "old"  # the dedupe key
        reply = s.exec(select(MessageEvent).where(MessageEvent.workflow_id == "msg-vk-old")).one()
        assert "Цаголов" not in reply.text and reply.data == {}
        assert s.exec(select(Deadline)).one().overrun_minutes == 30
        for wid in ("msg-vk-recent", "msg-vk-open"):  # closed within the period, or still open: untouched
            assert s.exec(select(Message).where(Message.workflow_id == wid)).one().author_name == "Алан Цаголов"
        waiting, skipped = sorted(s.exec(select(Candidate)).all(), key=lambda c: c.status)
        assert (skipped.author_name, skipped.text, skipped.raw_payload) == ("", "", None)
        assert waiting.author_name == "Ждёт разбора"  # not decided yet

    again = remove_personal_data_now(db, RetentionRequest(days=365), NOW)  # idempotent
    assert (again.messages, again.candidates) == (0, 0)


async def test_retention_schedule_is_created_updated_and_removed_idempotently(dev_env):
    client = dev_env.client
    settings = Settings(personal_data_retention_days=30, task_queue="retention-test")
    off = settings.model_copy(update={"personal_data_retention_days": 0})
    await ensure_retention_schedule(client, off)  # a worker process of another test may have created it
    assert await ensure_retention_schedule(client, settings) == "created"
    assert await ensure_retention_schedule(client, settings.model_copy(update={"personal_data_retention_days": 90})) \
        == "updated"
    desc = await client.get_schedule_handle(SCHEDULE_ID).describe()
    args = await client.data_converter.decode(desc.schedule.action.args)  # type: ignore[union-attr]
    assert args[0]["days"] == 90
    assert desc.schedule.spec.time_zone_name == "Europe/Moscow"
    assert await ensure_retention_schedule(client, off) == "deleted"
    assert await ensure_retention_schedule(client, off) == "off"


def test_a9_moderation_evidence_is_removed_after_the_period_unless_the_ban_still_holds(db):
    """The deleted comment's text and its author's id are personal data: kept for the period, then removed —
    except while the author's restriction is in force (its ground); the decision itself stays."""
    from models.account_checks import ModerationAction
    from models.registry import Body, Person, SocialAccount

    with Session(db) as s:
        body = Body(code="minzdrav", name="Министерство здравоохранения")
        s.add(body)
        s.flush()
        person = Person(full_name="Куратор", roles=["curator"], body_id=body.id)
        account = SocialAccount(network="vk", url="https://vk.com/minzdrav", body_id=body.id or 0, network_id="1")
        s.add_all([person, account])
        s.flush()

        def row(days_ago: int, **kw):  # type: ignore[no-untyped-def]
            r = ModerationAction(account_id=account.id or 0, person_id=person.id or 0, comment_url="https://vk.com/x",
                                 created_at=NOW - timedelta(days=days_ago), reason="insult", status="done",
                                 author_id="4242", text_snapshot="оскорбление", deleted=True, **kw)
            s.add(r)
            return r

        old = row(400)
        fresh = row(30)
        forever = row(400, ban_requested=True, banned=True, ban_forever=True)
        holding = row(400, ban_requested=True, banned=True, ban_until=NOW + timedelta(days=1))
        over = row(400, ban_requested=True, banned=True, ban_until=NOW - timedelta(days=1))
        s.commit()
        ids = {k: r.id for k, r in {"old": old, "fresh": fresh, "forever": forever, "holding": holding,
                                      "over": over}.items()}
    result = remove_personal_data_now(db, RetentionRequest(days=365), NOW)
    assert result.moderation == 2
    with Session(db) as s:
        got = {k: s.get(ModerationAction, i) for k, i in ids.items()}
        assert all(r is not None for r in got.values())
        cleared = {k for k, r in got.items() if r.author_id is None and r.text_snapshot is None}
        assert cleared == {"old", "over"}
        assert got["old"].reason == "insult" and got["old"].deleted and got["old"].status == "done"
    assert remove_personal_data_now(db, RetentionRequest(days=365), NOW).moderation == 0  # idempotent
