"""``verify_publication``: is the link an executor gave an answer in the message's own thread, and when did it
go out by the network's clock?

Without a connected account Otklik cannot read the network: the link is checked for shape only (same
network, same post or thread as the message) and the result is *unverified* — the workflow then keeps any
breach, annotated with the declared time (issue 8, item 5). A link to another post or another network is a
non-retryable error the workflow records.
"""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.messages import PublicationRecord, VerifyRequest
from domain.publication import same_thread


@activity.defn(name="verify_publication")
async def verify_publication(req: VerifyRequest) -> PublicationRecord:
    if not same_thread(req.network, req.message_url, req.record.url):
        raise ApplicationError("Ссылка ведёт не на ответ в ветке этого сообщения", type="WrongLink",
                               non_retryable=True)
    return req.record.model_copy(update={"verified": False})
