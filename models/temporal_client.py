"""How Otklik's processes connect to Temporal: TLS, credentials and the worker's metrics runtime.

``connect_options(settings)`` gives the keyword arguments for ``temporalio.client.Client.connect`` that
depend on the deployment (the API's gateway and the worker both pass them):

* ``tls`` — ``False`` unless ``OTKLIK_TEMPORAL_TLS`` is on or a CA / client certificate is given; then a
  ``TLSConfig`` with the CA (else the system store), the client certificate and key (mutual TLS, the
  identity the frontend checks with ``TEMPORAL_TLS_REQUIRE_CLIENT_AUTH``) and the server name to verify;
* ``api_key`` — ``OTKLIK_TEMPORAL_API_KEY``, sent as ``Authorization: Bearer …`` (a JWT that the
  server's default claim mapper reads when ``TEMPORAL_AUTH_AUTHORIZER``/``CLAIM_MAPPER`` are on).

``worker_runtime(settings)`` is the SDK runtime with a Prometheus endpoint for the worker's metrics
(task latencies, schedule-to-start, sticky cache, slots) when ``OTKLIK_WORKER_METRICS_PORT`` is set.
"""

from __future__ import annotations

from typing import Any

from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.service import TLSConfig

from models.settings import Settings


class TemporalConfigError(ValueError):
    """A certificate or key file cannot be read."""


def _read(path: object) -> bytes | None:
    if path is None:
        return None
    try:
        with open(str(path), "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise TemporalConfigError(f"cannot read {path}: {exc.strerror}") from exc


def tls_config(settings: Settings) -> TLSConfig | bool:
    """The ``tls`` argument of ``Client.connect``: ``False`` for a plain connection."""
    wanted = settings.temporal_tls or any(
        p is not None for p in (settings.temporal_tls_ca, settings.temporal_tls_cert, settings.temporal_tls_key)
    )
    if not wanted:
        return False
    return TLSConfig(
        server_root_ca_cert=_read(settings.temporal_tls_ca),
        client_cert=_read(settings.temporal_tls_cert),
        client_private_key=_read(settings.temporal_tls_key),
        domain=settings.temporal_tls_server_name or None,
    )


def connect_options(settings: Settings) -> dict[str, Any]:
    options: dict[str, Any] = {"tls": tls_config(settings)}
    if settings.temporal_api_key:
        options["api_key"] = settings.temporal_api_key
    return options


_runtimes: dict[str, Runtime] = {}


def worker_runtime(settings: Settings) -> Runtime | None:
    """A runtime serving Prometheus metrics on host:port, one per address per process; None when off."""
    if not settings.worker_metrics_port:
        return None
    address = f"{settings.worker_metrics_host}:{settings.worker_metrics_port}"
    if address not in _runtimes:
        _runtimes[address] = Runtime(
            telemetry=TelemetryConfig(
                metrics=PrometheusConfig(bind_address=address, durations_as_seconds=True),
                global_tags={"service": "otklik-worker"},
            )
        )
    return _runtimes[address]
