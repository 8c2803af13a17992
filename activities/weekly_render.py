"""P16: the weekly note as a document — HTML (Jinja2, ``config/templates/reports/weekly_note.html.j2``), PDF
(WeasyPrint, the DejaVu fonts the P14 letters use) with the per-day chart, and XLSX (one sheet per section).

The chart is an SVG bar chart drawn here and embedded in the HTML (WeasyPrint renders SVG natively), and the
XLSX is written as plain SpreadsheetML with ``zipfile``: matplotlib and openpyxl are not dependencies of the
project (see the branch report), and neither is needed for these two simple artefacts.
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

import jinja2

from activities.delivery.render import msk
from domain.weekly_note import WeeklyNote, signed
from models.settings import CONFIG_DIR


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(CONFIG_DIR / "templates" / "reports")),
                              autoescape=True)


def hours(v: float | None) -> str:
    return "—" if v is None else f"{v:.1f}".replace(".", ",")


def period_title(note: WeeklyNote) -> str:
    from datetime import timedelta

    last = note.period_end - timedelta(days=1)
    return f"{note.period_start:%d.%m.%Y} — {last:%d.%m.%Y}"


def day_chart_svg(note: WeeklyNote, width: int = 640, height: int = 180) -> str:
    """Bars of messages identified per day of the week, with the counts above them."""
    days = note.incoming.by_day
    top = max([d.count for d in days] + [1])
    left, bottom, pad = 30, 28, 34
    plot_h = height - bottom - pad
    slot = (width - left - 10) / max(len(days), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="DejaVu Sans" font-size="10">',
             f'<text x="{left}" y="11" fill="#333">Выявлено сообщений по дням недели</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#666"/>']
    for i, d in enumerate(days):
        h = plot_h * d.count / top
        x = left + i * slot + slot * 0.2
        y = height - bottom - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.6:.1f}" height="{h:.1f}" fill="#2b5d9b"/>')
        parts.append(f'<text x="{x + slot * 0.3:.1f}" y="{y - 3:.1f}" text-anchor="middle">{d.count}</text>')
        parts.append(f'<text x="{x + slot * 0.3:.1f}" y="{height - bottom + 14}" text-anchor="middle">'
                     f'{escape(d.title)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(note: WeeklyNote) -> str:
    return _env().get_template("weekly_note.html.j2").render(
        note=note, period=period_title(note), generated=msk(note.generated_at), chart=day_chart_svg(note),
        signed=signed, hours=hours, msk=msk)


def render_pdf(note: WeeklyNote) -> bytes:
    from activities.letters import html_to_pdf  # WeasyPrint, loaded lazily as for the P14 letters

    return html_to_pdf(render_html(note))


# --- XLSX ----------------------------------------------------------------------------------------

Cell = str | int | float | None


def sheets(note: WeeklyNote) -> list[tuple[str, list[list[Any]]]]:
    inc = note.incoming

    def counts(lines: Any) -> list[list[Any]]:
        return [[x.name, x.count, x.previous, x.change] for x in lines]

    head = ["", "неделя", "предыдущая неделя", "изменение"]
    return [
        ("Сводка", [["Аналитическая записка ЦУР (п. 16 Положения)"], ["Период", period_title(note)],
                    ["Охват", note.scope], ["Сформирована", msk(note.generated_at)], [note.summary], [],
                    ["Выявлено за неделю", inc.total], ["За предыдущую неделю", inc.previous],
                    ["Изменение", inc.change]]),
        ("По дням", [["День", "Выявлено"]] + [[d.title, d.count] for d in inc.by_day]),
        ("Сети", [["Социальная сеть", *head[1:]], *counts(inc.by_network)]),
        ("Темы", [["Группа тем", *head[1:]], *counts(inc.by_topic_group)]),
        ("Территории", [["Территория", *head[1:]], *counts(inc.by_district)]),
        ("Органы", [["Орган", "Поступило", "Отвечено", "В срок", "С нарушением срока", "Не отвечено",
                     "Из них просрочено", "Возвращено (п. 8)", "Проектов на доработку", "Промежуточных ответов",
                     "Медиана до ответа, раб. ч"]]
         + [[b.name, b.received, b.answered, b.on_time, b.late, b.open, b.overdue_open, b.returned, b.rework,
             b.intermediate, b.median_hours] for b in note.bodies]),
        ("ЦУР", [_row("Выявлено", "Направлено в органы", "Из них в срок", "Медиана маршрутизации, раб. ч",
                  "Нарушений по вине ЦУР"),
                 _row(note.tsur.identified, note.tsur.routed, note.tsur.routed_on_time, note.tsur.median_routing_hours,
                      note.tsur.breaches), _row()] + [_row(step, n) for step, n in note.tsur.by_step.items()]),
        ("Просроченные", [["Ссылка", "Сеть", "Тема", "Территория", "Органы", "У кого", "Выявлено", "Срок ответа",
                           "Просрочка, раб. ч"]]
         + [[o.link, o.network, o.topic, o.district, o.bodies, o.holder, msk(o.detected_at), msk(o.answer_due),
             o.overdue_hours] for o in note.overdue]),
    ]


def _row(*cells: Any) -> list[Any]:
    return list(cells)


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _sheet_xml(rows: list[list[Any]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, 1):
        out.append(f'<row r="{r}">')
        for c, v in enumerate(row):
            ref = f"{_col(c)}{r}"
            if v is None or v == "":
                continue
            if isinstance(v, bool) or not isinstance(v, int | float):
                out.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(v))}</t></is></c>')
            else:
                out.append(f'<c r="{ref}"><v>{v}</v></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def render_xlsx(note: WeeklyNote) -> bytes:
    data = sheets(note)
    ns = "http://schemas.openxmlformats.org/"
    types = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                    f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(data) + 1))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="{ns}package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/'
                   f'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>{types}</Types>')
        z.writestr("_rels/.rels",
                   f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{ns}package/2006/relationships">'
                   f'<Relationship Id="rId1" Type="{ns}officeDocument/2006/relationships/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        sheets_xml = "".join(f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
                             for i, (name, _) in enumerate(data, 1))
        z.writestr("xl/workbook.xml",
                   f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{ns}spreadsheetml/2006/main" '
                   f'xmlns:r="{ns}officeDocument/2006/relationships"><sheets>{sheets_xml}</sheets></workbook>')
        rels = "".join(f'<Relationship Id="rId{i}" Type="{ns}officeDocument/2006/relationships/worksheet" '
                       f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(data) + 1))
        z.writestr("xl/_rels/workbook.xml.rels",
                   f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{ns}package/2006/relationships">'
                   f'{rels}</Relationships>')
        for i, (_, rows) in enumerate(data, 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", _sheet_xml(rows))
    return buf.getvalue()
