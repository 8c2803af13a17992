"""A11–A12 over HTTP: ЦУР (curator, administrator) computes a quarter, everyone entitled reads it with
registry names, the XLSX downloads, the nomination list; bad quarters are Russian 422s, unknown ones 404,
a published quarter is final (409)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import Session, select

from models.rating import BodyRating
from models.rating_queries import mark_published
from models.registry import Body
from tests.rating_seed import seed_quarter

pytestmark = pytest.mark.db

V1 = "/api/v1/ratings"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_a11_curator_computes_a_quarter_and_others_read_it(http, world, db):
    seed_quarter(db)
    res = await http.post(f"{V1}/2026-Q3/compute", headers=world.auth("curator"))
    assert res.status_code == 200, res.text
    got = res.json()
    assert got["title"] == "III квартал 2026 г." and got["published"] is False
    by = {b["body"]: b for b in got["bodies"]}
    assert set(by) == {"minzdrav", "mintrans", "gkh", "rkb"}  # not ЦУР
    mz = by["minzdrav"]
    assert (mz["name"], mz["score"], mz["zone"], mz["zone_title"]) == (
        "Министерство здравоохранения РСО-Алания", 3.5, "yellow", "жёлтая")
    timeliness = next(c for c in mz["criteria"] if c["key"] == "timeliness")
    assert timeliness == {"key": "timeliness", "title": "Своевременность ответов (п. 9)", "share": 0.9,
                          "points": 4.5, "good": 9, "total": 10}
    assert by["rkb"]["parent_name"] == "Министерство здравоохранения РСО-Алания"
    assert (by["gkh"]["score"], by["gkh"]["zone_title"]) == (None, "недостаточно данных")
    for who in ("leadership", "resp_minzdrav", "admin"):
        res = await http.get(V1, params={"quarter": "2026-Q3"}, headers=world.auth(who))
        assert res.status_code == 200 and res.json()["bodies"] == got["bodies"], who
    # Computing again (the admin, before publication) replaces the rows.
    assert (await http.post(f"{V1}/2026-Q3/compute", headers=world.auth("admin"))).status_code == 200
    with Session(db) as s:
        assert len(s.exec(select(BodyRating).where(BodyRating.quarter == "2026-Q3")).all()) == 4


async def test_a11_only_tsur_computes(http, world):
    for who in ("exec_minzdrav", "resp_minzdrav", "leadership"):
        res = await http.post(f"{V1}/2026-Q3/compute", headers=world.auth(who))
        assert res.status_code == 403, who
        assert "Действие доступно только ролям" in res.json()["detail"]
    assert (await http.get(V1, params={"quarter": "2026-Q3"}, headers=world.auth("exec_minzdrav"))).status_code == 403
    assert (await http.get(V1, params={"quarter": "2026-Q3"})).status_code == 401


@pytest.mark.parametrize("bad", ["2026-Q5", "2026Q3", "третий"])
async def test_a11_a_bad_quarter_is_a_russian_422(http, world, bad):
    for method, url, kw in (("GET", V1, {"params": {"quarter": bad}}), ("GET", f"{V1}/{bad}.xlsx", {}),
                            ("GET", f"{V1}/{bad}.pdf", {}),
                            ("POST", f"{V1}/{bad}/compute", {}), ("GET", f"{V1}/nominations", {"params": {"quarter": bad}})):
        res = await http.request(method, url, headers=world.auth("curator"), **kw)
        assert res.status_code == 422, (method, url, res.text)
        assert res.json()["code"] == "quarter_invalid" and "указан неверно" in res.json()["detail"]


async def test_a11_unknown_quarter_404_future_quarter_422(http, world):
    cur = world.auth("curator")
    res = await http.get(V1, params={"quarter": "2025-Q1"}, headers=cur)
    assert res.status_code == 404 and res.json()["detail"] == "Рейтинг за I квартал 2025 г. не рассчитан"
    assert (await http.get(f"{V1}/2025-Q1.xlsx", headers=cur)).status_code == 404
    res = await http.post(f"{V1}/2099-Q1/compute", headers=cur)
    assert res.status_code == 422 and "ещё не закончился" in res.json()["detail"]
    res = await http.get(V1, headers=cur)  # no quarter at all
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "query.quarter"


async def test_a11_xlsx_and_pdf_download_and_a_published_quarter_is_final(http, world, db):
    seed_quarter(db)
    cur = world.auth("curator")
    assert (await http.post(f"{V1}/2026-Q3/compute", headers=cur)).status_code == 200
    res = await http.get(f"{V1}/2026-Q3.xlsx", headers=world.auth("leadership"))
    assert res.status_code == 200 and res.headers["content-type"] == XLSX
    assert 'filename="rating-2026-Q3.xlsx"' in res.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(res.content))["Рейтинг"]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=3)}
    assert rows["Министерство транспорта и дорожного хозяйства РСО-Алания"][-2].value == 5.0
    assert rows["Министерство транспорта и дорожного хозяйства РСО-Алания"][-1].fill.start_color.rgb == "FF92D050"
    res = await http.get(f"{V1}/2026-Q3.pdf", headers=cur)
    assert res.status_code == 200 and res.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(res.content)).pages).split())
    assert "Рейтинг органов и организаций: III квартал 2026 г." in text
    assert "Министерство здравоохранения РСО" in text and "жёлтая" in text and "3,5" in text
    assert "недостаточно данных" in text and "от 3 до 3,9" in text
    assert (await http.get(f"{V1}/2025-Q2.pdf", headers=cur)).status_code == 404
    mark_published(db, "2026-Q3", datetime(2026, 10, 1, 7, tzinfo=UTC))
    res = await http.post(f"{V1}/2026-Q3/compute", headers=cur)
    assert res.status_code == 409 and res.json()["code"] == "rating_published"
    assert "уже опубликован" in res.json()["detail"]
    assert (await http.get(V1, params={"quarter": "2026-Q3"}, headers=cur)).json()["published"] is True


async def test_a12_nominations_list_bodies_green_four_quarters_in_a_row(http, world, db):
    quarters = ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    with Session(db) as s:
        ids = {b.code: b.id for b in s.exec(select(Body)).all()}
        for q in quarters:
            s.add(BodyRating(quarter=q, body_id=ids["mintrans"], body_code="mintrans", formula_version="1",
                             score=4.6, zone="green"))
            s.add(BodyRating(quarter=q, body_id=ids["minzdrav"], body_code="minzdrav", formula_version="1",
                             score=4.6 if q != "2026-Q3" else 3.9, zone="green" if q != "2026-Q3" else "yellow"))
        s.commit()
    res = await http.get(f"{V1}/nominations", params={"quarter": "2026-Q3"}, headers=world.auth("leadership"))
    assert res.status_code == 200
    assert res.json() == {"quarter": "2026-Q3", "bodies": [
        {"body": "mintrans", "name": "Министерство транспорта и дорожного хозяйства РСО-Алания", "quarters": quarters}]}
    latest = await http.get(f"{V1}/nominations", headers=world.auth("curator"))  # the latest rated quarter
    assert latest.json()["quarter"] == "2026-Q3" and len(latest.json()["bodies"]) == 1
    assert (await http.get(f"{V1}/nominations", params={"quarter": "2026-Q2"},
                           headers=world.auth("curator"))).json()["bodies"] == []  # only three before it
