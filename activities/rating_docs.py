"""The quarterly rating as an XLSX workbook (openpyxl) and a PDF (weasyprint): «Рейтинг» — bodies by registry name, the criteria's
points, the score and the zone filled green / yellow / red; «Формула» — the criteria, weights and scales of
``config/rating.yaml`` and the zone bounds of item 11 of the Order."""

from __future__ import annotations

import io

from domain.rating import ZONE_TITLES, Quarter, RatingConfig
from models.rating import BodyRating
from models.registry import Body
from models.settings import CONFIG_DIR

FILLS = {"green": "FF92D050", "yellow": "FFFFFF00", "red": "FFFF5050"}
NO_DATA = "недостаточно данных"


def formula_lines(cfg: RatingConfig) -> list[str]:
    """The formula in Russian sentences (the XLSX «Формула» sheet, the PDF)."""
    weights = "; ".join(f"{c.title} — {c.weight:g}" for c in cfg.criteria.values())
    return [
        "Учитываются сообщения, выявленные в квартале и поступившие органу; подведомственная организация "
        "оценивается отдельно по своим сообщениям.",
        f"Меньше {cfg.min_messages} сообщений за квартал — балл не ставится («{NO_DATA}»).",
        "Доля по каждому критерию переводится в баллы 0–5 по шкале; балл органа — среднее баллов "
        f"критериев, взвешенное по весам ({weights}); критерий без данных не учитывается.",
        "Балл округляется до десятых (половина — вверх: 3,95 → 4,0); зона — по округлённому баллу.",
        "Нарушение срока, когда сообщение было у ЦУР, балл органа не снижает (п. 15).",
        "Зоны (п. 11 Порядка): зелёная — от 4 до 5 баллов; жёлтая — от 3 до 3,9; красная — от 0 до 2,9.",
        "Зелёная зона четыре квартала подряд (12 месяцев) — представление к нематериальному "
        "стимулированию (п. 12); квартал без балла прерывает серию.",
    ]


def render_pdf(q: Quarter, rows: list[tuple[BodyRating, Body]], cfg: RatingConfig, parents: dict[int, str]) -> bytes:
    """The same table as a PDF (weasyprint), zones coloured, the formula below it."""
    import jinja2

    from activities.letters import html_to_pdf

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(CONFIG_DIR / "templates" / "reports")),
                             autoescape=True)
    keys = [k.value for k in cfg.criteria]
    table = [{"name": b.name, "parent": parents.get(b.parent_id or -1, ""), "messages": r.messages,
              "points": [_num(r.criteria.get(k, {}).get("points")) for k in keys],
              "score": _num(r.score), "zone": r.zone,
              "zone_title": ZONE_TITLES.get(r.zone or "", NO_DATA)} for r, b in rows]
    html = env.get_template("rating.html.j2").render(
        title=q.title, version=cfg.version, published=any(r.published_at for r, _ in rows),
        criteria=[c.title for c in cfg.criteria.values()], rows=table, formula=formula_lines(cfg))
    return html_to_pdf(html)


def _num(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}".replace(".", ",")


def render_xlsx(q: Quarter, rows: list[tuple[BodyRating, Body]], cfg: RatingConfig,
                parents: dict[int, str]) -> bytes:
    from openpyxl import Workbook  # imported where a workbook is made, like weasyprint for PDFs
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Рейтинг"
    keys = [k.value for k in cfg.criteria]
    ws.append([f"Рейтинг органов и организаций за {q.title} (п. 11 Порядка, Указ Главы РСО-Алания "
               "от 17.02.2023 № 40)"])
    ws["A1"].font = Font(bold=True, size=12)
    head = ["Орган / организация", "Орган-учредитель", "Сообщений", *[c.title for c in cfg.criteria.values()],
            "Балл", "Зона"]
    ws.append(head)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, b in rows:
        points = [r.criteria.get(k, {}).get("points") for k in keys]
        ws.append([b.name, parents.get(b.parent_id or -1, ""), r.messages,
                   *["—" if p is None else p for p in points],
                   NO_DATA if r.score is None else r.score, ZONE_TITLES.get(r.zone or "", NO_DATA)])
        row = ws.max_row
        if r.zone in FILLS:
            fill = PatternFill(fill_type="solid", start_color=FILLS[r.zone], end_color=FILLS[r.zone])
            ws.cell(row=row, column=len(head) - 1).fill = fill
            ws.cell(row=row, column=len(head)).fill = fill
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 40
    for i in range(3, len(head) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 16
    ws.freeze_panes = "B3"

    f = wb.create_sheet("Формула")
    f.append(["Как считается балл (config/rating.yaml, версия " + cfg.version + ")"])
    f["A1"].font = Font(bold=True)
    for line in formula_lines(cfg):
        f.append([line])
    f.append([])
    f.append(["Критерий", "Вес", "Доля не ниже", "Баллы"])
    for cell in f[f.max_row]:
        cell.font = Font(bold=True)
    for c in cfg.criteria.values():
        for i, s in enumerate(c.scale):
            f.append([c.title if i == 0 else "", c.weight if i == 0 else None, s.share, s.points])
    f.column_dimensions["A"].width = 60
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
