"""Exported histories of complete scenarios replay against the current workflow code: a change that is
not deterministic (without ``workflow.patched``) fails here. Re-export with ``OTKLIK_EXPORT_HISTORIES=1``
only when the change is meant to be incompatible with running workflows (and say so)."""

from __future__ import annotations

import json

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from tests.conftest import TEST_CONVERTER
from tests.workflows.changed_workflow import ChangedMessageWorkflow
from tests.workflows.helpers import HISTORIES
from workflows import ALL_WORKFLOWS

FILES = sorted(HISTORIES.glob("*.json"))


def test_histories_are_exported():
    assert len(FILES) >= 22, "export histories with OTKLIK_EXPORT_HISTORIES=1 pytest tests/workflows"
    kinds = {json.loads(p.read_text(encoding="utf-8"))["events"][0]["workflowExecutionStartedEventAttributes"]
             ["workflowType"]["name"] for p in FILES}
    assert {"MessageWorkflow", "AccountActivityWorkflow", "WeeklyNoteWorkflow", "RatingWorkflow"} <= kinds


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
async def test_replay_exported_history(path):
    history = WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text(encoding="utf-8"))
    replayer = Replayer(workflows=ALL_WORKFLOWS, data_converter=TEST_CONVERTER)  # decodes plain and encrypted histories
    await replayer.replay_workflow(history)



async def test_a_changed_workflow_does_not_replay_a_stored_history():
    """The guard works: a workflow that schedules something new fails on an old history."""
    path = HISTORIES / "happy_path.json"
    history = WorkflowHistory.from_json("replay-changed", path.read_text(encoding="utf-8"))
    replayer = Replayer(workflows=[ChangedMessageWorkflow], data_converter=TEST_CONVERTER)
    with pytest.raises(NondeterminismError):
        await replayer.replay_workflow(history)
