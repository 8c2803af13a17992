"""The FastAPI application: ``create_app(settings)``; ``otklik api`` serves it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from temporalio.client import Client

from api.docs import install_docs
from api.errors import install_error_handlers
from api.intake import Intake
from api.metrics import install_metrics
from api.middleware import install_front_door
from api.openapi_truth import install_openapi_truth
from api.pages import install_pages
from api.responses import MoscowJSONResponse
from api.routes import (
    account_activity,
    accounts,
    candidates,
    codec,
    contacts,
    health,
    messages,
    moderation,
    notifications,
    publication_plan,
    ratings,
    registry,
    reports,
    retire,
    routing_rules,
    vk,
)
from api.temporal import TemporalGateway
from models.db import get_engine
from models.settings import Settings, get_settings


def create_app(settings: Settings | None = None, *, temporal_client: Client | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The Temporal client is bound to this event loop: created here (lazily), never at import.
        app.state.temporal = TemporalGateway(settings, temporal_client)
        app.state.intake = Intake(settings, app.state.engine, app.state.temporal)
        yield

    app = FastAPI(
        title="Отклик",
        description="Ответы органов власти Республики Северная Осетия-Алания на сообщения граждан "
        "в социальных сетях (Указ Главы РСО-Алания № 40 от 17.02.2023).",
        version="0.1.0",
        lifespan=lifespan,
        default_response_class=MoscowJSONResponse,  # one datetime form: ISO 8601 at +03:00
        docs_url=None,  # api/docs.py serves them with assets from the package
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
    )
    app.state.settings = settings
    app.state.engine = get_engine(settings.db_url)
    install_error_handlers(app)
    install_metrics(app)
    app.include_router(health.router)
    app.include_router(messages.router)
    app.include_router(registry.router)
    app.include_router(routing_rules.router)
    app.include_router(retire.router)
    app.include_router(account_activity.router)  # before /accounts/{id}: «activity» is not an account number
    app.include_router(accounts.router)
    app.include_router(moderation.router)
    app.include_router(publication_plan.router)
    app.include_router(vk.router)
    app.include_router(candidates.router)
    app.include_router(notifications.router)
    app.include_router(contacts.router)
    app.include_router(reports.router)
    app.include_router(ratings.router)
    app.include_router(codec.router)
    install_pages(app)
    install_docs(app, settings.docs_enabled)
    install_openapi_truth(app)  # the schema states the errors and links the code has
    install_front_door(app, settings)  # outermost: body limits, auth rate limit, security headers
    return app
