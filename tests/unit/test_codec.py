"""The payload codec: AES-GCM, key id in the metadata, rotation, refusing to run without keys."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter

from domain.messages import Author
from models.settings import Settings, parse_codec_keys
from workflows.codec import (
    CodecKeyUnknown,
    CodecNotConfigured,
    EncryptionCodec,
    KeyRing,
    data_converter,
    dev_key_path,
    ensure_dev_key,
    keyring_for,
    new_key_line,
)

K1, K2 = new_key_line("k1"), new_key_line("k2")


async def _plain(value: object) -> Payload:
    return (await pydantic_data_converter.encode([value]))[0]


async def test_payloads_are_encrypted_with_the_first_key_and_decode_back():
    codec = EncryptionCodec(KeyRing.parse(f"{K2},{K1}"))
    author = Author(id="id555", name="Алан Цаголов")
    [enc] = await codec.encode([await _plain(author)])
    assert enc.metadata["encoding"] == b"binary/encrypted" and enc.metadata["encryption-key-id"] == b"k2"
    assert b"id555" not in enc.data and "Цаголов".encode() not in enc.data
    [again] = await codec.encode([await _plain(author)])
    assert again.data != enc.data  # a fresh nonce each time
    [dec] = await codec.decode([enc])
    assert dec == await _plain(author)


async def test_rotation_old_keys_decrypt_unknown_or_tampered_payloads_are_refused():
    [old] = await EncryptionCodec(KeyRing.parse(K1)).encode([await _plain("старое")])
    rotated = EncryptionCodec(KeyRing.parse(f"{K2},{K1}"))
    assert (await rotated.decode([old]))[0] == await _plain("старое")
    with pytest.raises(CodecKeyUnknown, match="k1"):
        await EncryptionCodec(KeyRing.parse(K2)).decode([old])  # the old key dropped too early
    tampered = Payload(metadata=dict(old.metadata), data=old.data[:-1] + bytes([old.data[-1] ^ 1]))
    with pytest.raises(CodecKeyUnknown):
        await rotated.decode([tampered])
    relabelled = Payload(metadata={**old.metadata, "encryption-key-id": b"k2"}, data=old.data)
    with pytest.raises(CodecKeyUnknown):  # the key id is authenticated: no swapping it
        await rotated.decode([relabelled])


async def test_plain_payloads_from_before_encryption_still_decode():
    codec = EncryptionCodec(KeyRing.parse(K1))
    plain = await _plain({"text": "история до включения шифрования"})
    assert (await codec.decode([plain]))[0] == plain
    conv = data_converter(KeyRing.parse(K1))
    assert (await conv.decode([plain]))[0] == {"text": "история до включения шифрования"}


@pytest.mark.parametrize(("text", "needle"), [
    ("k1", "id:base64"),
    ("k 1:AAAA", "id:base64"),
    ("k1:not-base64!", "not valid base64"),
    (f"k1:{base64.b64encode(b'short').decode()}", "16, 24 or 32 bytes"),
    (f"{K1},{K1}", "repeated"),
], ids=["no-colon", "space-in-id", "not-base64", "short-key", "repeated"])  # K1 is random: ids must not show it
def test_bad_keys_are_refused_with_a_reason(text, needle):
    with pytest.raises(ValueError, match=needle):
        parse_codec_keys(text)


def test_bad_key_setting_stops_a_command_with_one_line_that_does_not_print_the_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")}
    secret = base64.b64encode(b"x" * 20).decode()
    res = subprocess.run([sys.executable, "-m", "cli", "db", "upgrade"], capture_output=True, text=True, timeout=60,
                         env=env | {"OTKLIK_CODEC_KEYS": f"k1:{secret}", "OTKLIK_DATA_DIR": str(tmp_path)})
    assert res.returncode == 2
    assert "OTKLIK_CODEC_KEYS" in res.stderr and secret not in res.stderr
    assert len([line for line in res.stderr.splitlines() if line.strip()]) == 1


def test_without_keys_processes_refuse_and_otklik_run_makes_a_private_dev_key(tmp_path, monkeypatch):
    monkeypatch.delenv("OTKLIK_CODEC_KEYS", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.codec_keys.get_secret_value() == ""
    with pytest.raises(CodecNotConfigured, match="OTKLIK_CODEC_KEYS"):
        keyring_for(settings)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")} | {"OTKLIK_DATA_DIR": str(tmp_path)}
    for command in ("worker", "api"):
        res = subprocess.run([sys.executable, "-m", "cli", command], capture_output=True, text=True, env=env,
                             timeout=60)
        assert res.returncode == 2 and "OTKLIK_CODEC_KEYS" in res.stderr, res.stderr

    assert ensure_dev_key(settings) == dev_key_path(settings)
    assert dev_key_path(settings).stat().st_mode & 0o777 == 0o600
    assert keyring_for(settings).current == "dev1"
    assert ensure_dev_key(settings) is None  # kept: the dev server's history stays readable
    keyed = Settings(codec_keys=K1)
    assert K1.split(":")[1] not in repr(keyed) and K1.split(":")[1] not in str(keyed.model_dump())  # never logged


def test_codec_new_key_prints_a_usable_key():
    res = subprocess.run([sys.executable, "-m", "cli", "codec", "new-key", "--id", "2027q1"], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    [(kid, key)] = parse_codec_keys(res.stdout.strip())
    assert kid == "2027q1" and len(key) == 32


def test_an_operator_is_created_with_otklik_user_add(db, db_url):
    from sqlmodel import Session

    from models.tokens import person_for_token

    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")} | {"OTKLIK_DATABASE_URL": db_url}
    res = subprocess.run([sys.executable, "-m", "cli", "user", "add", "--name", "Оператор Темпорал", "--role",
                          "operator"], capture_output=True, text=True, env=env, timeout=60)
    assert res.returncode == 0, res.stderr
    with Session(db) as s:
        person = person_for_token(s, res.stdout.strip().splitlines()[-1])
        assert person is not None and person.roles == ["operator"]
