"""The quarterly rating (``/ratings``, Order items 11–13): a quarter's table, its XLSX and PDF, the nomination list
(A12), and computing a quarter again (ЦУР: curators and administrators) until it is published.

A published quarter (its heads were told, A13) is final: computing it again is a 409.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from activities.rating import compute_quarter, load_config, nominations
from activities.rating_docs import render_pdf, render_xlsx
from api.auth import require_roles
from api.deps import get_engine, get_session, get_settings
from api.errors import Conflict, NotFound, Unprocessable, error_responses
from domain.rating import ZONE_TITLES, Quarter
from models.rating import BodyRating
from models.rating_queries import QuarterPublished, quarter_rows
from models.registry import Body
from models.settings import Settings

router = APIRouter(prefix="/api/v1/ratings", tags=["рейтинг органов (п. 11–13 Порядка)"],
                   responses=error_responses(401, 403, 422))
READ = [Depends(require_roles("curator", "leadership", "admin", "responsible"))]
COMPUTE = [Depends(require_roles("curator", "admin"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CriterionOut(BaseModel):
    key: str
    title: str
    share: float | None
    points: float | None
    good: int
    total: int


class BodyRatingOut(BaseModel):
    body: str
    name: str
    parent: str | None
    parent_name: str | None
    messages: int
    score: float | None
    zone: str | None
    zone_title: str
    criteria: list[CriterionOut]
    computed_at: datetime
    published_at: datetime | None


class QuarterOut(BaseModel):
    quarter: str
    title: str
    formula_version: str | None
    published: bool
    bodies: list[BodyRatingOut]


class NominationOut(BaseModel):
    body: str
    name: str
    quarters: list[str]


class NominationsOut(BaseModel):
    quarter: str
    bodies: list[NominationOut]


def _quarter(text: str) -> Quarter:
    try:
        return Quarter.parse(text)
    except ValueError as e:
        raise Unprocessable(str(e), code="quarter_invalid") from e


def _rows(session: Session, q: Quarter) -> list[tuple[BodyRating, Body]]:
    rows = quarter_rows(session, str(q))
    if not rows:
        raise NotFound(f"Рейтинг за {q.title} не рассчитан", code="rating_not_found")
    return rows


def _parents(session: Session, rows: list[tuple[BodyRating, Body]]) -> dict[int, Body]:
    ids = {b.parent_id for _, b in rows if b.parent_id is not None}
    return {b.id: b for b in session.exec(select(Body)).all() if b.id in ids}


def _out(session: Session, q: Quarter, rows: list[tuple[BodyRating, Body]], settings: Settings) -> QuarterOut:
    cfg = load_config(settings)
    titles = {k.value: c.title for k, c in cfg.criteria.items()}
    parents = _parents(session, rows)
    bodies = []
    for r, b in rows:
        p = parents.get(b.parent_id or -1)
        bodies.append(BodyRatingOut(
            body=b.code, name=b.name, parent=p.code if p else None, parent_name=p.name if p else None,
            messages=r.messages, score=r.score, zone=r.zone,
            zone_title=ZONE_TITLES.get(r.zone or "", "недостаточно данных"),
            criteria=[CriterionOut(key=k, title=titles.get(k, k), **v) for k, v in r.criteria.items()],
            computed_at=r.computed_at, published_at=r.published_at))
    return QuarterOut(quarter=str(q), title=q.title, formula_version=rows[0][0].formula_version if rows else None,
                      published=any(r.published_at for r, _ in rows), bodies=bodies)


@router.get("", response_model=QuarterOut, dependencies=READ, responses=error_responses(404),
            summary="Рейтинг органов за квартал")
def get_quarter(session: Annotated[Session, Depends(get_session)],
                settings: Annotated[Settings, Depends(get_settings)],
                quarter: Annotated[str, Query(description="Квартал, например 2026-Q3", max_length=20)]) -> QuarterOut:
    q = _quarter(quarter)
    return _out(session, q, _rows(session, q), settings)


@router.get("/nominations", response_model=NominationsOut, dependencies=READ,
            summary="Зелёная зона 12 месяцев подряд (п. 12 Порядка)")
def get_nominations(session: Annotated[Session, Depends(get_session)],
                    quarter: Annotated[str | None, Query(description="Последний квартал серии; по умолчанию — "
                                                         "последний рассчитанный", max_length=20)] = None,
                    ) -> NominationsOut:
    if quarter is not None:
        q = _quarter(quarter)
    else:
        latest = session.exec(select(BodyRating.quarter).order_by(col(BodyRating.quarter).desc()).limit(1)).first()
        if latest is None:
            return NominationsOut(quarter="", bodies=[])
        q = Quarter.parse(latest)
    return NominationsOut(quarter=str(q), bodies=[NominationOut(**n) for n in nominations(session, q)])


@router.get("/{quarter}.xlsx", dependencies=READ, responses={**error_responses(404), 200: {"content": {XLSX: {}}}},
            response_class=Response, summary="Рейтинг за квартал в XLSX")
def get_xlsx(session: Annotated[Session, Depends(get_session)], settings: Annotated[Settings, Depends(get_settings)],
             quarter: Annotated[str, Path(description="Квартал, например 2026-Q3", max_length=20)]) -> Response:
    q = _quarter(quarter)
    rows = _rows(session, q)
    parents = {i: b.name for i, b in _parents(session, rows).items()}
    data = render_xlsx(q, rows, load_config(settings), parents)
    return Response(content=data, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="rating-{q}.xlsx"'})


@router.get("/{quarter}.pdf", dependencies=READ,
            responses={**error_responses(404), 200: {"content": {"application/pdf": {}}}},
            response_class=Response, summary="Рейтинг за квартал в PDF")
async def get_pdf(engine: Annotated[Engine, Depends(get_engine)], settings: Annotated[Settings, Depends(get_settings)],
                  quarter: Annotated[str, Path(description="Квартал, например 2026-Q3", max_length=20)]) -> Response:
    q = _quarter(quarter)
    with Session(engine) as session:
        rows = _rows(session, q)
        parents = {i: b.name for i, b in _parents(session, rows).items()}
    data = await asyncio.to_thread(render_pdf, q, rows, load_config(settings), parents)
    return Response(content=data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="rating-{q}.pdf"'})


@router.post("/{quarter}/compute", response_model=QuarterOut, dependencies=COMPUTE,
             responses=error_responses(404, 409), summary="Рассчитать рейтинг за квартал (ЦУР)")
async def compute(engine: Annotated[Engine, Depends(get_engine)], settings: Annotated[Settings, Depends(get_settings)],
                  quarter: Annotated[str, Path(description="Квартал, например 2026-Q3", max_length=20)]) -> Any:
    q = _quarter(quarter)
    now = datetime.now(UTC)
    if q.end() > now:
        raise Unprocessable(f"{q.title} ещё не закончился: рейтинг считается по итогам квартала",
                            code="quarter_not_ended")
    try:
        await asyncio.to_thread(compute_quarter, engine, load_config(settings), q, now)
    except QuarterPublished as e:
        raise Conflict(f"Рейтинг за {q.title} уже опубликован и доведён до руководителей органов: "
                       "пересчёт невозможен", code="rating_published") from e
    with Session(engine) as session:
        return _out(session, q, _rows(session, q), settings)
