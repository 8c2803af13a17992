"""Request and response bodies of the A8 weekly check and the A9 moderation trail."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from api.schemas import Strict, StrictModel, text
from domain.accounts import BanDays, BanForever, ModerationReason


class BanDaysIn(Strict, BanDays):
    """{"days": 1…365}"""


class BanForeverIn(Strict, BanForever):
    """{"forever": true}"""


BanIn = BanDaysIn | BanForeverIn


class ModerationIn(StrictModel):
    comment_url: text(1000, 10) = Field(  # type: ignore[valid-type]
        description="Адрес комментария, как он открывается в браузере: https://vk.com/wall-123_45?reply=67, "
        "https://vk.com/topic-123_8?post=9, https://ok.ru/group/…/topic/…?comment=…")
    reason: ModerationReason = Field(description="law — нарушает закон, spam — спам, insult — оскорбления, "
                                     "obscenity — нецензурные выражения")
    ban: BanIn | None = Field(default=None, description="Ограничить автора: null — нет; {\"days\": N} или "
                              "{\"forever\": true}")
    note: text(2000) = ""  # type: ignore[valid-type]


class ModerationOut(BaseModel):
    id: int
    account_id: int
    body_code: str
    person_id: int
    person_name: str
    created_at: datetime
    comment_url: str
    author_id: str | None = None
    text_snapshot: str | None = Field(default=None, description="Текст комментария до удаления (доказательство)")
    commented_at: datetime | None = None
    reason: str
    reason_title: str
    note: str = ""
    ban_requested: bool
    ban_forever: bool
    ban_until: datetime | None = None
    deleted: bool
    banned: bool
    status: str = Field(description="pending — выполняется, done — выполнено, refused — соцсеть отказала")
    error: str | None = Field(default=None, description="Причина отказа соцсети, по-русски")
    finished_at: datetime | None = None


class AccountWeekOut(BaseModel):
    account_id: int
    body_code: str
    body_name: str
    network: str
    url: str
    week: str
    week_start: date
    posts: int | None = Field(description="Собственных публикаций сообщества за неделю; null — не подсчитано")
    threshold: int
    meets: bool
    error: str | None = Field(default=None, description="Почему соцсеть не дала подсчитать")
    checked_at: datetime
    has_description: bool | None = Field(default=None, description="п. 8: есть текстовое описание; null — не известно")
    has_photo: bool | None = Field(default=None, description="п. 8: есть главная фотография (оформление)")
    on_site: bool | None = Field(default=None, description="п. 8: ссылка на аккаунт есть на официальном сайте органа")
    profile_note: str | None = Field(default=None, description="Почему что-то из п. 8 не известно")


class WeekActivityOut(BaseModel):
    week: str
    week_start: date
    week_end: date = Field(description="Воскресенье недели")
    accounts: list[AccountWeekOut]
