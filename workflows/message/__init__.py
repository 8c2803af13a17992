"""MessageWorkflow as a package: the workflow class (``workflow``), its handlers by act of the Regulation
(``routing``, ``drafts``, ``closing``), its clock engine (``clocks``), its state (``record``), what it writes
(``outputs``) and its texts (``texts``)."""

from workflows.message.workflow import MessageWorkflow

__all__ = ["MessageWorkflow"]
