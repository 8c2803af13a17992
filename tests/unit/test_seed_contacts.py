"""The seed registry of recipients: idempotent, and every deputy chairman's portfolio holds real bodies."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.notifications import NotificationEvent
from domain.recipients import audience_recipients
from models.contacts import load_registry
from models.registry import utcnow
from models.seed import seed
from models.seed_contacts import load_contacts, seed_contacts


def test_seed_contacts_is_idempotent_and_resolves_portfolios_and_p14_grounds(db: Engine) -> None:
    seed(db)
    assert seed_contacts(db).startswith("получатели уведомлений: добавлено 11")
    assert "добавлено 0, обновлено 0" in seed_contacts(db)
    with Session(db) as s:
        snap = load_registry(s)

    def who(audience: str, body: str | None = None, **data: str) -> list[str]:
        e = NotificationEvent(key="k", kind="rung", audience=audience, body=body, data=data,  # type: ignore[arg-type]
                              created_at=utcnow())
        return [r.title for r in audience_recipients(e, snap)]

    # P16/P17: the deputy chairman whose portfolio holds the body (a subordinate organisation: its parent's).
    assert who("portfolio_deputy", "minzdrav") == [
        "Заместитель Председателя Правительства Республики Северная Осетия-Алания (социальный блок)"]
    assert len(who("leadership", "mintrans")) == 3
    # P14: the competent agency per ground.
    assert len(who("police", ground="threat")) == 2
    assert who("police", ground="obscene") == [
        "Дежурная часть Министерства внутренних дел по Республике Северная Осетия-Алания"]


def test_every_seeded_portfolio_title_matches_bodies_of_the_main_seed() -> None:
    from models.seed import load_seed

    portfolios = {b.portfolio for b in load_seed().bodies if getattr(b, "portfolio", "")}
    deputies = [c.portfolio_title for c in load_contacts().contacts if c.position == "deputy_chairman"]
    assert deputies and set(deputies) <= portfolios
