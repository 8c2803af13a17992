"""Fixtures of the production-shape checks (tests/unit/test_compose*.py): docker-compose.yml as parsed."""

from __future__ import annotations

import pytest
import yaml

from models.settings import REPO_ROOT


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]
