"""A9 moderation of comments in a body's official account, with an audit trail (``moderation_action``).

``POST /accounts/{id}/moderation`` — a ЦУР curator or an administrator (any account), an executor or
responsible official of the account's body (a responsible official: its subordinate organisations' too):
the comment must be in this account's community, not deleted already nor being moderated (409); the
decision is recorded first (``pending``; one left by a stopped process is refused as interrupted), then the
comment is read (its author and text are kept as evidence), deleted, and its author restricted if asked
(VK ``groups.ban``: the term, VK's reason code, a Russian comment the user sees). Each step's outcome is
written to the row: ``done``, or ``refused`` with the network's Russian reason — the API then answers 422
(the network refused) or 503 (it did not answer), never 500. Odnoklassniki: deletion through the API is not
available — 422, and the decision stays in the trail. ``GET /moderation`` lists the trail.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Path, Query, status
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError

from activities.networks.moderation import (
    CommentGone,
    Evidence,
    OkNoDelete,
    ban_vk,
    delete_vk,
    read_ok,
    read_vk,
)
from api.account_access import ALL, STAFF, managed_account, may_manage_account
from api.auth import Principal, current_principal
from api.deps import get_session, get_settings
from api.errors import Conflict, Forbidden, ServiceUnavailable, Unprocessable, error_responses
from api.schemas_account_checks import ModerationIn, ModerationOut
from domain.accounts import REASON_TITLES
from domain.bounds import DATETIME_QUERY, QueryDatetime
from domain.publication import Thread, thread_of
from models.account_checks import (
    ModerationAction,
    ModerationStatus,
    earlier_action,
    moderation_trail,
    settle_interrupted,
)
from models.registry import Body, Network, SocialAccount, utcnow
from models.secrets import decrypt_token
from models.settings import Settings

router = APIRouter(prefix="/api/v1", responses=error_responses(401, 403, 422), tags=["аккаунты: модерация (п. 9)"])
log = logging.getLogger("otklik.moderation")


def _out(row: ModerationAction, codes: dict[int, str], body_of: dict[int, int]) -> ModerationOut:
    fields = row.model_dump()
    fields.update(body_code=codes.get(body_of.get(row.account_id, 0), ""),
                  reason_title=REASON_TITLES.get(row.reason, row.reason))
    return ModerationOut.model_validate(fields)


def _maps(session: Session) -> tuple[dict[int, str], dict[int, int]]:
    codes = {b.id: b.code for b in session.exec(select(Body)).all() if b.id is not None}
    body_of = {a.id: a.body_id for a in session.exec(select(SocialAccount)).all() if a.id is not None}
    return codes, body_of


def _thread(account: SocialAccount, url: str) -> Thread:
    """The comment's address, checked to be a comment of this very community (before anything is recorded)."""
    thread = thread_of(url)
    if thread is None:
        raise Unprocessable("Адрес не похож на комментарий ВКонтакте или Одноклассников (например, "
                            "https://vk.com/wall-123_45?reply=67)", code="comment_url_invalid")
    if thread.network.value != account.network:
        raise Unprocessable("Комментарий в другой соцсети, чем этот аккаунт", code="comment_other_network")
    if thread.comment is None:
        raise Unprocessable("Адрес ведёт на запись или тему, а не на комментарий: откройте комментарий и "
                            "скопируйте его адрес", code="comment_url_invalid")
    if not thread.in_community(account.network, account.network_id):
        raise Unprocessable(f"Комментарий не в сообществе этого аккаунта ({account.url}): модерировать можно только "
                            "комментарии в своём сообществе", code="comment_other_community")
    return thread


def _token(settings: Settings, account: SocialAccount) -> str:
    if not account.token_cipher:
        raise CommentGone("Сообщество не подключено: нет ключа доступа сообщества (PUT /api/v1/accounts/{id}/token)")
    try:
        return decrypt_token(account.token_cipher, settings.secret_key.get_secret_value(), account.id or 0)
    except Exception:
        raise CommentGone("Сохранённый ключ сообщества не расшифровывается текущим OTKLIK_SECRET_KEY: подключите "
                          "сообщество заново") from None


def comment_key(thread: Thread) -> str:
    """One comment, whatever form its address was typed in: kind, post (or topic), comment."""
    return f"{thread.kind}:{thread.post}:{thread.comment}"


def _finish(session: Session, row: ModerationAction, *, error: str | None = None) -> None:
    row.status = ModerationStatus.refused if error else ModerationStatus.done
    row.error = error
    row.finished_at = utcnow()
    session.add(row)
    session.commit()
    session.refresh(row)


def _keep(session: Session, row: ModerationAction, ev: Evidence) -> None:
    row.author_id, row.text_snapshot, row.commented_at = ev.author_id, ev.text, ev.posted_at
    session.add(row)
    session.commit()


async def _vk_steps(session: Session, settings: Settings, account: SocialAccount, row: ModerationAction,
                    thread: Thread, token: str, until: datetime | None) -> None:
    _keep(session, row, await read_vk(settings, token, thread))
    if row.author_id == thread.owner:
        raise CommentGone("Это комментарий самого сообщества: удалять его через модерацию не нужно")
    row.deleted = await delete_vk(settings, token, thread)
    session.add(row)
    session.commit()
    if row.ban_requested:
        author = int(row.author_id or 0)
        if author <= 0:
            raise CommentGone("Комментарий удалён; автор — сообщество, а не пользователь: ограничить его нельзя")
        row.banned = await ban_vk(settings, token, int(account.network_id or 0), author, row.reason, until)


