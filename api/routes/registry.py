"""The registry: bodies, people, topic groups, topics, locations, routing rules (accounts: ``api.routes.accounts``).

Everyone with a token reads; only an administrator writes. Requests name related rows by their codes
(``parent_code``, ``body_code``, ``topic_code`` ...); responses carry both ids and codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, status
from sqlmodel import Session, SQLModel, col, select

from api.auth import current_principal, require_admin
from api.deps import get_session
from api.errors import Conflict, NotFound, Unprocessable, error_responses
from api.schemas import (
    CODE_PATTERN,
    BodyIn,
    BodyOut,
    BodyPatch,
    LocationIn,
    LocationOut,
    LocationPatch,
    PersonIn,
    PersonOut,
    PersonPatch,
    TopicGroupIn,
    TopicGroupOut,
    TopicGroupPatch,
    TopicIn,
    TopicOut,
    TopicPatch,
)
from models.registry import (
    Body,
    Location,
    Person,
    Role,
    Topic,
    TopicGroup,
)

router = APIRouter(prefix="/api/v1", responses=error_responses(401, 422, 503))
READ = [Depends(current_principal)]
WRITE = [Depends(require_admin)]
MAX_ID = 2**31 - 1

T = TypeVar("T", bound=SQLModel)


def _code_path(description: str, max_length: int = 40) -> Any:
    return Path(description=description, pattern=CODE_PATTERN, max_length=max_length)


def id_path(description: str) -> Any:
    return Path(description=description, ge=1, le=MAX_ID)


def limit_query() -> Any:
    return Query(100, ge=1, le=1000, description="Сколько записей вернуть")


def offset_query() -> Any:
    return Query(0, ge=0, le=10**6, description="Сколько записей пропустить")


# --- helpers ----------------------------------------------------------------------------------------


_LISTS = {"Орган": ("не найден", "/api/v1/bodies"), "Тема": ("не найдена", "/api/v1/topics"),
          "Группа тем": ("не найдена", "/api/v1/topic-groups"), "Территория": ("не найдена", "/api/v1/locations")}


def _by_code(session: Session, model: type[T], code: str, what: str, err: str) -> T:
    row = session.exec(select(model).where(model.code == code)).first()  # type: ignore[attr-defined]
    if row is None:
        words, where = _LISTS.get(what, ("не найден(а)", "реестре"))
        raise NotFound(f"{what} с кодом «{code}» {words} в реестре: проверьте код в {where}", code=err)
    return row


def find_body(session: Session, code: str) -> Body:
    return _by_code(session, Body, code, "Орган", "body_not_found")


def routable_body(session: Session, code: str) -> Body:
    """A body a routing rule may name: not retired (a retired body's rules went to its successors)."""
    body = find_body(session, code)
    if body.retired_at is not None:
        raise Conflict(f"Орган «{body.name}» упразднён; правопреемники: {', '.join(body.successors)}",
                       code="body_retired")
    return body


def find_topic(session: Session, code: str) -> Topic:
    return _by_code(session, Topic, code, "Тема", "topic_not_found")


def _group(session: Session, code: str) -> TopicGroup:
    return _by_code(session, TopicGroup, code, "Группа тем", "topic_group_not_found")


def find_location(session: Session, code: str) -> Location:
    return _by_code(session, Location, code, "Территория", "location_not_found")


def _unique(session: Session, model: type[SQLModel], code: str, what: str) -> None:
    if session.exec(select(model).where(model.code == code)).first() is not None:  # type: ignore[attr-defined]
        raise Conflict(f"{what} с кодом «{code}» уже есть", code="duplicate")


def patch_values(patch: SQLModel, nullable: Sequence[str] = ()) -> dict[str, Any]:
    """The fields a PATCH sets; ``null`` only where it means "clear"."""
    values = patch.model_dump(exclude_unset=True)
    empty = [k for k, v in values.items() if v is None and k not in nullable]
    if empty:
        raise Unprocessable("Поля не могут быть пустыми (null): " + ", ".join(empty), code="validation_error")
    return values


def save_row(session: Session, row: T) -> T:
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def as_out(model: type[T], row: SQLModel, **extra: Any) -> T:
    """A response built from a table row (its enums are plain strings in the database) plus codes."""
    return model.model_validate({**{k: getattr(row, k) for k in type(row).model_fields}, **extra})


def code_map(session: Session, model: type[SQLModel]) -> dict[int, str]:
    return {i: c for i, c in session.exec(select(model.id, model.code)).all()}  # type: ignore[attr-defined]


# --- bodies -----------------------------------------------------------------------------------------


def _body_out(body: Body, codes: dict[int, str]) -> BodyOut:
    return as_out(BodyOut, body, parent_code=codes.get(body.parent_id) if body.parent_id else None)


@router.get("/bodies", response_model=list[BodyOut], dependencies=READ, tags=["реестр: органы"],
            summary="Органы и подведомственные организации")
def list_bodies(
    parent: str | None = Query(None, description="Только подведомственные этому органу (код)", max_length=40, pattern=CODE_PATTERN),
    active: bool | None = Query(None, description="Только действующие / только упразднённые"),
    limit: int = limit_query(),
    offset: int = offset_query(),
    session: Session = Depends(get_session),
) -> list[BodyOut]:
    query = select(Body).order_by(col(Body.code))
    if parent is not None:
        query = query.where(Body.parent_id == find_body(session, parent).id)
    if active is not None:
        query = query.where(Body.is_active == active)
    codes = code_map(session, Body)
    return [_body_out(b, codes) for b in session.exec(query.offset(offset).limit(limit)).all()]


@router.get("/bodies/{code}", response_model=BodyOut, dependencies=READ, tags=["реестр: органы"],
            summary="Орган по коду", responses=error_responses(404))
def get_body(code: str = _code_path("Код органа"), session: Session = Depends(get_session)) -> BodyOut:
    return _body_out(find_body(session, code), code_map(session, Body))


@router.post("/bodies", response_model=BodyOut, status_code=status.HTTP_201_CREATED, dependencies=WRITE,
             tags=["реестр: органы"], summary="Добавить орган", responses=error_responses(403, 404, 409))
def create_body(data: BodyIn, session: Session = Depends(get_session)) -> BodyOut:
    _unique(session, Body, data.code, "Орган")
    parent_id = find_body(session, data.parent_code).id if data.parent_code else None
    body = save_row(session, Body(**data.model_dump(exclude={"parent_code"}), parent_id=parent_id))
    return _body_out(body, code_map(session, Body))


def _would_cycle(session: Session, body: Body, parent: Body) -> bool:
    parents = dict(session.exec(select(Body.id, Body.parent_id)).all())
    node: int | None = parent.id
    while node is not None:
        if node == body.id:
            return True
        node = parents.get(node)
    return False


@router.patch("/bodies/{code}", response_model=BodyOut, dependencies=WRITE, tags=["реестр: органы"],
              summary="Изменить орган", responses=error_responses(403, 404, 409))
def update_body(data: BodyPatch, code: str = _code_path("Код органа"),
                session: Session = Depends(get_session)) -> BodyOut:
    body = find_body(session, code)
    values = patch_values(data, nullable=["parent_code"])
    if "parent_code" in values:
        parent_code = values.pop("parent_code")
        if parent_code is None:
            body.parent_id = None
        else:
            parent = find_body(session, parent_code)
            if _would_cycle(session, body, parent):
                raise Conflict(f"Орган «{parent_code}» подчинён «{code}»: получился бы замкнутый круг подчинённости",
                               code="body_cycle")
            body.parent_id = parent.id
    if values.get("is_active") and body.retired_at is not None:
        raise Conflict(f"Орган «{body.name}» упразднён {body.retired_at:%d.%m.%Y}: его нельзя сделать действующим",
                       code="body_retired")
    for key, value in values.items():
        setattr(body, key, value)
    return _body_out(save_row(session, body), code_map(session, Body))


# --- people -----------------------------------------------------------------------------------------


def _person_out(person: Person, codes: dict[int, str]) -> PersonOut:
    return as_out(PersonOut, person, body_code=codes.get(person.body_id) if person.body_id else None)


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"Сотрудник №{person_id} не найден", code="person_not_found")
    return person


