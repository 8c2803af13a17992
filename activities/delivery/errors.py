"""How a channel fails: a wrong address or a misconfigured channel is not retried; the rest is."""

from __future__ import annotations

from domain.delivery import NON_RETRYABLE


class ChannelError(Exception):
    """``permanent``: retrying cannot help (unknown address, refused recipient, bad token)."""

    type_name = "ChannelUnavailable"

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class InvalidAddress(ChannelError):
    type_name = "InvalidAddress"

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class ChannelMisconfigured(ChannelError):
    type_name = "ChannelMisconfigured"

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


assert {InvalidAddress.type_name, ChannelMisconfigured.type_name} <= set(NON_RETRYABLE)


def http_error(channel: str, status: int, detail: str) -> ChannelError:
    """Classify an HTTP answer of a bot API or a webhook receiver."""
    if status in (401, 403) and channel != "webhook":
        return ChannelMisconfigured(f"{channel}: доступ запрещён ({status}): {detail}")
    if status in (400, 403, 404, 410, 422):
        return InvalidAddress(f"{channel}: адресат не принят ({status}): {detail}")
    return ChannelError(f"{channel}: временная ошибка ({status}): {detail}")
