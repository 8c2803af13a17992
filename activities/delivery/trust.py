"""Whom outbound HTTPS of the delivery channels trusts: the public roots httpx ships (certifi) plus the
operator's extra roots, ``OTKLIK_EXTRA_CA_FILE`` (PEM).

MAX asks bots to call ``platform-api2.max.ru`` and to trust the root certificate of the Ministry of Digital
Development (НУЦ Минцифры, «Russian Trusted Root CA»), which certifi does not carry: without it every MAX
send fails its TLS check. The file is the operator's to provide (it cannot be fetched at run time); the same
setting serves a webhook receiver inside the government network certified by its own CA. A send the peer's
certificate does not pass is not retried: it says, in Russian, which setting to fix.
"""

from __future__ import annotations

import os
import ssl
from functools import lru_cache

import certifi

from activities.delivery.errors import ChannelMisconfigured
from models.settings import Settings


@lru_cache(maxsize=8)
def _context(path: str, mtime: float) -> ssl.SSLContext:  # mtime: a replaced file is read again
    ctx = ssl.create_default_context(cafile=certifi.where())
    ctx.load_verify_locations(cafile=path)
    return ctx


def verify(settings: Settings, channel: str) -> ssl.SSLContext | bool:
    """``True`` (certifi) when no extra roots are set, else a context with them added."""
    path = (settings.extra_ca_file or "").strip()
    if not path:
        return True
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        raise ChannelMisconfigured(f"{channel}: файл корневых сертификатов {path} (OTKLIK_EXTRA_CA_FILE) "
                                   "не найден") from None
    try:
        return _context(path, mtime)
    except (ssl.SSLError, OSError, ValueError):
        raise ChannelMisconfigured(f"{channel}: файл {path} (OTKLIK_EXTRA_CA_FILE) не читается как сертификаты "
                                   "PEM") from None


def untrusted(exc: BaseException) -> bool:
    """Whether a failed request failed on the peer's certificate."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def untrusted_text(channel: str, settings: Settings) -> str:
    hint = ("добавьте корневой сертификат Минцифры (НУЦ, «Russian Trusted Root CA») в файл OTKLIK_EXTRA_CA_FILE"
            if not settings.extra_ca_file else
            f"его корневого сертификата нет ни среди общедоступных, ни в {settings.extra_ca_file} "
            "(OTKLIK_EXTRA_CA_FILE)")
    return f"{channel}: сертификат сервера не прошёл проверку — {hint}"
