"""Payload encryption for everything Otklik stores in Temporal (authors' names, ids, texts, drafts).

``EncryptionCodec`` is a ``PayloadCodec``: AES-256-GCM (``cryptography``), a fresh 96-bit nonce per
payload, the key id in the payload's metadata (``encryption-key-id``). Keys come from
``OTKLIK_CODEC_KEYS="k2:<base64>,k1:<base64>"``: the first one encrypts, every one decrypts, so a key
rotates by putting the new one first and keeping the old ones until no history needs them.
Payloads that are not encrypted (histories written before encryption was switched on, the shipped
replay histories) decode as they are.

``data_converter(keyring)`` is the one converter every part uses — the API's client, the worker, the
CLI, the Replayer and the tests: ``pydantic_data_converter`` plus this codec, and failure messages and
stack traces encoded too (``DefaultFailureConverterWithEncodedAttributes``), since an error text may
quote a message.

Without keys nothing connects: ``keyring_for(settings)`` raises ``CodecNotConfigured``. ``otklik run``
(the developer's machine) creates a key once in the data directory (``ensure_dev_key``); a production
process must be given ``OTKLIK_CODEC_KEYS`` (from the organisation's secret store) and refuses to start
without it — personal data of citizens never reaches Temporal in the clear by omission.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import secrets
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from models.settings import Settings, parse_codec_keys

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
COMPRESSION = "encryption-compression"  # b"zlib" when the payload was compressed before encryption
NONCE_BYTES = 12
DEV_KEY_FILE = "codec-keys"  # in the data directory; written by ``otklik run`` only


class CodecNotConfigured(RuntimeError):
    """No encryption key: a process must not talk to Temporal."""


class CodecKeyUnknown(ValueError):
    """A payload was encrypted with a key this process does not have."""


@dataclass(frozen=True)
class KeyRing:
    """Encryption keys by id; ``current`` encrypts."""

    keys: tuple[tuple[str, bytes], ...]

    def __post_init__(self) -> None:
        if not self.keys:
            raise CodecNotConfigured("no encryption key")

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        return cls(tuple(parse_codec_keys(text)))

    @property
    def current(self) -> str:
        return self.keys[0][0]

    @property
    def ids(self) -> list[str]:
        return [k for k, _ in self.keys]


def new_key_line(key_id: str | None = None) -> str:
    """A fresh ``id:base64`` entry for ``OTKLIK_CODEC_KEYS`` (a 256-bit key)."""
    kid = key_id or f"k{secrets.token_hex(3)}"
    return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: KeyRing) -> None:
        super().__init__()
        self._current = keyring.current
        self._aead = {kid: AESGCM(key) for kid, key in keyring.keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        aead = self._aead[self._current]
        out = []
        for p in payloads:
            nonce = os.urandom(NONCE_BYTES)
            raw = p.SerializeToString()
            packed = zlib.compress(raw, 6)  # Russian JSON shrinks ~3×: history stays small (issue 8, item 6)
            meta = {"encoding": ENCODING, KEY_ID: self._current.encode()}
            if len(packed) < len(raw):
                raw, meta[COMPRESSION] = packed, b"zlib"
            data = nonce + aead.encrypt(nonce, raw, self._current.encode())
            out.append(Payload(metadata=meta, data=data))
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decode_one(p) for p in payloads]

    def decode_one(self, p: Payload) -> Payload:
        if p.metadata.get("encoding", b"") != ENCODING:
            return p  # not ours: written before encryption, or a plain replay history
        kid = p.metadata.get(KEY_ID, b"").decode(errors="replace")
        aead = self._aead.get(kid)
        if aead is None:
            raise CodecKeyUnknown(f"payload encrypted with key {kid!r}, not in OTKLIK_CODEC_KEYS")
        try:
            plain = aead.decrypt(p.data[:NONCE_BYTES], p.data[NONCE_BYTES:], kid.encode())
        except InvalidTag as exc:
            raise CodecKeyUnknown(f"payload does not decrypt with key {kid!r}") from exc
        if p.metadata.get(COMPRESSION) == b"zlib":
            plain = zlib.decompress(plain)
        return Payload.FromString(plain)


def data_converter(keyring: KeyRing) -> DataConverter:
    """``pydantic_data_converter`` with payloads and failure texts encrypted."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(keyring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def keyring_for(settings: Settings) -> KeyRing:
    """``OTKLIK_CODEC_KEYS``, else the development key file in the data directory; else refuse."""
    text = settings.codec_keys.get_secret_value().strip()
    if not text:
        path = dev_key_path(settings)
        if path.exists():
            text = path.read_text().strip()
    if not text:
        raise CodecNotConfigured(
            "OTKLIK_CODEC_KEYS is not set: payloads in Temporal must be encrypted "
            "(generate a key with `otklik codec new-key`)")
    return KeyRing.parse(text)


def converter_for(settings: Settings) -> DataConverter:
    return data_converter(keyring_for(settings))


def dev_key_path(settings: Settings) -> Path:
    return settings.data_dir / DEV_KEY_FILE


def ensure_dev_key(settings: Settings) -> Path | None:
    """For ``otklik run``: create the data directory's key file once (mode 0600) unless
    ``OTKLIK_CODEC_KEYS`` is set. Returns the file when it was created now."""
    if settings.codec_keys.get_secret_value().strip():
        return None
    path = dev_key_path(settings)
    if path.exists():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(new_key_line("dev1") + "\n")
    return path

