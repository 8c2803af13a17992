"""MAX over HTTPS as MAX now asks: ``platform-api2.max.ru``, certified by the root of НУЦ Минцифры, which the
public roots (certifi) lack. A real HTTPS server on loopback with a certificate from a test root stands in
for it: without the root in ``OTKLIK_EXTRA_CA_FILE`` the send fails, not retried, saying in Russian what to
add; with it the message goes; a missing or unreadable file is named."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from activities.delivery.errors import ChannelMisconfigured
from activities.delivery.max import send_max
from activities.delivery.render import Rendered
from models.settings import Settings
from tests.fakes.servers import HttpFake

PEM = serialization.Encoding.PEM


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "RU"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def issue(tmp: Path) -> tuple[Path, Path, Path]:
    """A root like the Ministry's (a test one) and a server certificate for 127.0.0.1 it signs."""
    now = datetime.now(UTC)
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(_name("Russian Trusted Root CA (test)"))
            .issuer_name(_name("Russian Trusted Root CA (test)")).public_key(root_key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(_name("platform-api2.max.ru (test)")).issuer_name(root.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    ca, cert, pkey = tmp / "russian_trusted_root_ca.pem", tmp / "server.pem", tmp / "server.key"
    ca.write_bytes(root.public_bytes(PEM))
    cert.write_bytes(leaf.public_bytes(PEM))
    pkey.write_bytes(key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return ca, cert, pkey


@pytest.fixture
def https_max(tmp_path: Path) -> Iterator[tuple[HttpFake, Path]]:
    ca, cert, key = issue(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    fake = HttpFake(tls=ctx).start()
    yield fake, ca
    fake.stop()


def settings(fake: HttpFake, ca: Path | str | None) -> Settings:
    return Settings(max_api_url=fake.url, max_token="max-bot-token", extra_ca_file=str(ca) if ca else None)


NOTE = Rendered(subject="Просрочен ответ", text="Министерство здравоохранения: срок ответа истёк в 14:20.", html="")


async def test_max_is_reached_with_the_ministrys_root_added_and_refused_without_it(
        https_max: tuple[HttpFake, Path]) -> None:
    fake, ca = https_max
    with pytest.raises(ChannelMisconfigured) as err:  # not retried: only the setting can fix it
        await send_max(settings(fake, None), "4242", NOTE, "k1")
    assert "сертификат сервера не прошёл проверку" in str(err.value) and "Минцифры" in str(err.value)
    assert "OTKLIK_EXTRA_CA_FILE" in str(err.value) and fake.requests == []

    mid = await send_max(settings(fake, ca), "4242", NOTE, "k2")
    assert mid == "mid.1"
    [req] = fake.requests
    assert req.path == "/messages?user_id=4242" and req.headers["Authorization"] == "max-bot-token"
    assert req.json()["text"].startswith("Просрочен ответ")


async def test_a_missing_or_unreadable_roots_file_is_named(https_max: tuple[HttpFake, Path], tmp_path: Path) -> None:
    fake, _ = https_max
    with pytest.raises(ChannelMisconfigured, match="не найден"):
        await send_max(settings(fake, tmp_path / "absent.pem"), "4242", NOTE, "k3")
    junk = tmp_path / "junk.pem"
    junk.write_text("это не сертификат")
    with pytest.raises(ChannelMisconfigured, match="не читается как сертификаты PEM"):
        await send_max(settings(fake, junk), "4242", NOTE, "k4")
    assert fake.requests == []


def test_the_default_max_host_is_the_one_max_asks_for() -> None:
    assert Settings().max_api_url == "https://platform-api2.max.ru"
