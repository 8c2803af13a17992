"""Otklik's workflows; ``ALL_WORKFLOWS`` is what the Worker registers."""

from workflows.message import MessageWorkflow
from workflows.retention import RetentionWorkflow

ALL_WORKFLOWS = [MessageWorkflow, RetentionWorkflow]
