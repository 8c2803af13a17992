"""A page's form → the same request body the JSON route takes (``api.schemas``), validated the same way.

Form fields carry what a person fills in; empty optional fields are left out; a validation error is the
API's own ``RequestValidationError`` (its Russian field texts show on the page).
"""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from api.candidate_schemas import TakeIn
from api.schemas import (
    AcceptIn,
    ApproveIn,
    ClassifyIn,
    DismissIn,
    DraftIn,
    DraftReturnIn,
    IllegalIn,
    NotProcessedIn,
    PublishedIn,
    PublisherIn,
    RerouteIn,
    ReturnIn,
    RouteIn,
    SignificantIn,
)
from domain.decisions import ChecklistItem

SCHEMAS: dict[str, type[BaseModel]] = {
    "classify": ClassifyIn, "route": RouteIn, "reroute": RerouteIn, "accept": AcceptIn,
    "return_to_curator": ReturnIn, "submit_draft": DraftIn, "approve": ApproveIn, "return_draft": DraftReturnIn,
    "confirm_published": PublishedIn, "change_publisher": PublisherIn, "mark_not_processed": NotProcessedIn,
    "flag_illegal": IllegalIn, "dismiss": DismissIn, "mark_significant": SignificantIn,
}
TEXT_FIELDS = ("reason", "comment", "agency", "ground", "text", "kind", "promised_date", "measures_taken", "url",
               "published_at", "body", "topic", "location", "importance", "order", "publisher", "publishing_body")


def _get(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _classification(form: FormData) -> dict[str, Any] | None:
    topic, location = _get(form, "topic"), _get(form, "location")
    if topic is None and location is None:
        return None
    data: dict[str, Any] = {"topic": topic, "location": location}
    if _get(form, "importance"):
        data["importance"] = _get(form, "importance")
    return data


def _route(form: FormData) -> dict[str, Any]:
    bodies = [b for b in form.getlist("bodies") if isinstance(b, str) and b]

    def position(code: str) -> int:  # a sequential route's order: the numbers typed beside the bodies
        value = _get(form, f"pos_{code}")
        return int(value) if value is not None and value.isdigit() else 99

    bodies = sorted(bodies, key=position)  # stable: unnumbered ones keep the list's order
    data: dict[str, Any] = {"bodies": bodies}
    for name in ("order", "publisher", "publishing_body", "comment", "reason"):
        if _get(form, name):
            data[name] = _get(form, name)
    return data


def _attachments(form: FormData) -> list[dict[str, str]]:
    lines = (_get(form, "attachments") or "").splitlines()
    return [{"kind": "photo", "url": line.strip()} for line in lines if line.strip()]


def _raw(action: str, form: FormData) -> dict[str, Any]:
    if action == "classify":
        return _classification(form) or {}
    if action in ("route", "reroute"):
        data = _route(form)
        if action == "route" and _classification(form):
            data["classification"] = _classification(form)
        return data
    if action == "approve":
        data = {item.value: form.get(item.value) == "on" for item in ChecklistItem}
        for name in ("text", "comment", "promised_date"):
            if _get(form, name):
                data[name] = _get(form, name)
        if _get(form, "kind"):
            data["kind"] = _get(form, "kind")
        return data
    if action == "return_draft":
        data = {"reasons": [r for r in form.getlist("reasons") if isinstance(r, str)]}
        if _get(form, "comment"):
            data["comment"] = _get(form, "comment")
        return data
    data = {name: _get(form, name) for name in TEXT_FIELDS if _get(form, name) is not None}
    if action == "submit_draft":
        data["attachments"] = _attachments(form)
        data.setdefault("text", "")
    return data


def _invalid(exc: ValidationError, prefix: tuple[str, ...] = ("body",)) -> RequestValidationError:
    return RequestValidationError([{**e, "loc": (*prefix, *e["loc"])} for e in exc.errors()])


def action_payload(action: str, form: FormData) -> BaseModel:
    try:
        return SCHEMAS[action].model_validate(_raw(action, form))
    except ValidationError as exc:
        raise _invalid(exc) from exc


def take_payload(form: FormData) -> TakeIn:
    """Take a candidate: a classification (topic and district) and, when bodies are ticked, the route."""
    data: dict[str, Any] = {}
    classification = _classification(form)
    if classification:
        data["classification"] = classification
    route = _route(form)
    if route["bodies"]:
        data["route"] = {k: v for k, v in route.items() if k != "reason"}
    if _get(form, "repeat_of"):
        data["repeat_of"] = _get(form, "repeat_of")
    try:
        return TakeIn.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from exc
