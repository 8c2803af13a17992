"""A candidate is screened when it is recorded (issue 10: suggestions for triage, P14 marks)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from domain.candidates import CandidateIn, CandidateSource
from domain.messages import Author, Network
from models.candidates import record_candidate
from models.seed import seed

pytestmark = pytest.mark.db


def test_a_recorded_candidate_gets_its_suggested_district_topic_and_body(db):
    seed(db)
    with Session(db) as session:
        row, created = record_candidate(session, CandidateIn(
            network=Network.vk, external_id="wall-1_901", source=CandidateSource.vk_callback,
            url="https://vk.com/wall-1_901", author=Author(id="5", name="Жительница"),
            text="В Моздоке третий день нет воды на улице Кирова, водоканал трубку не берёт"))
        assert created
        session.refresh(row)
        assert row.suggested_location == "mozdok"
        assert row.suggested_topic is not None and row.marks == []
        again, created = record_candidate(session, CandidateIn(
            network=Network.vk, external_id="wall-1_901", source=CandidateSource.vk_poll,
            url="https://vk.com/wall-1_901", author=Author(id="5"), text="другой текст"))
        assert not created and again.id == row.id
