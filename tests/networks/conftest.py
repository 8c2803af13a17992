"""Fixtures: the fake VK and OK servers on free loopback ports (fresh state per test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.ok import RunningFakeOk
from tests.fakes.vk import RunningFakeVk


@pytest.fixture
def fake_vk() -> Iterator[RunningFakeVk]:
    with RunningFakeVk() as running:
        yield running


@pytest.fixture
def fake_ok() -> Iterator[RunningFakeOk]:
    with RunningFakeOk() as running:
        yield running
