"""P16: the note as documents — the PDF (WeasyPrint) carries the Russian text, the registry names and the
per-day chart; the XLSX has one sheet per section with the numbers."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook
from pypdf import PdfReader

from activities.weekly_render import day_chart_svg, render_html, render_pdf, render_xlsx
from domain.weekly_aggregate import build_note
from tests.unit.test_weekly_note import AS_OF, BASE, CAL, NAMES, W48, week_rows


def note():  # type: ignore[no-untyped-def]
    return build_note(week_rows(), W48, AS_OF, CAL, NAMES, BASE)


def read_xlsx(data: bytes) -> dict[str, list[list[str]]]:
    """Every sheet as rows of cell texts, by sheet name (openpyxl reads the file back: numbers stay numbers)."""
    wb = load_workbook(io.BytesIO(data))
    out = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows(values_only=True):
            cells = [str(v) for v in row]
            while cells and cells[-1] == "None":
                cells.pop()
            rows.append(["" if c == "None" else c for c in cells])
        out[ws.title] = rows
    return out


def test_p16_numbers_in_the_xlsx_are_numbers() -> None:
    wb = load_workbook(io.BytesIO(render_xlsx(note())))
    assert isinstance(wb["Органы"]["B2"].value, int) and wb["Органы"]["A1"].font.bold


def test_p16_the_pdf_is_russian_and_names_bodies_by_their_registry_names() -> None:
    pdf = render_pdf(note())
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Аналитическая записка о работе органов и организаций в социальных сетях" in text
    assert "23.11.2026 — 29.11.2026" in text
    assert "Министерство ЖКХ, топлива и энергетики" in text
    assert "Динамика поступления сообщений" in text and "Работа ЦУР" in text
    assert "выявлено 5 сообщений" in text
    assert f"{BASE}/messages/m4" in text
    assert not re.search(r"\bgkh\b|\bminzdrav\b", text)


def test_p16_the_chart_has_one_bar_per_day_with_its_count() -> None:
    n = note()
    svg = day_chart_svg(n)
    assert svg.count('id="day-') == 7 and "пн 23.11" in svg and "вс 29.11" in svg
    assert svg in render_html(n)


def test_p16_the_xlsx_has_a_sheet_per_section_with_the_numbers() -> None:
    sheets = read_xlsx(render_xlsx(note()))
    assert list(sheets) == ["Сводка", "По дням", "Сети", "Темы", "Территории", "Органы", "ЦУР", "Просроченные",
                            "Аккаунты"]
    bodies = {r[0]: r[1:] for r in sheets["Органы"][1:]}
    gkh = bodies[NAMES.bodies["gkh"]]
    assert gkh[:7] == ["2", "1", "0", "1", "1", "1", "0"]  # received, answered, on time, late, open, overdue, returned
    assert [r[1] for r in sheets["По дням"][1:]] == ["1", "1", "1", "1", "1", "0", "0"]
    assert sheets["ЦУР"][1][4] == "2"
    assert sheets["Просроченные"][1][0] == f"{BASE}/messages/m4"
    assert sheets["Сводка"][6] == ["Выявлено за неделю", "5"]


def test_p16_the_note_tells_how_the_official_accounts_kept_the_norm_and_the_schedule() -> None:
    """The Order, items 4, 7, 8 in the weekly note: each account's own publications against the norm, its
    schedule's outcome; the summary counts those below the norm; a deputy's part has only their bodies'."""
    from domain.weekly_note import AccountRow

    rows = week_rows()
    rows.accounts = [
        AccountRow(body="minzdrav", network="vk", url="https://vk.com/minzdrav_rso", posts=2, meets=False,
                   planned=3, published=2, late=1, missed=1, has_description=True, has_photo=False),
        AccountRow(body="gkh", network="ok", url="https://ok.ru/group/1", posts=4, meets=True, planned=1, published=1),
        AccountRow(body="gkh", network="vk", url="https://vk.com/gkh_rso", error="доступ запрещён"),
    ]
    n = build_note(rows, W48, AS_OF, CAL, NAMES, BASE)
    assert n.accounts[0].url == "https://vk.com/minzdrav_rso"  # below the norm first
    assert n.summary.endswith("официальных аккаунтов ниже нормы публикаций — 1 из 2, не вышло по графику — 1.")
    pdf = render_pdf(n)
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "5. Официальные аккаунты органов (пп. 4, 7, 8 Порядка)" in text
    assert "minzdrav_rso" in text and "не подсчитано" in text and "доступ запрещён" in text
    assert "да · нет · —" in text  # item 8: a description, no main photo, the site not known
    sheet = read_xlsx(render_xlsx(n))["Аккаунты"]
    assert sheet[1][:9] == [n.accounts[0].name, "ВКонтакте", "https://vk.com/minzdrav_rso", "2", "3", "3", "2", "1",
                            "1"]
    assert sheet[1][10:13] == ["да", "нет", "не известно"]
    part = build_note(rows, W48, AS_OF, CAL, NAMES, BASE, only={"gkh"})
    assert {a.url for a in part.accounts} == {"https://ok.ru/group/1", "https://vk.com/gkh_rso"}
    assert part.summary.endswith("официальных аккаунтов ниже нормы публикаций — 0 из 1.")
