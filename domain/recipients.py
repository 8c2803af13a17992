"""Who gets a notification: an event + a registry snapshot → (recipient, channel) pairs. Pure.

Audiences (``domain.notifications.Audience``) map to positions of the registry of recipients:

* ``body_executors`` / ``body_responsible`` / ``body_head`` — that position of ``event.body``;
* ``tsur_curators`` — the curator named by ``data["curator_id"]`` when they are a recipient, else every
  curator; ``tsur_duty``, ``tsur_head``, ``head``, ``chairman``, ``administration`` — their positions;
* ``portfolio_deputy`` — the deputy chairman whose portfolio holds ``event.body`` or a body above it
  (a subordinate organisation belongs to its parent's portfolio); with ``data["deputy"]`` (a recipient key)
  only that one of them (P16: each deputy chairman gets their own part of the weekly note);
* ``leadership`` — the Head, the Chairman and that deputy chairman;
* ``police`` — the law-enforcement contacts taking ``data["ground"]`` (P14), else those with no grounds.

P17 (significant messages and surges) always reaches the Head, the Chairman and the Administration too.
Channels: the recipient's preference for the kind (or ``*``), else every channel they have an address
for; the in-app inbox always.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.notifications import NotificationEvent, NotificationKind


class Channel(StrEnum):
    email = "email"
    max = "max"
    telegram = "telegram"
    webhook = "webhook"
    inbox = "inbox"


CHANNELS_EXTERNAL = (Channel.email, Channel.max, Channel.telegram, Channel.webhook)

CHANNEL_TITLES = {Channel.email: "электронная почта", Channel.max: "MAX", Channel.telegram: "Telegram",
                  Channel.webhook: "webhook", Channel.inbox: "входящие в «Отклике»"}


class Position(StrEnum):
    tsur_head = "tsur_head"
    tsur_duty = "tsur_duty"
    tsur_curator = "tsur_curator"
    head = "head"
    chairman = "chairman"
    deputy_chairman = "deputy_chairman"
    administration = "administration"
    police = "police"
    body_head = "body_head"
    body_responsible = "body_responsible"
    body_executor = "body_executor"


POSITION_TITLES = {
    Position.tsur_head: "руководитель ЦУР", Position.tsur_duty: "дежурный ЦУР", Position.tsur_curator: "куратор ЦУР",
    Position.head: "Глава Республики", Position.chairman: "Председатель Правительства",
    Position.deputy_chairman: "заместитель Председателя Правительства",
    Position.administration: "Администрация Главы и Правительства", Position.police: "правоохранительный орган",
    Position.body_head: "руководитель органа", Position.body_responsible: "ответственное должностное лицо органа",
    Position.body_executor: "исполнитель органа",
}

_BY_POSITION = {"tsur_duty": Position.tsur_duty, "tsur_head": Position.tsur_head, "head": Position.head,
                "chairman": Position.chairman, "administration": Position.administration}
_BODY_POSITIONS = {"body_executors": Position.body_executor, "body_responsible": Position.body_responsible,
                   "body_head": Position.body_head}
P17_KINDS = frozenset({NotificationKind.significant, NotificationKind.surge, NotificationKind.surge_subsided})


class BodyInfo(BaseModel):
    code: str
    name: str
    short_name: str = ""
    parent: str | None = None
    portfolio_title: str = ""


class Recipient(BaseModel):
    key: str  # "c<contact id>" or "p<person id>:<position>": the stable key of deliveries and inbox rows
    contact_id: int | None = None
    person_id: int | None = None
    title: str
    position: Position
    body: str | None = None
    portfolio_title: str = ""
    portfolio_bodies: list[str] = Field(default_factory=list)
    grounds: list[str] = Field(default_factory=list)
    addresses: dict[Channel, str] = Field(default_factory=dict)
    preferences: dict[str, list[Channel]] = Field(default_factory=dict)


class RegistrySnapshot(BaseModel):
    recipients: list[Recipient]
    bodies: dict[str, BodyInfo] = Field(default_factory=dict)

    def ancestors(self, code: str | None) -> list[str]:
        """``code`` and every body above it (bounded, so a cycle in bad data cannot loop)."""
        out: list[str] = []
        while code and code not in out and len(out) < 20:
            out.append(code)
            info = self.bodies.get(code)
            code = info.parent if info else None
        return out


class Target(BaseModel):
    recipient: Recipient
    channel: Channel


def holds(snap: RegistrySnapshot, deputy: Recipient, body: str | None) -> bool:
    """Whether ``body`` (or a body above it) is in the deputy chairman's portfolio."""
    for code in snap.ancestors(body):
        info = snap.bodies.get(code)
        if code in deputy.portfolio_bodies or (
                info and deputy.portfolio_title and info.portfolio_title == deputy.portfolio_title):
            return True
    return False


def audience_recipients(event: NotificationEvent, snap: RegistrySnapshot) -> list[Recipient]:
    """The people of ``event.audience`` (plus P17's fixed addressees), each once, in registry order."""
    rs = snap.recipients
    audiences = [event.audience]
    if event.kind in P17_KINDS:
        audiences += ["head", "chairman", "administration"]
    found: list[Recipient] = []
    for aud in audiences:
        if aud in _BODY_POSITIONS:
            found += [r for r in rs if r.position == _BODY_POSITIONS[aud] and r.body and r.body == event.body]
        elif aud in _BY_POSITION:
            found += [r for r in rs if r.position == _BY_POSITION[aud]]
        elif aud == "tsur_curators":
            curators = [r for r in rs if r.position == Position.tsur_curator]
            named = [r for r in curators if r.person_id is not None
                     and str(r.person_id) == str(event.data.get("curator_id"))]
            found += named or curators
        elif aud in ("portfolio_deputy", "leadership"):
            if aud == "leadership":
                found += [r for r in rs if r.position in (Position.head, Position.chairman)]
            deputies = [r for r in rs if r.position == Position.deputy_chairman and holds(snap, r, event.body)]
            if aud == "portfolio_deputy" and event.data.get("deputy"):  # one named deputy (P16's parts)
                deputies = [r for r in deputies if r.key == event.data["deputy"]]
            found += deputies
        elif aud == "police":
            police = [r for r in rs if r.position == Position.police]
            ground = str(event.data.get("ground") or "")
            found += [r for r in police if ground in r.grounds] or [r for r in police if not r.grounds]
    seen: set[str] = set()
    return [r for r in found if not (r.key in seen or seen.add(r.key))]  # type: ignore[func-returns-value]


def channels_for(recipient: Recipient, kind: str) -> list[Channel]:
    """The recipient's channels for ``kind``: the preference (or ``*``) among those with an address; the
    inbox always, first."""
    wanted: Iterable[Channel] = recipient.preferences.get(kind) or recipient.preferences.get("*") \
        or CHANNELS_EXTERNAL
    return [Channel.inbox] + [c for c in CHANNELS_EXTERNAL if c in wanted and recipient.addresses.get(c)]


def resolve(event: NotificationEvent, snap: RegistrySnapshot) -> list[Target]:
    """Every (recipient, channel) the event goes to."""
    return [Target(recipient=r, channel=c) for r in audience_recipients(event, snap)
            for c in channels_for(r, event.kind.value)]
