"""One action table (issue 8 item 8): the workflow, its client, the API and the docs all read ``ACTIONS``."""

from __future__ import annotations

from pathlib import Path

from temporalio.workflow import _Definition

from api.actions import DECISIONS
from domain.actions import ACTIONS, actions_markdown
from workflows.client import UPDATE_NAMES
from workflows.message import MessageWorkflow

DOCS = Path(__file__).resolve().parents[2] / "docs" / "actions.md"


def test_the_workflow_the_client_and_the_api_offer_exactly_the_tables_actions():
    updates = set(_Definition.from_class(MessageWorkflow).updates)
    assert updates == set(ACTIONS) == set(UPDATE_NAMES) == set(DECISIONS)
    for name, action in ACTIONS.items():
        assert DECISIONS[name] is action.decision and action.title and action.roles and action.states


def test_the_docs_table_is_generated_from_the_table():
    assert DOCS.read_text(encoding="utf-8") == actions_markdown(), "regenerate docs/actions.md (see its header)"