@router.get("/people", response_model=list[PersonOut], dependencies=READ, tags=["реестр: сотрудники"],
            summary="Сотрудники (кураторы, исполнители, ответственные, руководство, администраторы)")
def list_people(
    body: str | None = Query(None, description="Код органа", max_length=40, pattern=CODE_PATTERN),
    role: Role | None = Query(None, description="Роль"),
    active: bool | None = Query(None, description="Только действующие / только отключённые"),
    limit: int = limit_query(),
    offset: int = offset_query(),
    session: Session = Depends(get_session),
) -> list[PersonOut]:
    query = select(Person).order_by(col(Person.id))
    if body is not None:
        query = query.where(Person.body_id == find_body(session, body).id)
    if active is not None:
        query = query.where(Person.is_active == active)
    rows: Sequence[Person] = session.exec(query).all()
    if role is not None:  # roles is a JSON list: filtered here, the registry is small
        rows = [p for p in rows if role.value in p.roles]
    codes = code_map(session, Body)
    return [_person_out(p, codes) for p in rows[offset: offset + limit]]


@router.get("/people/{person_id}", response_model=PersonOut, dependencies=READ, tags=["реестр: сотрудники"],
            summary="Сотрудник", responses=error_responses(404))
def get_person(person_id: int = id_path("Номер сотрудника"), session: Session = Depends(get_session)) -> PersonOut:
    return _person_out(_person(session, person_id), code_map(session, Body))


