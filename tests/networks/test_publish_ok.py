"""P9 in Odnoklassniki: a reply in the topic's discussion from the group, once, read back; links verified."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.testing import ActivityEnvironment

from activities.networks.publish import NetworkPublisher
from domain.messages import Network, PublishRequest
from domain.ok import comment_url, topic_url
from domain.publication import VerifyRequest
from models.registry import Body, SocialAccount
from models.secrets import encrypt_token
from models.settings import Settings
from tests.fakes.ok import RunningFakeOk

KEY = "publish-ok-secret-key-0123"
GID = "70000005550001"
TOKEN = "ok-group-token-alagir"


def connect(engine: Engine) -> None:
    with Session(engine) as s:
        body = Body(code="alagir_adm", name="АМС Алагирского района")
        s.add(body)
        s.flush()
        acc = SocialAccount(network="ok", url=f"https://ok.ru/group/{GID}", body_id=body.id,  # type: ignore[arg-type]
                            network_id=GID, auto_publish=True)
        s.add(acc)
        s.flush()
        acc.token_cipher = encrypt_token(TOKEN, KEY, acc.id or 0)
        s.commit()


async def test_reply_once_and_verify(db: Engine, db_url: str, fake_ok: RunningFakeOk) -> None:
    f = fake_ok.ok
    f.add_group(GID, "АМС Алагирского района", token=TOKEN)
    topic = f.add_topic(GID, "6001", "В Алагире не вывозят мусор")
    asked = f.add_comment(topic, "6002", "Уже неделю")
    connect(db)
    settings = Settings(database_url=db_url, secret_key=KEY, ok_api_url=fake_ok.base_url,
                        ok_application_key=fake_ok.app_key, ok_application_secret_key=fake_ok.app_secret)
    pub = NetworkPublisher(db, settings)
    req = PublishRequest(workflow_id="msg-ok-1", network=Network.ok, body="alagir_adm", draft_id="d1",
                         text="График вывоза восстановлен с понедельника.", reply_to_url=comment_url(GID, topic, asked))
    env = ActivityEnvironment()
    first = await env.run(pub.publish_answer, req)
    again = await env.run(pub.publish_answer, req)  # a retry: the same uuid
    assert first.status == "published" and first.verified and first.published_at is not None
    assert again.url == first.url
    answers = [c for c in f.comments[topic] if c["author_type"] == "GROUP"]
    assert len(answers) == 1 and answers[0]["reply_to_comment_id"] == asked
    assert f.bad_signatures == 0
    check = await env.run(pub.verify_publication, VerifyRequest(
        workflow_id="msg-ok-1", network=Network.ok, body="alagir_adm", message_url=topic_url(GID, topic),
        published_url=first.url or ""))
    assert check.verified and check.from_community and check.published_at == first.published_at


def _settings(db_url: str, fake_ok: RunningFakeOk, **over: object) -> Settings:
    return Settings(database_url=db_url, secret_key=KEY, ok_api_url=fake_ok.base_url, ok_application_key=fake_ok.app_key,
                    ok_application_secret_key=fake_ok.app_secret, **over)  # type: ignore[arg-type]


async def test_a_retried_attempt_adopts_the_groups_reply_even_if_ok_ignored_the_uuid(
        db: Engine, db_url: str, fake_ok: RunningFakeOk) -> None:
    f = fake_ok.ok
    f.add_group(GID, "АМС Алагирского района", token=TOKEN)
    topic = f.add_topic(GID, "6001", "В Алагире нет света")
    asked = f.add_comment(topic, "6002", "С утра")
    text = "Аварийная бригада на месте."
    f.add_comment(topic, GID, text, asked, as_group=True)  # attempt 1 wrote it; OK kept no uuid for it
    connect(db)
    env = ActivityEnvironment()
    env.info = env.info.__class__(**{**env.info.__dict__, "attempt": 2})
    req = PublishRequest(workflow_id="msg-ok-2", network=Network.ok, body="alagir_adm", draft_id="d1", text=text,
                         reply_to_url=comment_url(GID, topic, asked))
    result = await env.run(NetworkPublisher(db, _settings(db_url, fake_ok)).publish_answer, req)
    assert result.status == "published" and result.verified
    assert len([c for c in f.comments[topic] if c["author_type"] == "GROUP"]) == 1


async def test_a_wrong_reply_method_name_leaves_the_answer_to_the_executor(db: Engine, db_url: str,
                                                                           fake_ok: RunningFakeOk) -> None:
    f = fake_ok.ok
    f.add_group(GID, "АМС Алагирского района", token=TOKEN)
    topic = f.add_topic(GID, "6001", "Яма на дороге в Алагире")
    connect(db)
    req = PublishRequest(workflow_id="msg-ok-3", network=Network.ok, body="alagir_adm", draft_id="d1",
                         text="Ремонт назначен.", reply_to_url=topic_url(GID, topic))
    pub = NetworkPublisher(db, _settings(db_url, fake_ok, ok_reply_method="discussions.addComment"))
    result = await ActivityEnvironment().run(pub.publish_answer, req)
    assert result.status == "manual" and result.refused and "OTKLIK_OK_REPLY_METHOD" in result.detail
    assert not [c for c in f.comments[topic] if c["author_type"] == "GROUP"]
