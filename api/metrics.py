"""Prometheus metrics of the API at ``/metrics``: requests, latency and errors by route, plus Otklik's own
gauges from the read model (messages open by state, breaches by holder, notifications not delivered).

``install_metrics(app)`` adds the middleware and the route; every app has its own registry (tests build
several apps in one process). The read-model figures are queried on scrape, at most every
``REFRESH_SECONDS``; a database error leaves the last figures and counts in ``otklik_metrics_errors``.
The endpoint is for the monitoring network only: the reverse proxy does not forward it, and a request
that came through a proxy (it carries ``X-Forwarded-For``) gets 404 — Prometheus scrapes the pods directly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine

from models.queries_metrics import ReadModelFigures, read_model_figures

REFRESH_SECONDS = 15.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ReadModelCollector(Collector):
    def __init__(self, engine: Engine, errors: Counter) -> None:
        self._engine = engine
        self._errors = errors
        self._lock = threading.Lock()
        self._at = 0.0
        self._figures = ReadModelFigures()

    def _refresh(self) -> ReadModelFigures:
        with self._lock:
            if time.monotonic() - self._at >= REFRESH_SECONDS:
                try:
                    self._figures = read_model_figures(self._engine)
                    self._at = time.monotonic()
                except Exception:
                    self._errors.inc()
            return self._figures

    def collect(self) -> Iterable[Metric]:
        f = self._refresh()
        open_ = GaugeMetricFamily("otklik_messages_open", "Messages not closed, by state", labels=["state"])
        for state, n in sorted(f.open_by_state.items()):
            open_.add_metric([state], n)
        yield open_
        breaches = GaugeMetricFamily(
            "otklik_breaches", "Recorded deadline breaches, by holder (body code; 'cur' for the ЦУР)",
            labels=["holder"],
        )
        for holder, n in sorted(f.breaches_by_holder.items()):
            breaches.add_metric([holder], n)
        yield breaches
        yield GaugeMetricFamily("otklik_notifications_pending", "Notifications not yet delivered",
                                value=f.notifications_pending)
        yield GaugeMetricFamily("otklik_notifications_failing", "Undelivered notifications that failed at least once",
                                value=f.notifications_failing)


def install_metrics(app: FastAPI) -> None:
    registry = CollectorRegistry()
    requests = Counter("otklik_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry)
    latency = Histogram("otklik_http_request_duration_seconds", "HTTP request latency", ["method", "route"],
                        buckets=LATENCY_BUCKETS, registry=registry)
    errors = Counter("otklik_metrics_errors", "Read-model queries for the gauges that failed", registry=registry)
    registry.register(ReadModelCollector(app.state.engine, errors))
    app.state.metrics_registry = registry

    @app.middleware("http")
    async def _measure(request: Request, call_next):
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            if template != "/metrics":
                latency.labels(request.method, template).observe(time.perf_counter() - started)
                requests.labels(request.method, template, str(status)).inc()

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Response:
        if "x-forwarded-for" in request.headers:
            return JSONResponse(status_code=404, content={"detail": "Не найдено", "code": "not_found"})
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