@router.post("/people", response_model=PersonOut, status_code=status.HTTP_201_CREATED, dependencies=WRITE,
             tags=["реестр: сотрудники"], summary="Добавить сотрудника (токен выдаёт `otklik user add`)",
             responses=error_responses(403, 404))
def create_person(data: PersonIn, session: Session = Depends(get_session)) -> PersonOut:
    body_id = find_body(session, data.body_code).id if data.body_code else None
    person = Person(**data.model_dump(exclude={"roles", "body_code"}),
                    roles=sorted({r.value for r in data.roles}), body_id=body_id)
    return _person_out(save_row(session, person), code_map(session, Body))


@router.patch("/people/{person_id}", response_model=PersonOut, dependencies=WRITE, tags=["реестр: сотрудники"],
              summary="Изменить сотрудника", responses=error_responses(403, 404))
def update_person(data: PersonPatch, person_id: int = id_path("Номер сотрудника"),
                  session: Session = Depends(get_session)) -> PersonOut:
    person = _person(session, person_id)
    values = patch_values(data, nullable=["body_code"])
    if "body_code" in values:
        code = values.pop("body_code")
        person.body_id = find_body(session, code).id if code else None
    if "roles" in values:
        person.roles = sorted({Role(r).value for r in values.pop("roles")})
    for key, value in values.items():
        setattr(person, key, value)
    if {"executor", "responsible"} & set(person.roles) and person.body_id is None:
        raise Unprocessable("Для ролей executor и responsible нужен орган (body_code)", code="validation_error")
    return _person_out(save_row(session, person), code_map(session, Body))


# --- topic groups and topics ----------------------------------------------------------------------


@router.get("/topic-groups", response_model=list[TopicGroupOut], dependencies=READ, tags=["реестр: темы"],
            summary="Группы тем")
def list_topic_groups(limit: int = limit_query(), offset: int = offset_query(),
                      session: Session = Depends(get_session)) -> Sequence[TopicGroup]:
    return session.exec(select(TopicGroup).order_by(col(TopicGroup.code)).offset(offset).limit(limit)).all()


@router.get("/topic-groups/{code}", response_model=TopicGroupOut, dependencies=READ, tags=["реестр: темы"],
            summary="Группа тем по коду", responses=error_responses(404))
def get_topic_group(code: str = _code_path("Код группы тем"), session: Session = Depends(get_session)) -> TopicGroup:
    return _group(session, code)


@router.post("/topic-groups", response_model=TopicGroupOut, status_code=status.HTTP_201_CREATED,
             dependencies=WRITE, tags=["реестр: темы"], summary="Добавить группу тем",
             responses=error_responses(403, 409))
def create_topic_group(data: TopicGroupIn, session: Session = Depends(get_session)) -> TopicGroup:
    _unique(session, TopicGroup, data.code, "Группа тем")
    return save_row(session, TopicGroup(**data.model_dump()))


@router.patch("/topic-groups/{code}", response_model=TopicGroupOut, dependencies=WRITE, tags=["реестр: темы"],
              summary="Изменить группу тем", responses=error_responses(403, 404))
