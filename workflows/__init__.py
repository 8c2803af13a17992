"""Otklik's workflows; ``ALL_WORKFLOWS`` is what the Worker registers."""

from workflows.delivery import DeliveryWorkflow, DigestWorkflow
from workflows.message import MessageWorkflow
from workflows.surge import SurgeWorkflow

ALL_WORKFLOWS = [MessageWorkflow, DeliveryWorkflow, DigestWorkflow, SurgeWorkflow]
