"""Social accounts of bodies (the Order, A2): the registry rows, the network's own id, the community token.

``POST /accounts`` resolves the network's numeric id from whatever address the administrator typed
(``https://vk.com/minzdrav_rso``, ``club123``, ``public123``; ``https://ok.ru/group/…``) and stores it —
the VK callback and monitoring match communities by it. ``PUT /accounts/{id}/token`` connects the
community: the token is checked against the network (it must belong to this community and carry the
wall scope), stored encrypted (``models.secrets``) and never shown again; the account then reads
``connected: true`` with its scopes and when the token was last checked. VK discussion boards answer
only user tokens: ``PUT /accounts/{id}/admin-token`` stores the token of one of the community's editors or
administrators (checked the same way: whose it is, that they manage this community) — ``board_connected``.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Response, status
from sqlmodel import Session, col, select
from temporalio.exceptions import ApplicationError

from activities.networks.accounts import (
    AccountProblem,
    check_ok_token,
    check_vk_admin_token,
    check_vk_token,
    resolve_ok,
    resolve_vk,
)
from api.auth import current_principal, require_admin
from api.deps import get_session, get_settings
from api.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable, error_responses
from api.schemas_accounts import AccountIn, AccountOut, AccountPatch, AccountTokenIn, AdminTokenIn
from models.registry import CODE_PATTERN, Body, Network, SocialAccount, utcnow
from models.secrets import SecretKeyMissing, decrypt_token, encrypt_token
from models.settings import Settings

router = APIRouter(prefix="/api/v1", responses=error_responses(401, 422, 503), tags=["реестр: аккаунты"])
READ = [Depends(current_principal)]
WRITE = [Depends(require_admin)]
MAX_ID = 2**31 - 1


def _id_path() -> int:
    return Path(description="Номер аккаунта", ge=1, le=MAX_ID)


def _codes(session: Session) -> dict[int, str]:
    return {i: c for i, c in session.exec(select(Body.id, Body.code)).all()}  # type: ignore[misc]


def account_out(account: SocialAccount, bodies: dict[int, str]) -> AccountOut:
    """The public view: never the token, only whether there is one."""
    fields = {k: getattr(account, k) for k in AccountOut.model_fields if hasattr(account, k)}
    fields.update(body_code=bodies[account.body_id], connected=account.token_cipher is not None,
                  token_scopes=list(account.token_scopes or []),
                  board_connected=account.admin_token_cipher is not None,
                  admin_token_scopes=list(account.admin_token_scopes or []))
    return AccountOut.model_validate(fields)


def _account(session: Session, account_id: int) -> SocialAccount:
    account = session.get(SocialAccount, account_id)
    if account is None:
        raise NotFound(f"Аккаунт №{account_id} не найден", code="account_not_found")
    return account


async def _network_call(coro: object) -> object:
    """Run a network check; its problems become Russian 422/503 answers."""
    try:
        return await coro  # type: ignore[misc]
    except AccountProblem as exc:
        raise Unprocessable(str(exc), code="account_unresolved") from None
    except ApplicationError as exc:
        if exc.non_retryable:
            raise Unprocessable(exc.message, code="network_refused") from None
        raise ServiceUnavailable(exc.message, code="network_unavailable") from None


@router.get("/accounts", response_model=list[AccountOut], dependencies=READ,
            summary="Официальные аккаунты в соцсетях (реестр, п. 2 Порядка)")
def list_accounts(
    body: str | None = Query(None, description="Код органа", max_length=40, pattern=CODE_PATTERN),
    network: Network | None = Query(None, description="Соцсеть"),
    limit: int = Query(100, ge=1, le=1000, description="Сколько записей вернуть"),
    offset: int = Query(0, ge=0, le=10**6, description="Сколько записей пропустить"),
    session: Session = Depends(get_session),
) -> list[AccountOut]:
    query = select(SocialAccount).order_by(col(SocialAccount.id))
    if body is not None:
        found = session.exec(select(Body).where(Body.code == body)).first()
        if found is None:
            raise NotFound(f"Орган с кодом «{body}» не найден в реестре: проверьте код в /api/v1/bodies", code="body_not_found")
        query = query.where(SocialAccount.body_id == found.id)
    if network is not None:
        query = query.where(SocialAccount.network == network.value)
    bodies = _codes(session)
    return [account_out(a, bodies) for a in session.exec(query.offset(offset).limit(limit)).all()]


@router.get("/accounts/{account_id}", response_model=AccountOut, dependencies=READ, summary="Аккаунт",
            responses=error_responses(404))
def get_account(account_id: int = _id_path(), session: Session = Depends(get_session)) -> AccountOut:
    return account_out(_account(session, account_id), _codes(session))


@router.post("/accounts", response_model=AccountOut, status_code=status.HTTP_201_CREATED, dependencies=WRITE,
             summary="Добавить аккаунт",
             description="Адрес сообщества — любой, как он открывается в браузере (https://vk.com/minzdrav_rso, "
             "https://vk.com/club123, https://ok.ru/group/70000001234567): числовой id сообщества определяется "
             "и сохраняется (network_id); по нему узнаются события Callback API и идёт мониторинг.",
             responses=error_responses(403, 404, 409))
async def create_account(data: AccountIn, session: Session = Depends(get_session),
                         settings: Settings = Depends(get_settings)) -> AccountOut:
    body = session.exec(select(Body).where(Body.code == data.body_code)).first()
    if body is None:
        raise NotFound(f"Орган с кодом «{data.body_code}» не найден в реестре: проверьте код в /api/v1/bodies", code="body_not_found")
    if session.exec(select(SocialAccount).where(SocialAccount.url == data.url)).first() is not None:
        raise Conflict(f"Аккаунт с адресом {data.url} уже есть в реестре", code="duplicate")
    network_id: str | None = None
    name = data.name
    if data.network in (Network.vk, Network.ok):
        resolve = resolve_vk if data.network == Network.vk else resolve_ok
        resolved = await _network_call(resolve(settings, data.url))
        network_id = resolved.network_id  # type: ignore[attr-defined]
        name = name or resolved.name  # type: ignore[attr-defined]
        same = session.exec(select(SocialAccount).where(SocialAccount.network == data.network.value,
                                                        SocialAccount.network_id == network_id)).first()
        if same is not None:
            raise Conflict(f"Это сообщество уже есть в реестре: аккаунт №{same.id} ({same.url})", code="duplicate")
    account = SocialAccount(**data.model_dump(exclude={"body_code", "name"}), name=name,
                            body_id=body.id, network_id=network_id)  # type: ignore[arg-type]
    session.add(account)
    session.commit()
    session.refresh(account)
    return account_out(account, _codes(session))


@router.patch("/accounts/{account_id}", response_model=AccountOut, dependencies=WRITE, summary="Изменить аккаунт",
              responses=error_responses(403, 404))
def update_account(data: AccountPatch, account_id: int = _id_path(),
                   session: Session = Depends(get_session)) -> AccountOut:
    account = _account(session, account_id)
    values = data.model_dump(exclude_unset=True)
    empty = [k for k, v in values.items() if v is None]
    if empty:
        raise Unprocessable("Поля не могут быть пустыми (null): " + ", ".join(empty), code="validation_error")
    for key, value in values.items():
        setattr(account, key, value)
    session.add(account)
    session.commit()
    session.refresh(account)
    return account_out(account, _codes(session))


async def _check(settings: Settings, account: SocialAccount, token: str) -> list[str]:
    if account.network_id is None:
        raise Unprocessable("У аккаунта не определён числовой id сообщества: пересоздайте его", code="account_unresolved")
    if account.network == Network.vk.value:
        checked = await _network_call(check_vk_token(settings, token, account.network_id))
    elif account.network == Network.ok.value:
        checked = await _network_call(check_ok_token(settings, token, account.network_id))
    else:
        raise Unprocessable("Подключить можно сообщество ВКонтакте или группу Одноклассников", code="network_unsupported")
    return list(checked.scopes)  # type: ignore[attr-defined]


@router.put("/accounts/{account_id}/token", response_model=AccountOut, dependencies=WRITE,
            summary="Подключить сообщество: ключ доступа",
            description="Ключ проверяется в соцсети (принадлежит этому сообществу, есть доступ к стене), хранится "
            "зашифрованным и больше никогда не показывается.", responses=error_responses(403, 404))
async def connect_account(data: AccountTokenIn, account_id: int = _id_path(), session: Session = Depends(get_session),
                          settings: Settings = Depends(get_settings)) -> AccountOut:
    account = _account(session, account_id)
    token = data.token.strip()
    scopes = await _check(settings, account, token)
    account.token_cipher = _seal(settings, account, token, "community")
    account.token_scopes = scopes
    account.token_checked_at = utcnow()
    return _saved(session, account)


@router.post("/accounts/{account_id}/token/check", response_model=AccountOut, dependencies=WRITE,
             summary="Проверить ключ доступа сообщества ещё раз", responses=error_responses(403, 404, 409))
async def check_account(account_id: int = _id_path(), session: Session = Depends(get_session),
                        settings: Settings = Depends(get_settings)) -> AccountOut:
    account = _account(session, account_id)
    token = _unseal(settings, account, account.token_cipher, "community",
                    "Сообщество не подключено: ключа доступа нет")
    account.token_scopes = await _check(settings, account, token)
    account.token_checked_at = utcnow()
    return _saved(session, account)


@router.delete("/accounts/{account_id}/token", status_code=status.HTTP_204_NO_CONTENT, dependencies=WRITE,
               summary="Отключить сообщество (ключ удаляется)", responses=error_responses(403, 404))
def disconnect_account(account_id: int = _id_path(), session: Session = Depends(get_session)) -> Response:
    account = _account(session, account_id)
    account.token_cipher, account.token_scopes, account.token_checked_at = None, [], None
    session.add(account)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- an administrator's user token (VK discussion boards) ------------------------------------------------


def _seal(settings: Settings, account: SocialAccount, token: str, purpose: str) -> str:
    try:
        return encrypt_token(token, settings.secret_key.get_secret_value(), account.id or 0, purpose)
    except SecretKeyMissing:
        raise Conflict("Не задан ключ шифрования OTKLIK_SECRET_KEY (не короче 16 символов): ключ доступа "
                       "негде хранить безопасно", code="secret_key_missing") from None


def _unseal(settings: Settings, account: SocialAccount, cipher: str | None, purpose: str, missing: str) -> str:
    if cipher is None:
        raise Conflict(missing, code="not_connected")
    try:
        return decrypt_token(cipher, settings.secret_key.get_secret_value(), account.id or 0, purpose)
    except Exception:
        raise Conflict("Сохранённый ключ не расшифровывается текущим OTKLIK_SECRET_KEY: подключите его заново",
                       code="token_unreadable") from None


def _saved(session: Session, account: SocialAccount) -> AccountOut:
    session.add(account)
    session.commit()
    session.refresh(account)
    return account_out(account, _codes(session))


async def _check_admin(settings: Settings, account: SocialAccount, token: str) -> tuple[list[str], int | None]:
    if account.network != Network.vk.value:
        raise Unprocessable("Ключ администратора нужен только для обсуждений ВКонтакте", code="network_unsupported")
    if account.network_id is None:
        raise Unprocessable("У аккаунта не определён числовой id сообщества: пересоздайте его", code="account_unresolved")
    checked = await _network_call(check_vk_admin_token(settings, token, account.network_id))
    return list(checked.scopes), checked.user_id  # type: ignore[attr-defined]


@router.put("/accounts/{account_id}/admin-token", response_model=AccountOut, dependencies=WRITE,
            summary="Ответы в обсуждениях ВКонтакте: ключ администратора сообщества",
            description="ВКонтакте принимает ответы в обсуждениях (board.createComment) только с ключом пользователя. "
            "Нужен ключ редактора или администратора этого сообщества (права groups, wall, photos, offline): он "
            "проверяется, хранится зашифрованным и больше никогда не показывается; ответы публикуются от имени "
            "сообщества.", responses=error_responses(403, 404, 409))
async def connect_admin(data: AdminTokenIn, account_id: int = _id_path(), session: Session = Depends(get_session),
                        settings: Settings = Depends(get_settings)) -> AccountOut:
    account = _account(session, account_id)
    token = data.token.strip()
    scopes, user_id = await _check_admin(settings, account, token)
    account.admin_token_cipher = _seal(settings, account, token, "admin")
    account.admin_user_id, account.admin_token_scopes, account.admin_token_checked_at = user_id, scopes, utcnow()
    return _saved(session, account)


@router.post("/accounts/{account_id}/admin-token/check", response_model=AccountOut, dependencies=WRITE,
             summary="Проверить ключ администратора ещё раз", responses=error_responses(403, 404, 409))
async def check_admin(account_id: int = _id_path(), session: Session = Depends(get_session),
                      settings: Settings = Depends(get_settings)) -> AccountOut:
    account = _account(session, account_id)
    token = _unseal(settings, account, account.admin_token_cipher, "admin",
                    "Ключа администратора нет: ответы в обсуждениях не подключены")
    account.admin_token_scopes, account.admin_user_id = await _check_admin(settings, account, token)
    account.admin_token_checked_at = utcnow()
    return _saved(session, account)


@router.delete("/accounts/{account_id}/admin-token", status_code=status.HTTP_204_NO_CONTENT, dependencies=WRITE,
               summary="Отключить ответы в обсуждениях (ключ администратора удаляется)",
               responses=error_responses(403, 404))
def disconnect_admin(account_id: int = _id_path(), session: Session = Depends(get_session)) -> Response:
    account = _account(session, account_id)
    account.admin_token_cipher, account.admin_user_id = None, None
    account.admin_token_scopes, account.admin_token_checked_at = [], None
    session.add(account)
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
