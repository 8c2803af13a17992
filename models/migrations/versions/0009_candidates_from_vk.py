"""candidates from VK events: the VK inbox becomes the candidates' source (P7)

Before candidates, every accepted VK event started a MessageWorkflow. Now an event is the raw record
(``vk_event``: dedup by ``event_id``, the body as received) and what it brings is a candidate. This
migration turns the events already stored into candidates:

* ``pending`` (no workflow started yet) → a **new** candidate: it waits for a Curator's triage and starts
  no clock, arrived when VK delivered it;
* ``started`` (a workflow runs) → a **taken** candidate with that ``workflow_id`` (taken by the system:
  ``decided_by`` empty), so the triage list does not offer it again;
* an event whose payload no longer reads as a citizen's message → ``invalid`` with the reason.

Each such event is then ``recorded`` with its ``candidate_id``. A candidate already recorded for the same
network + external id (e.g. the same post from a feed) is reused, never duplicated.

Downgrade: events go back to ``pending`` / ``started`` and the candidates made from them are deleted.

Revision ID: 0009_candidates_from_vk
Revises: 0005_outbox
Create Date: 2026-12-01 22:10:41.080443
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from pydantic import ValidationError

revision: str = '0009_candidates_from_vk'
down_revision: str | None = '0005_outbox'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

vk_event = sa.table(
    "vk_event", sa.column("id", sa.Integer), sa.column("payload", sa.Text), sa.column("status", sa.String),
    sa.column("workflow_id", sa.String), sa.column("received_at", sa.DateTime), sa.column("started_at", sa.DateTime),
    sa.column("last_error", sa.Text), sa.column("candidate_id", sa.Integer),
)
candidate = sa.table(
    "candidate", sa.column("id", sa.Integer), sa.column("network", sa.String), sa.column("external_id", sa.String),
    sa.column("kind", sa.String), sa.column("source", sa.String), sa.column("url", sa.String),
    sa.column("post_id", sa.String), sa.column("comment_id", sa.String), sa.column("community_id", sa.String),
    sa.column("author_id", sa.String), sa.column("author_name", sa.String), sa.column("author_url", sa.String),
    sa.column("text", sa.Text), sa.column("attachments", sa.JSON), sa.column("posted_at", sa.DateTime),
    sa.column("arrived_at", sa.DateTime), sa.column("raw_payload", sa.Text), sa.column("marks", sa.JSON),
    sa.column("status", sa.String), sa.column("decided_at", sa.DateTime), sa.column("workflow_id", sa.String),
)


def _aware(t: datetime | None) -> datetime | None:
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


def upgrade() -> None:
    with op.batch_alter_table('vk_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('candidate_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_vk_event_candidate_id'), ['candidate_id'], unique=False)

    from domain.vk import Skip, VkCallback, candidate_in

    conn = op.get_bind()
    events = conn.execute(sa.select(vk_event.c.id, vk_event.c.payload, vk_event.c.status, vk_event.c.workflow_id,
                                    vk_event.c.received_at, vk_event.c.started_at)
                          .where(vk_event.c.status.in_(["pending", "started"])).order_by(vk_event.c.id)).all()
    for ev in events:
        try:
            cand = candidate_in(VkCallback.model_validate_json(ev.payload), ev.payload)
        except (ValidationError, Skip, KeyError) as exc:
            conn.execute(vk_event.update().where(vk_event.c.id == ev.id)
                         .values(status="invalid", last_error=f"при переносе в кандидаты: {exc}"[:2000]))
            continue
        found = conn.execute(sa.select(candidate.c.id).where(candidate.c.network == cand.network.value,
                                                             candidate.c.external_id == cand.external_id)).first()
        if found is not None:
            cid = found.id
            if ev.status == "started":  # the message runs: the candidate is taken, whatever it said
                conn.execute(candidate.update().where(candidate.c.id == cid, candidate.c.status == "new")
                             .values(status="taken", workflow_id=ev.workflow_id, decided_at=_aware(ev.started_at)))
        else:
            taken = ev.status == "started"
            cid = conn.execute(candidate.insert().values(
                network=cand.network.value, external_id=cand.external_id, kind=cand.kind.value,
                source=cand.source.value, url=cand.url, post_id=cand.post_id, comment_id=cand.comment_id,
                community_id=cand.community_id, author_id=cand.author.id, author_name=cand.author.name,
                author_url=cand.author.profile_url, text=cand.text,
                attachments=json.loads(json.dumps([a.model_dump() for a in cand.attachments])),
                posted_at=cand.posted_at, arrived_at=_aware(ev.received_at), raw_payload=ev.payload, marks=[],
                status="taken" if taken else "new", workflow_id=ev.workflow_id if taken else None,
                decided_at=_aware(ev.started_at) if taken else None,
            ).returning(candidate.c.id)).scalar_one()
        conn.execute(vk_event.update().where(vk_event.c.id == ev.id).values(status="recorded", candidate_id=cid))


def downgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(vk_event.c.id, vk_event.c.candidate_id, candidate.c.status,
                                  candidate.c.workflow_id, candidate.c.source)
                        .select_from(vk_event.outerjoin(candidate, candidate.c.id == vk_event.c.candidate_id))
                        .where(vk_event.c.status == "recorded")).all()
    for row in rows:
        started = row.status == "taken" and row.workflow_id is not None
        conn.execute(vk_event.update().where(vk_event.c.id == row.id).values(
            status="started" if started else "pending", workflow_id=row.workflow_id if started else None))
        if row.candidate_id is not None and row.source == "vk_callback":
            conn.execute(candidate.delete().where(candidate.c.id == row.candidate_id))
    with op.batch_alter_table('vk_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vk_event_candidate_id'))
        batch_op.drop_column('candidate_id')
