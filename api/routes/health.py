"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.engine import Engine

from api.deps import get_engine, get_gateway
from api.temporal import TemporalGateway, TemporalUnavailable
from models.guards import projection_failures

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Процесс жив")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _db_ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@router.get("/readyz", summary="База данных и Temporal доступны")
async def readyz(engine: Engine = Depends(get_engine), gateway: TemporalGateway = Depends(get_gateway)):
    checks: dict[str, str] = {}
    problems: list[str] = []
    try:
        await asyncio.wait_for(asyncio.to_thread(_db_ping, engine), timeout=5)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = "error"
        problems.append(f"база данных недоступна ({type(exc).__name__})")
    try:
        await gateway.check()
        checks["temporal"] = "ok"
    except TemporalUnavailable as exc:
        checks["temporal"] = "error"
        problems.append(f"Temporal недоступен ({str(exc).splitlines()[0][:200]})")
    if checks["temporal"] == "ok":
        # Reported, not required: the API still reads without a worker, but actions would wait for one.
        try:
            polling = await gateway.pollers()
            checks["worker"] = "ok" if polling else "none"
        except TemporalUnavailable:
            checks["worker"] = "unknown"
    behind = None
    if checks["database"] == "ok":
        try:
            count, first = await asyncio.wait_for(asyncio.to_thread(projection_failures, engine), timeout=5)
            checks["read_model"] = "behind" if count else "ok"
            if count:
                behind = (f"Модель чтения отстаёт: {count} сообщ. не записаны в неё из-за ошибки данных "
                          f"({', '.join(first)}); их процессы и сроки идут — см. журнал worker и таблицу "
                          "projection_failure")
        except Exception:
            checks["read_model"] = "unknown"
    if problems:
        return JSONResponse(
            status_code=503,
            content={"detail": "Сервис не готов: " + "; ".join(problems), "code": "not_ready", "checks": checks},
        )
    notes = []
    if checks.get("worker") == "none":
        notes.append("Ни один worker не опрашивает очередь задач: действия с сообщениями не выполнятся, "
                     "пока он не запустится")
    if behind:
        notes.append(behind)
    if notes:
        return {"status": "ok", "checks": checks, "detail": "; ".join(notes)}
    return {"status": "ok", "checks": checks}