def update_topic_group(data: TopicGroupPatch, code: str = _code_path("Код группы тем"),
                       session: Session = Depends(get_session)) -> TopicGroup:
    group = _group(session, code)
    for key, value in patch_values(data).items():
        setattr(group, key, value)
    return save_row(session, group)


def _topic_out(topic: Topic, groups: dict[int, str]) -> TopicOut:
    return as_out(TopicOut, topic, group_code=groups[topic.group_id])


@router.get("/topics", response_model=list[TopicOut], dependencies=READ, tags=["реестр: темы"],
            summary="Темы сообщений")
def list_topics(
    group: str | None = Query(None, description="Код группы тем", max_length=40, pattern=CODE_PATTERN),
    limit: int = limit_query(),
    offset: int = offset_query(),
    session: Session = Depends(get_session),
) -> list[TopicOut]:
    query = select(Topic).order_by(col(Topic.code))
    if group is not None:
        query = query.where(Topic.group_id == _group(session, group).id)
    groups = code_map(session, TopicGroup)
    return [_topic_out(t, groups) for t in session.exec(query.offset(offset).limit(limit)).all()]


@router.get("/topics/{code}", response_model=TopicOut, dependencies=READ, tags=["реестр: темы"],
            summary="Тема по коду", responses=error_responses(404))
def get_topic(code: str = _code_path("Код темы", 60), session: Session = Depends(get_session)) -> TopicOut:
    return _topic_out(find_topic(session, code), code_map(session, TopicGroup))


@router.post("/topics", response_model=TopicOut, status_code=status.HTTP_201_CREATED, dependencies=WRITE,
             tags=["реестр: темы"], summary="Добавить тему", responses=error_responses(403, 404, 409))
def create_topic(data: TopicIn, session: Session = Depends(get_session)) -> TopicOut:
    _unique(session, Topic, data.code, "Тема")
    group = _group(session, data.group_code)
    topic = save_row(session, Topic(**data.model_dump(exclude={"group_code"}), group_id=group.id))  # type: ignore[arg-type]
    return _topic_out(topic, code_map(session, TopicGroup))


@router.patch("/topics/{code}", response_model=TopicOut, dependencies=WRITE, tags=["реестр: темы"],
              summary="Изменить тему", responses=error_responses(403, 404))
def update_topic(data: TopicPatch, code: str = _code_path("Код темы", 60),
                 session: Session = Depends(get_session)) -> TopicOut:
    topic = find_topic(session, code)
    values = patch_values(data)
    if "group_code" in values:
        topic.group_id = _group(session, values.pop("group_code")).id  # type: ignore[assignment]
    for key, value in values.items():
        setattr(topic, key, value)
    return _topic_out(save_row(session, topic), code_map(session, TopicGroup))


# --- locations --------------------------------------------------------------------------------------


@router.get("/locations", response_model=list[LocationOut], dependencies=READ, tags=["реестр: территории"],
            summary="Территории (город, районы, республика в целом)")
def list_locations(limit: int = limit_query(), offset: int = offset_query(),
                   session: Session = Depends(get_session)) -> Sequence[Location]:
    return session.exec(select(Location).order_by(col(Location.code)).offset(offset).limit(limit)).all()


@router.get("/locations/{code}", response_model=LocationOut, dependencies=READ, tags=["реестр: территории"],
            summary="Территория по коду", responses=error_responses(404))
def get_location(code: str = _code_path("Код территории"), session: Session = Depends(get_session)) -> Location:
    return find_location(session, code)


@router.post("/locations", response_model=LocationOut, status_code=status.HTTP_201_CREATED, dependencies=WRITE,
             tags=["реестр: территории"], summary="Добавить территорию", responses=error_responses(403, 409))
def create_location(data: LocationIn, session: Session = Depends(get_session)) -> Location:
    _unique(session, Location, data.code, "Территория")
    return save_row(session, Location(**data.model_dump()))


@router.patch("/locations/{code}", response_model=LocationOut, dependencies=WRITE, tags=["реестр: территории"],
              summary="Изменить территорию", responses=error_responses(403, 404))
def update_location(data: LocationPatch, code: str = _code_path("Код территории"),
                    session: Session = Depends(get_session)) -> Location:
    location = find_location(session, code)
    for key, value in patch_values(data).items():
        setattr(location, key, value)
    return save_row(session, location)
