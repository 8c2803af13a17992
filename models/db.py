"""Engine and sessions. SQLite (WAL, foreign keys on) by default, PostgreSQL via OTKLIK_DATABASE_URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

_engines: dict[str, Engine] = {}


def _unicode_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


# How long a SQLite connection waits for another process's write lock before "database is locked": long
# enough for any normal write (milliseconds), short enough that a person's request blocked by a stuck process
# (a frozen worker holding a transaction) gets the API's bounded 503 quickly; activities are retried anyway.
SQLITE_BUSY_SECONDS = 5.0


def make_engine(url: str) -> Engine:
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS}
    else:
        kwargs.update(pool_size=10, max_overflow=20)
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
            # SQLite's lower() folds ASCII only; ILIKE compiles to lower(x) LIKE lower(y), so Cyrillic
            # text search needs Python's Unicode-aware lower (PostgreSQL does this natively).
            dbapi_conn.create_function("lower", 1, _unicode_lower, deterministic=True)

    return engine


def get_engine(url: str) -> Engine:
    """One engine per URL per process."""
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
