"""The OpenAPI document states what the code enforces (issue 14), added once over the generated schema:

* every operation documents the errors the front door and the handlers can give it in the one error body:
  400 (unparsable request), 413 (body over the route's limit), 415, 422, 429 (failed authentication from the
  address), 503 (database or Temporal unavailable); operations behind a token 401 and 403; operations of the
  API 404 (an unknown id or code, in the path or a filter); writes 409 (conflict with the current state);
* ``POST /messages`` links its ``workflow_id`` to every message operation (the stateful phase of
  schemathesis and integrators follow them).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from api.errors import error_responses
from domain.bounds import NO_NUL

PUBLIC = ("/healthz", "/readyz", "/api/v1/integrations/vk/callback", "/openapi.json", "/docs", "/metrics")
WRITES = {"post", "put", "patch", "delete"}


def _ref_errors(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}


def _truthful(schema: dict[str, Any]) -> dict[str, Any]:
    texts = error_responses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503)
    for path, ops in schema.get("paths", {}).items():
        for method, op in ops.items():
            if method not in WRITES | {"get"} or not isinstance(op, dict):
                continue
            statuses = [400, 413, 415, 422, 429, 503]
            if not path.startswith(PUBLIC):
                statuses += [401, 403]
            if path.startswith("/api/") or path.startswith("/codec"):
                statuses.append(404)
            if method in WRITES:
                statuses.append(409)
            responses = op.setdefault("responses", {})
            for status in statuses:
                if str(status) not in responses:
                    responses[str(status)] = {**_ref_errors(schema), "description": texts[status]["description"]}
        for op in ops.values():
            if isinstance(op, dict):
                for resp_status, resp in op.get("responses", {}).items():
                    if path == "/codec/session" and resp_status in ("401", "403"):  # the login page again
                        resp["content"] = {"text/html": {"schema": {"type": "string"}}}
                    elif resp_status[:1] in ("4", "5"):  # errors are JSON, whatever the route's own media type
                        resp["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
                for param in op.get("parameters", []):
                    _no_nul(param.get("schema", {}))
    components = schema.get("components", {}).get("schemas", {})
    for name, component in components.items():
        props = component.get("properties", {})
        if name.startswith("Attachment") and "url" in props:  # before the no-NUL pass, which sets a pattern
            props["url"]["pattern"] = HTTP_URL  # domain.vocabulary.check_http_url
        _no_nul(component)
        if name.startswith("Contact") and "preferences" in props:
            _channels(props["preferences"])
    _links(schema)
    return schema


HTTP_URL = r"^https?://[^\s\x00]{3,}$"


def _no_nul(node: Any) -> None:
    """Strings refuse NUL (``api.schemas.Strict``): say so where no pattern, format or enum says more; a map
    whose keys follow one pattern refuses other keys."""
    if isinstance(node, list):
        for item in node:
            _no_nul(item)
        return
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and not ({"pattern", "format", "enum", "const"} & node.keys()):
        node["pattern"] = NO_NUL
    patterns = node.get("patternProperties")
    if isinstance(patterns, dict) and len(patterns) == 1 and "additionalProperties" not in node:
        node["additionalProperties"] = False
        node.setdefault("propertyNames", {})["pattern"] = next(iter(patterns))
    elif node.get("type") == "object" and isinstance(node.get("additionalProperties"), dict):
        node.setdefault("propertyNames", {}).setdefault("pattern", NO_NUL)  # a map's keys are strings too
    for key, value in node.items():
        if key not in ("pattern", "enum", "const", "example", "examples", "default"):
            _no_nul(value)


def _channels(node: dict[str, Any]) -> None:
    from domain.recipients import Channel

    for variant in [node, *node.get("anyOf", [])]:
        items = (variant.get("additionalProperties") or {}).get("items") if isinstance(variant, dict) else None
        if isinstance(items, dict):
            items.pop("pattern", None)
            items["enum"] = sorted(c.value for c in Channel)


def _links(schema: dict[str, Any]) -> None:
    paths = schema.get("paths", {})
    intake = paths.get("/api/v1/messages", {}).get("post")
    if not intake:
        return
    links: dict[str, Any] = {}
    for path, ops in paths.items():
        if not path.startswith("/api/v1/messages/{message_id}"):
            continue
        for op in ops.values():
            if not isinstance(op, dict) or "operationId" not in op:
                continue
            link: dict[str, Any] = {"operationId": op["operationId"],
                                    "parameters": {"path.message_id": "$response.body#/workflow_id"}}
            if "{draft}" in path:
                link["parameters"]["path.draft"] = "d1"
            links[op["operationId"]] = link
    for status in ("200", "201"):
        if status in intake.get("responses", {}):
            intake["responses"][status]["links"] = links


def install_openapi_truth(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _truthful(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
