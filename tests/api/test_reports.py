"""P16 over HTTP: a curator (re)builds a week's note (the API starts ``WeeklyNoteWorkflow`` on the real worker),
leadership reads it as JSON, PDF and XLSX, a deputy chairman's part by its key; wrong weeks are Russian 422s,
unknown ones 404, other roles 403."""

from __future__ import annotations

import io
import zipfile

import httpx
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.contacts import Contact
from tests.api.conftest import World
from tests.reports.seed import BUILDING, seed_week

BASE = "/api/v1/reports/weekly"


def seed(db: Engine) -> str:
    seed_week(db)
    with Session(db) as s:
        c = Contact(code="deputy-building", position="deputy_chairman", title=BUILDING, portfolio_bodies=["gkh"])
        s.add(c)
        s.commit()
        return f"c{c.id}"


async def test_p16_a_curator_builds_the_week_and_leadership_reads_it_in_every_form(
        http: httpx.AsyncClient, world: World, db: Engine, worker: None) -> None:
    deputy = seed(db)
    r = await http.post(f"{BASE}/2026-W48/generate", headers=world.auth("curator"))
    assert r.status_code == 200, r.text
    assert r.json()["week"] == "2026-W48" and "выявлено 3 сообщения" in r.json()["summary"]
    again = await http.post(f"{BASE}/2026-W48/generate", headers=world.auth("curator"))
    assert again.status_code == 200 and again.json()["generated_at"] >= r.json()["generated_at"]

    listed = (await http.get(BASE, headers=world.auth("leadership"))).json()
    assert [n["week"] for n in listed] == ["2026-W48"]
    assert listed[0]["pdf"] == f"{BASE}/2026-W48.pdf"

    whole = (await http.get(f"{BASE}/2026-W48", headers=world.auth("leadership"))).json()
    names = {b["name"] for b in whole["note"]["bodies"]}
    assert "Министерство здравоохранения РСО-Алания" in names and len(names) == 2
    assert whole["note"]["incoming"]["total"] == 3 and whole["note"]["tsur"]["breaches"] == 2
    part = (await http.get(f"{BASE}/2026-W48", params={"part": deputy}, headers=world.auth("admin"))).json()
    assert [b["code"] for b in part["note"]["bodies"]] == ["gkh"] and part["title"] == BUILDING

    missing = await http.get(f"{BASE}/2026-W48.pdf", params={"part": "c999999"}, headers=world.auth("leadership"))
    assert missing.status_code == 404 and missing.json()["detail"] == "В записке за неделю 2026-W48 нет части «c999999»"

    pdf = await http.get(f"{BASE}/2026-W48.pdf", headers=world.auth("leadership"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert "Аналитическая записка о работе органов" in text and "Министерство здравоохранения РСО-Алания" in text
    part_pdf = await http.get(f"{BASE}/2026-W48.pdf", params={"part": deputy}, headers=world.auth("curator"))
    part_text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(part_pdf.content)).pages)
    assert "Министерство здравоохранения" not in part_text

    xlsx = await http.get(f"{BASE}/2026-W48.xlsx", headers=world.auth("leadership"))
    assert xlsx.status_code == 200
    assert "xl/worksheets/sheet6.xml" in zipfile.ZipFile(io.BytesIO(xlsx.content)).namelist()


async def test_p16_bad_and_unknown_weeks_and_roles(http: httpx.AsyncClient, world: World, db: Engine) -> None:
    lead = world.auth("leadership")
    r = await http.get(f"{BASE}/2026-48", headers=lead)
    assert r.status_code == 422 and r.json()["detail"].startswith("Неделя «2026-48» указана неверно")
    r = await http.get(f"{BASE}/2026-W60.pdf", headers=lead)
    assert r.status_code == 422 and r.json()["detail"] == "Недели 60 в 2026 году нет"
    r = await http.get(f"{BASE}/2026-W40", headers=lead)
    assert r.status_code == 404 and r.json()["detail"] == "Записка за неделю 2026-W40 не сформирована"
    assert (await http.get(f"{BASE}/2026-W40.xlsx", headers=lead)).status_code == 404
    r = await http.post(f"{BASE}/2099-W01/generate", headers=world.auth("curator"))
    assert r.status_code == 422 and r.json()["detail"] == "Неделя 2099-W01 ещё не началась"
    r = await http.post(f"{BASE}/2026-W48/generate", headers=lead)
    assert r.status_code == 403 and "куратор" in r.json()["detail"].lower()
    r = await http.get(BASE, headers=world.auth("exec_minzdrav"))
    assert r.status_code == 403
    assert (await http.get(BASE)).status_code == 401
