"""Network tokens at rest: AES-256-GCM with a key derived from ``OTKLIK_SECRET_KEY``.

A stored value is ``v1.<base64url(nonce ‖ ciphertext+tag)>``; the account's id is bound as associated
data with its purpose (the community token, or an administrator's user token for VK boards), so a
ciphertext copied onto another account or field does not decrypt. The plain token exists only in the
activity (or route) that uses it — never in a log line, a workflow payload or an API response.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "v1."
MIN_KEY_LENGTH = 16


class SecretKeyMissing(Exception):
    """``OTKLIK_SECRET_KEY`` is empty or too short: tokens cannot be stored or read."""


class TokenUnreadable(Exception):
    """The stored token does not decrypt with the current key (key changed, value tampered with)."""


def _aead(secret_key: str) -> AESGCM:
    if len(secret_key) < MIN_KEY_LENGTH:
        raise SecretKeyMissing("OTKLIK_SECRET_KEY is not set (at least 16 characters)")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"otklik-network-tokens", info=b"v1").derive(
        secret_key.encode())
    return AESGCM(key)


def _bound_to(account_id: int, purpose: str) -> bytes:
    """The associated data: a ciphertext opens only for its account and purpose (community/admin token)."""
    return (f"account:{account_id}" if purpose == "community" else f"account:{account_id}:{purpose}").encode()


def encrypt_token(token: str, secret_key: str, account_id: int, purpose: str = "community") -> str:
    nonce = os.urandom(12)
    sealed = _aead(secret_key).encrypt(nonce, token.encode(), _bound_to(account_id, purpose))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt_token(stored: str, secret_key: str, account_id: int, purpose: str = "community") -> str:
    if not stored.startswith(PREFIX):
        raise TokenUnreadable("unknown token format")
    raw = base64.urlsafe_b64decode(stored[len(PREFIX):].encode())
    try:
        return _aead(secret_key).decrypt(raw[:12], raw[12:], _bound_to(account_id, purpose)).decode()
    except InvalidTag:
        raise TokenUnreadable("token does not decrypt with OTKLIK_SECRET_KEY") from None
