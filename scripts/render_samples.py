"""Render the samples in docs/: a digest mail (text, HTML, PDF, PNG) and a P14 letter (PDF, PNG).

``.venv/bin/python scripts/render_samples.py`` — uses a scratch SQLite database with the shipped registry
(``otklik seed``) and invented, impersonal sample messages; the same code paths as delivery.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session

from activities.delivery.render import render_digest
from activities.delivery.store import render_events
from activities.letters import html_to_pdf, render_letter
from domain.notifications import NotificationEvent
from models.db import make_engine
from models.migrate import upgrade
from models.readmodel import Message, PoliceNotice
from models.seed import seed
from models.seed_contacts import seed_contacts
from models.settings import REPO_ROOT, Settings

DOCS = REPO_ROOT / "docs"
T = datetime(2026, 12, 2, 6, 40, tzinfo=UTC)  # 09:40 МСК, a Wednesday


def png(pdf: Path) -> None:
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(pdf.with_suffix(""))], check=True)


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'samples.db'}"
        upgrade(url)
        engine = make_engine(url)
        seed(engine)
        seed_contacts(engine)
        settings = Settings(database_url=url, public_url="https://otklik.example.invalid",
                            temporal_ui_url="https://temporal.example.invalid")
        msgs = [
            ("msg-vk-sample1", "Третий день нет холодной воды в доме на проспекте, управляющая компания не отвечает.",
             "water_outage", "vladikavkaz"),
            ("msg-vk-sample2", "В поликлинике невозможно записаться к терапевту, телефон регистратуры не отвечает.",
             "doctor_appointment", "mozdok"),
            ("msg-ok-sample3", "Яма на въезде в село, уже два автомобиля пробили колёса.", "road_potholes", "alagir"),
        ]
        with Session(engine) as s:
            for wid, text, topic, loc in msgs:
                s.add(Message(workflow_id=wid, network="vk" if "-vk-" in wid else "ok", external_id=wid,
                              url=f"https://vk.com/wall-000000_{wid[-1]}", author_id="000000",
                              author_name="Пользователь сети", text=text, source="monitoring", state="routed",
                              topic=topic, location=loc, detected_at=T - timedelta(minutes=40)))
            raw = ('{"type":"wall_reply_new","object":{"id":3,"from_id":000000,"text":"Образец текста с угрозой '
                   'должностному лицу (для примера)","date":1764657600}}')
            s.add(Message(workflow_id="msg-vk-sample4", network="vk", external_id="-000000_1_3",
                          url="https://vk.com/wall-000000_1?reply=3", author_id="000000",
                          author_name="Пользователь сети", text="Образец текста с угрозой должностному лицу (для примера)",
                          source="vk_callback", state="closed", detected_at=T - timedelta(minutes=5),
                          posted_at=T - timedelta(minutes=20)))
            notice = PoliceNotice(workflow_id="msg-vk-sample4", number="ЦУР-П14-20261202-5A3C19E0",
                                  agency="Дежурная часть МВД по РСО-Алания", ground="threat",
                                  reason="Угроза жизни и здоровью должностного лица", curator_id=1,
                                  curator_name="Куратор ЦУР (образец)", message_url="https://vk.com/wall-000000_1?reply=3",
                                  document="-", raw_payload=raw, sha256=hashlib.sha256(raw.encode()).hexdigest(),
                                  flagged_at=T)
            s.add(notice)
            s.commit()
            events = []
            for i, (wid, _, _, _) in enumerate(msgs):
                body = ["gkh", "minzdrav", "mintrans"][i]
                events.append(NotificationEvent(
                    key=f"routed-{wid}", kind="routed", audience="body_responsible", workflow_id=wid, body=body,
                    created_at=T + timedelta(minutes=i), data={"bodies": [body], "answer_due": (T + timedelta(hours=9)).isoformat()}))
            events.append(NotificationEvent(
                key="breach-sample", kind="breach", audience="body_responsible", workflow_id="msg-vk-sample2",
                body="minzdrav", created_at=T + timedelta(minutes=5),
                data={"step": "answer", "step_title": "Подготовка и публикация ответа", "rule": "P9",
                      "due": (T - timedelta(minutes=1)).isoformat(), "actual": T.isoformat(), "overrun_minutes": 1,
                      "held_by": "minzdrav", "rung": 1, "escalated_to": ["body_responsible"]}))
            digest = render_digest(render_events(s, settings, events), T)
            (DOCS / "sample-digest.txt").write_text(f"Тема: {digest.subject}\n\n{digest.text}\n", encoding="utf-8")
            (DOCS / "sample-digest.html").write_text(digest.html, encoding="utf-8")
            pdf = DOCS / "sample-digest.pdf"
            pdf.write_bytes(html_to_pdf(digest.html))
            png(pdf)
            letter = render_letter(s, settings, notice, "Дежурная часть Министерства внутренних дел по Республике "
                                   "Северная Осетия-Алания", "duty-unit@mvd.otklik.local")
            pdf = DOCS / "sample-police-notice.pdf"
            pdf.write_bytes(letter.pdf)
            png(pdf)
        engine.dispose()
    print("\n".join(str(p.relative_to(REPO_ROOT)) for p in sorted(DOCS.glob("sample-*"))))


if __name__ == "__main__":
    main()
