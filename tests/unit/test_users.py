"""`otklik user add` creates a person and a token; only the token's hash is stored."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import text
from sqlmodel import Session, select

from models.registry import ApiToken, Body, Person
from models.tokens import hash_token, person_for_token, revoke_tokens


def _otklik(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")} | {"OTKLIK_DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=env,
                          timeout=60)


def test_user_add_token_authenticates_and_only_hash_is_stored(db, db_url):
    res = _otklik(db_url, "user", "add", "--name", "Гаглоева Залина Таймуразовна", "--role", "curator")
    assert res.returncode == 0, res.stderr
    token = res.stdout.strip().splitlines()[-1]
    assert token.startswith("otk_") and len(token) > 30
    with Session(db) as s:
        person = person_for_token(s, token)
        assert person is not None and person.full_name == "Гаглоева Залина Таймуразовна"
        assert person.roles == ["curator"]
        stored = s.exec(select(ApiToken)).one()
        assert stored.token_hash == hash_token(token) and token not in stored.token_hash
        with db.connect() as conn:
            dump = " ".join(str(v) for row in conn.execute(text("SELECT * FROM api_token")) for v in row)
        assert token not in dump
        assert person_for_token(s, token + "x") is None
        assert revoke_tokens(s, person.id) == 1
        s.commit()
        assert person_for_token(s, token) is None


def test_executor_needs_an_existing_body(db, db_url):
    res = _otklik(db_url, "user", "add", "--name", "Иванов Иван", "--role", "executor")
    assert res.returncode == 2 and "--body" in res.stderr
    res = _otklik(db_url, "user", "add", "--name", "Иванов Иван", "--role", "executor", "--body", "nope")
    assert res.returncode == 2 and "nope" in res.stderr
    with Session(db) as s:
        s.add(Body(code="minzdrav", name="Министерство здравоохранения РСО-Алания"))
        s.commit()
    res = _otklik(db_url, "user", "add", "--name", "Иванов Иван", "--role", "executor", "--body", "minzdrav")
    assert res.returncode == 0, res.stderr
    with Session(db) as s:
        person = s.exec(select(Person)).one()
        body = s.exec(select(Body)).one()
        assert person.body_id == body.id


def test_unknown_role_is_refused(db, db_url):
    res = _otklik(db_url, "user", "add", "--name", "Петров Пётр", "--role", "tsar")
    assert res.returncode == 2 and "tsar" in res.stderr
