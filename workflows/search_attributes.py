"""Otklik's custom search attributes: what an operator filters by in the Temporal Web UI.

Registered by ``otklik run`` (dev server ``--search-attribute``) and by the compose setup job.
Values are stored unencrypted by the server: never put personal data in them.
"""

from __future__ import annotations

from typing import Any

from temporalio.common import SearchAttributeKey

STATE = SearchAttributeKey.for_keyword("OtklikState")
TOPIC = SearchAttributeKey.for_keyword("OtklikTopic")
LOCATION = SearchAttributeKey.for_keyword("OtklikLocation")
IMPORTANCE = SearchAttributeKey.for_keyword("OtklikImportance")
BODY = SearchAttributeKey.for_keyword_list("OtklikBody")
NETWORK = SearchAttributeKey.for_keyword("OtklikNetwork")
DEADLINE = SearchAttributeKey.for_datetime("OtklikDeadline")
BREACHED = SearchAttributeKey.for_bool("OtklikBreached")

ALL: list[SearchAttributeKey[Any]] = [STATE, TOPIC, LOCATION, IMPORTANCE, BODY, NETWORK, DEADLINE, BREACHED]

# name -> type name as the Temporal CLI spells it (`--search-attribute Name=Type`)
CLI_TYPES: dict[str, str] = {
    "OtklikState": "Keyword",
    "OtklikTopic": "Keyword",
    "OtklikLocation": "Keyword",
    "OtklikImportance": "Keyword",
    "OtklikBody": "KeywordList",
    "OtklikNetwork": "Keyword",
    "OtklikDeadline": "Datetime",
    "OtklikBreached": "Bool",
}
