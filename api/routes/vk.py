"""VK Callback API: ``POST /api/v1/integrations/vk/callback``.

VK sends a ``confirmation`` request when the server is added (answered with the configured code) and then
events; every request carries the secret key (a wrong one → 403, nothing stored). ``wall_post_new``,
``wall_reply_new`` and ``board_post_new`` from monitored communities become **candidates** for a Curator's
triage (P7: no workflow, no clock until a Curator takes one); a repeated ``event_id`` is ignored. Only the
database is touched, so VK gets ``ok`` at once; with the database down VK gets 503 and delivers again.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from api.errors import error_responses
from api.intake import Intake
from domain.vk import VkCallback

router = APIRouter(prefix="/api/v1/integrations/vk", tags=["интеграции"])


def get_intake(request: Request) -> Intake:
    return request.app.state.intake


@router.post("/callback", response_class=PlainTextResponse, summary="Callback API ВКонтакте",
             description="Подтверждение сервера (type=confirmation) и события wall_post_new, wall_reply_new, "
             "board_post_new из сообществ, зарегистрированных в реестре аккаунтов по адресу "
             "https://vk.com/club{group_id}: каждое становится кандидатом для разбора куратором "
             "(GET /api/v1/candidates). Ответ — строка подтверждения или «ok».",
             responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}},
                              "description": "Код подтверждения или ok"},
                        **error_responses(403, 422)})
async def vk_callback(callback: VkCallback, request: Request,
                      intake: Intake = Depends(get_intake)) -> PlainTextResponse:
    raw = (await request.body()).decode("utf-8", errors="replace")
    return PlainTextResponse(await intake.vk_event(callback, raw))
