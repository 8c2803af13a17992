"""Otklik's workflows; ``ALL_WORKFLOWS`` is what the Worker registers."""

from workflows.account_activity import AccountActivityWorkflow
from workflows.delivery import DeliveryWorkflow, DigestWorkflow
from workflows.message import MessageWorkflow
from workflows.monitor import NetworkMonitorWorkflow
from workflows.rating import RatingWorkflow
from workflows.retention import RetentionWorkflow
from workflows.surge import SurgeWorkflow
from workflows.triage import TriageReminderWorkflow
from workflows.weekly_note import WeeklyNoteWorkflow

ALL_WORKFLOWS = [MessageWorkflow, TriageReminderWorkflow, NetworkMonitorWorkflow, DeliveryWorkflow, DigestWorkflow,
                 SurgeWorkflow, RetentionWorkflow, AccountActivityWorkflow, WeeklyNoteWorkflow,
                 RatingWorkflow]