@router.post("/accounts/{account_id}/moderation", response_model=ModerationOut, status_code=status.HTTP_201_CREATED,
             summary="Удалить комментарий и ограничить автора (п. 9 Порядка)",
             responses=error_responses(404, 409, 503))
async def moderate(data: ModerationIn, account_id: int = Path(description="Номер аккаунта", ge=1, le=2**31 - 1),
                   principal: Principal = Depends(current_principal), session: Session = Depends(get_session),
                   settings: Settings = Depends(get_settings)) -> ModerationOut:
    account, _ = managed_account(
        session, principal, account_id, others="модерировать его могут кураторы ЦУР и сотрудники этого органа",
        who_may="Модерировать комментарии могут кураторы ЦУР, администраторы и сотрудники органа — владельца аккаунта")
    thread = _thread(account, data.comment_url)
    now = datetime.now(UTC)
    settle_interrupted(session, now, account_id=account_id, comment_id=comment_key(thread))
    earlier = earlier_action(session, account_id, comment_key(thread))
    if earlier is not None and earlier.deleted:
        raise Conflict(f"Этот комментарий уже удалён (журнал модерации №{earlier.id})", code="already_moderated")
    if earlier is not None and earlier.status == ModerationStatus.pending:
        raise Conflict(f"Этот комментарий уже модерируется (журнал модерации №{earlier.id}): дождитесь результата",
                       code="moderation_in_progress")
    until = data.ban.until(now) if data.ban else None
    row = ModerationAction(account_id=account_id, person_id=principal.person_id, person_name=principal.name,
                           created_at=now, comment_url=data.comment_url, comment_id=comment_key(thread),
                           reason=data.reason.value, note=data.note, ban_requested=data.ban is not None,
                           ban_forever=bool(data.ban and data.ban.forever), ban_until=until)
    session.add(row)
    try:
        session.commit()  # recorded before the network is asked: the decision is never lost
    except IntegrityError:  # another request for this comment got in first, this very instant
        session.rollback()
        raise Conflict("Этот комментарий уже модерируется: дождитесь результата", code="moderation_in_progress") from None
    session.refresh(row)
    codes, body_of = _maps(session)
    try:
        token = _token(settings, account)
        if account.network == Network.vk.value:
            await _vk_steps(session, settings, account, row, thread, token, until)
        else:
            unread = ""
            try:
                _keep(session, row, await read_ok(settings, token, thread))
            except (CommentGone, ApplicationError) as exc:  # no evidence to keep: the record says why
                unread = f"; текст комментария не сохранён: {getattr(exc, 'message', None) or exc}"
            raise OkNoDelete(unread)
    except (CommentGone, OkNoDelete) as exc:
        _finish(session, row, error=str(exc))
        raise Unprocessable(f"{exc} (журнал модерации №{row.id})", code="moderation_refused") from None
    except ApplicationError as exc:
        _finish(session, row, error=_partial(row, exc.message))
        if exc.non_retryable:
            raise Unprocessable(f"{row.error} (журнал модерации №{row.id})", code="network_refused") from None
        raise ServiceUnavailable(f"{row.error} (журнал модерации №{row.id})", code="network_unavailable") from None
    except Exception:
        log.exception("moderation %s: unexpected failure", row.id)
        _finish(session, row, error=_partial(row, "неожиданный ответ соцсети; повторите позже"))
        raise ServiceUnavailable(f"{row.error} (журнал модерации №{row.id})", code="network_unavailable") from None
    _finish(session, row)
    return _out(row, codes, body_of)


def _partial(row: ModerationAction, reason: str) -> str:
    if row.deleted and row.ban_requested and not row.banned:
        return f"Комментарий удалён, но ограничить автора не удалось: {reason}"
    return reason


@router.get("/moderation", response_model=list[ModerationOut], summary="Журнал модерации (п. 9 Порядка)")
def trail(account: int | None = Query(None, ge=1, le=2**31 - 1, description="Номер аккаунта"),
          since: QueryDatetime | None = Query(None, description="С какого момента (ISO 8601 с часовым поясом)",
                                              json_schema_extra=DATETIME_QUERY),
          limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10**6),
          principal: Principal = Depends(current_principal), session: Session = Depends(get_session)) -> list[ModerationOut]:
    if not principal.has(*ALL, *STAFF, "leadership"):
        raise Forbidden("Журнал модерации доступен кураторам ЦУР, администраторам, руководству и сотрудникам "
                        "органов", code="role_forbidden")
    settle_interrupted(session, datetime.now(UTC), account_id=account)
    codes, body_of = _maps(session)
    rows = moderation_trail(session, account_id=account, since=since, limit=limit, offset=offset)
    if not principal.has(*ALL, "leadership"):
        rows = [r for r in rows if may_manage_account(principal, codes.get(body_of.get(r.account_id, 0), ""))]
    return [_out(r, codes, body_of) for r in rows]

