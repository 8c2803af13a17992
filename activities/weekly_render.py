"""P16: the weekly note as a document — HTML (Jinja2, ``config/templates/reports/weekly_note.html.j2``), PDF
(WeasyPrint, the DejaVu fonts the P14 letters use) with the per-day chart (matplotlib, SVG with its text kept
as text, embedded in the HTML: WeasyPrint renders SVG natively), and XLSX (openpyxl, one sheet per section,
numbers as numbers).
"""

from __future__ import annotations

import io
import threading
from functools import lru_cache
from typing import Any

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


def day_chart_svg(note: WeeklyNote, width: float = 6.4, height: float = 1.9) -> str:
    """Bars of messages identified per day of the week, with the counts above them (each bar ``id="day-N"``)."""
    from matplotlib import rcParams
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    days = note.incoming.by_day
    with _SvgText(rcParams):
        fig = Figure(figsize=(width, height))
        FigureCanvasSVG(fig)
        ax = fig.add_subplot()
        bars = ax.bar(range(len(days)), [d.count for d in days], width=0.6, color="#2b5d9b")
        for i, (bar, d) in enumerate(zip(bars, days, strict=True)):
            bar.set_gid(f"day-{i}")
            ax.annotate(str(d.count), (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                        va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")
        ax.set_xticks(range(len(days)), [d.title for d in days], fontsize=8)
        ax.set_yticks([])
        ax.set_ylim(0, max([d.count for d in days] + [1]) * 1.25)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.set_title("Выявлено сообщений по дням недели", fontsize=9, loc="left")
        fig.tight_layout(pad=0.4)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None})  # the same note gives the same chart
    svg = out.getvalue()
    return svg[svg.index("<svg"):]  # without the XML prolog and doctype: it sits inside the HTML


class _SvgText:
    """Text stays text in the SVG (searchable in the PDF), in DejaVu Sans (Cyrillic); restored afterwards.
    matplotlib's settings are process-wide: one chart at a time (activities render in threads)."""

    _lock = threading.Lock()

    def __init__(self, rc: Any) -> None:
        self._rc = rc
        self._saved: dict[str, Any] = {}

    def __enter__(self) -> None:
        self._lock.acquire()
        wanted = {"svg.fonttype": "none", "font.family": "DejaVu Sans", "svg.hashsalt": "otklik"}
        self._saved = {k: self._rc[k] for k in wanted}
        self._rc.update(wanted)

    def __exit__(self, *exc: object) -> None:
        self._rc.update(self._saved)
        self._lock.release()


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
        ("Аккаунты", [["Орган", "Соцсеть", "Аккаунт", "Собственных публикаций", "Норма", "По графику",
                       "Вышло", "Из них позже срока", "Не вышло", "Не подсчитано: причина", "Описание (п. 8)",
                       "Фото (п. 8)", "Ссылка на сайте органа (п. 8)"]]
         + [[a.name, a.network, a.url, a.posts, a.threshold, a.planned, a.published, a.late, a.missed, a.error or "",
             _yes(a.has_description), _yes(a.has_photo), _yes(a.on_site)] for a in note.accounts]),
    ]


def _yes(v: bool | None) -> str:
    return "не известно" if v is None else "да" if v else "нет"


def _row(*cells: Any) -> list[Any]:
    return list(cells)


def render_xlsx(note: WeeklyNote) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets(note):
        ws = wb.create_sheet(title=name)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
        if name != "Сводка" and rows:
            for cell in ws[1]:
                cell.font = Font(bold=True)
            ws.freeze_panes = "A2"
        else:
            ws["A1"].font = Font(bold=True, size=12)
        for i in range(1, ws.max_column + 1):
            longest = max((len(str(c.value)) for c in ws[get_column_letter(i)] if c.value is not None), default=8)
            ws.column_dimensions[get_column_letter(i)].width = min(max(longest + 2, 10), 60)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
