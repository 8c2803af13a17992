"""P14 letters: the written notice to law enforcement as a PDF (WeasyPrint, from a Jinja2 template),
e-mailed with the evidence attached; each sent letter is recorded (``police_letter``).

The delivery channel calls :func:`letter_attachments` for an ``illegal`` event addressed to a police
contact and :func:`record_letter` once the mail is accepted; ``GET /api/v1/messages/{id}/police-notice.pdf``
calls :func:`render_letter_pdf`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from activities.delivery.mail import Attachment
from activities.delivery.render import msk
from domain.messages import ILLEGAL_GROUND_TITLES, NETWORK_TITLES, IllegalGround, Network
from models.delivery import PoliceLetter
from models.readmodel import Message, PoliceNotice
from models.registry import utcnow
from models.settings import CONFIG_DIR, Settings

CITATION = "Указом Главы Республики Северная Осетия-Алания от 17 февраля 2023 г. № 40"
CITATION_NOMINATIVE = "Указ Главы Республики Северная Осетия-Алания от 17 февраля 2023 г. № 40"
KIND_TITLES = {"photo": "фото", "video": "видео", "document": "документ", "link": "ссылка"}
MSK = ZoneInfo("Europe/Moscow")


@dataclass
class Letter:
    number: str
    pdf: bytes
    evidence: bytes
    filename: str


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(CONFIG_DIR / "templates" / "letters")),
                              autoescape=True)


def _attachments(raw: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(raw)
    except ValueError:
        return []
    items = data.get("attachments") if isinstance(data, dict) else None
    return [a for a in items or [] if isinstance(a, dict)]


def _aware(t: Any) -> Any:
    from datetime import UTC

    return t if t.tzinfo else t.replace(tzinfo=UTC)


def find_notice(session: Session, *, notice_id: int | None = None, workflow_id: str | None = None) -> PoliceNotice | None:
    if notice_id is not None:
        return session.get(PoliceNotice, notice_id)
    return session.exec(select(PoliceNotice).where(PoliceNotice.workflow_id == workflow_id)).first()


def letter_context(notice: PoliceNotice, message: Message | None, settings: Settings,
                   agency: str, agency_email: str = "") -> dict[str, Any]:
    try:
        ground = ILLEGAL_GROUND_TITLES[IllegalGround(notice.ground)]
    except ValueError:
        ground = "противоправное содержание"
    network = "не указано"
    if message is not None:
        try:
            network = NETWORK_TITLES[Network(message.network)]
        except (ValueError, KeyError):
            network = "иная платформа"
    number = notice.number
    materials = [f"Приложение 1 (в тексте письма и файлом evidence-{number}.json): исходные данные сообщения, "
                 f"SHA-256 {notice.sha256}."]
    for a in _attachments(notice.raw_payload):
        materials.append(f"{KIND_TITLES.get(str(a.get('kind')), 'вложение')} из сообщения: {a.get('url', '')}"
                         + (f" ({a['title']})" if a.get("title") else ""))
    materials.append(f"Ссылка на сообщение в сети: {notice.message_url}")
    base = settings.public_url.rstrip("/")
    return {
        "number": number, "flagged_date": _aware(notice.flagged_at).astimezone(MSK).strftime("%d.%m.%Y"),
        "agency": agency or notice.agency, "agency_email": agency_email, "citation": CITATION,
        "ground_title": ground, "reason": notice.reason, "network": network, "message_url": notice.message_url,
        "external_id": message.external_id if message else "", "author": (message.author_name if message else "")
        or "не указано", "author_url": message.author_url if message else "",
        "posted_at": msk(message.posted_at) if message else "не указано",
        "detected_at": msk(message.detected_at) if message else "не указано", "flagged_at": msk(notice.flagged_at),
        "otklik_link": f"{base}/messages/{notice.workflow_id}", "sha256": notice.sha256,
        "text": message.text if message else "", "materials": materials, "curator": notice.curator_name,
        "generated_at": msk(utcnow()), "raw_payload": notice.raw_payload,
    }


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported lazily: pango is loaded only where letters are made

    return HTML(string=html, base_url=str(CONFIG_DIR)).write_pdf()


def render_letter(session: Session, settings: Settings, notice: PoliceNotice, agency: str = "",
                  agency_email: str = "") -> Letter:
    message = session.exec(select(Message).where(Message.workflow_id == notice.workflow_id)).first()
    html = _env().get_template("police_notice.html.j2").render(
        **letter_context(notice, message, settings, agency, agency_email))
    return Letter(number=notice.number, pdf=html_to_pdf(html), evidence=notice.raw_payload.encode("utf-8"),
                  filename=f"uvedomlenie-{notice.number}.pdf")


def render_letter_pdf(engine: Engine, settings: Settings, workflow_id: str) -> Letter | None:
    """The letter of a message's notice (for printing), addressed to the agency the curator named."""
    with Session(engine) as session:
        notice = find_notice(session, workflow_id=workflow_id)
        return None if notice is None else render_letter(session, settings, notice)


def letter_attachments(engine: Engine, settings: Settings, data: dict[str, Any], workflow_id: str | None,
                       agency: str, agency_email: str) -> tuple[PoliceNotice, list[Attachment]] | None:
    """The PDF and the evidence for an ``illegal`` event (``data["notice_id"]`` or the message's notice)."""
    with Session(engine) as session:
        nid = str(data.get("notice_id") or "")
        notice = find_notice(session, notice_id=int(nid)) if nid.isdigit() else None
        notice = notice or (find_notice(session, workflow_id=workflow_id) if workflow_id else None)
        if notice is None:
            return None
        letter = render_letter(session, settings, notice, agency, agency_email)
        session.expunge(notice)
    return notice, [Attachment(letter.filename, "application/pdf", letter.pdf),
                    Attachment(f"evidence-{letter.number}.json", "application/json", letter.evidence)]


def record_letter(engine: Engine, notice: PoliceNotice, recipient: str, agency: str, email: str,
                  message_id: str, attachments: list[Attachment]) -> None:
    with Session(engine) as session:
        exists = session.exec(select(PoliceLetter).where(PoliceLetter.notice_id == notice.id,
                                                         PoliceLetter.recipient == recipient)).first()
        if exists is not None:
            return
        pdf = next((a.data for a in attachments if a.content_type == "application/pdf"), b"")
        # The notice was read from the database, so its primary key is set.
        session.add(PoliceLetter(notice_id=cast(int, notice.id), number=notice.number, recipient=recipient, agency=agency,
                                 email=email, message_id=message_id, pdf_sha256=hashlib.sha256(pdf).hexdigest(),
                                 attachments=[a.filename for a in attachments]))
        try:
            session.commit()
        except IntegrityError:  # a concurrent retry recorded it first
            session.rollback()


def letters_for(session: Session, workflow_id: str) -> list[PoliceLetter]:
    notice = find_notice(session, workflow_id=workflow_id)
    if notice is None:
        return []
    return list(session.exec(select(PoliceLetter).where(PoliceLetter.notice_id == notice.id)
                             .order_by(col(PoliceLetter.id))).all())
