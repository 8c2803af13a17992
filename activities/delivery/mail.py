"""E-mail: SMTP through aiosmtplib (STARTTLS, SSL or plain; optional auth), text and HTML parts,
attachments. The Message-ID is the delivery's idempotency key: a receiver that sees it twice shows it once."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

import aiosmtplib

from activities.delivery.errors import ChannelError, ChannelMisconfigured, InvalidAddress
from activities.delivery.render import Rendered
from models.registry import utcnow
from models.settings import Settings


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


def message_id(settings: Settings, idem: str) -> str:
    domain = parseaddr(settings.smtp_from)[1].rpartition("@")[2] or "otklik.local"
    return f"<{idem}@{domain}>"


def build_email(settings: Settings, to: str, rendered: Rendered, idem: str,
                attachments: list[Attachment] | None = None) -> EmailMessage:
    msg = EmailMessage()
    name, addr = parseaddr(settings.smtp_from)
    msg["From"] = formataddr((name, addr)) if name else addr
    msg["To"] = to
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = message_id(settings, idem)
    msg["X-Otklik-Idempotency-Key"] = idem
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    for a in attachments or []:
        main, _, sub = a.content_type.partition("/")
        msg.add_attachment(a.data, maintype=main, subtype=sub, filename=a.filename)
    return msg


async def send_email(settings: Settings, to: str, rendered: Rendered, idem: str,
                     attachments: list[Attachment] | None = None) -> str:
    """Send; returns the Message-ID. Raises :class:`ChannelError` (permanent for refused addresses)."""
    if "@" not in to or any(c.isspace() for c in to.strip()):
        raise InvalidAddress(f"email: неверный адрес {to!r}")
    msg = build_email(settings, to.strip(), rendered, idem, attachments)
    try:
        await aiosmtplib.send(
            msg, hostname=settings.smtp_host, port=settings.smtp_port,
            use_tls=settings.smtp_security == "ssl", start_tls=settings.smtp_security == "starttls",
            username=settings.smtp_user or None, password=settings.smtp_password or None,
            timeout=settings.delivery_timeout_seconds)
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise InvalidAddress(f"email: адрес {to} отклонён сервером: {exc}") from exc
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise ChannelMisconfigured(f"email: вход на SMTP-сервер отклонён: {exc}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        if 500 <= exc.code < 600 and exc.code in (550, 551, 553, 501):
            raise InvalidAddress(f"email: адрес {to} отклонён ({exc.code}): {exc.message}") from exc
        raise ChannelError(f"email: ошибка SMTP ({exc.code}): {exc.message}") from exc
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise ChannelError(f"email: SMTP-сервер недоступен: {exc}") from exc
    return str(msg["Message-ID"])
