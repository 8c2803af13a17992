"""Schemathesis hooks for ``tests/api/test_schemathesis_cli.py`` (loaded with ``SCHEMATHESIS_HOOKS``).

``positive_data_acceptance`` is configured to accept 422 for schema-valid data, because some rules cannot be
stated in JSON Schema (a code must exist in the registry, a time may not lie in the future, a detection time
not before the publication). This check keeps the rest honest: a schema-valid request refused with
*field* errors (``errors`` in the body: a length, a pattern, a format, a NUL) is a constraint the schema
fails to state — a failure.
"""

from __future__ import annotations

import schemathesis
from schemathesis import GenerationMode


@schemathesis.check
def field_rules_are_in_the_schema(ctx, response, case):  # type: ignore[no-untyped-def]
    meta = case.meta
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE or response.status_code != 422:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError("422 without the JSON error body") from None
    # A model's cross-field rule (``value_error`` on the whole body, e.g. «для ролей executor и responsible
    # нужен орган») cannot be stated per field; any other field error can, NUL included.
    stated = [e for e in body.get("errors") or []
              if not (e.get("type") == "value_error" and e.get("field") == "body" and "NUL" not in e.get("message", ""))]
    if stated:
        raise AssertionError(f"Schema-valid request refused by field validation: {body.get('detail')}")
    return None
