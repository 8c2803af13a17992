"""Otklik's workflows; ``ALL_WORKFLOWS`` is what the Worker registers."""

from workflows.message import MessageWorkflow

ALL_WORKFLOWS = [MessageWorkflow]
