"""The operations docs name files, services and commands that exist."""

from __future__ import annotations

import re

import yaml

from models.settings import REPO_ROOT

DOCS = sorted((REPO_ROOT / "docs" / "operations").glob("*.md"))
PATH = re.compile(r"`((?:deploy|docs|tests|models|api|workflows)/[A-Za-z0-9_./-]+)`")


def test_every_repository_path_in_the_docs_exists():
    texts = {p.name: p.read_text(encoding="utf-8") for p in DOCS}
    texts["README.md (root)"] = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for name, text in texts.items():
        for path in PATH.findall(text):
            path = path.rstrip(".")
            if path.startswith("deploy/tls/certs") or path.startswith("deploy/tls/ca"):
                continue  # made on the host by make-certs.sh
            assert (REPO_ROOT / path).exists(), f"{name} names {path}, which does not exist"


def test_the_service_table_lists_every_compose_service():
    services = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    text = (REPO_ROOT / "docs" / "operations" / "README.md").read_text(encoding="utf-8")
    for name in services:
        assert f"`{name}`" in text, name


def test_docs_link_each_other():
    index = (REPO_ROOT / "docs" / "operations" / "README.md").read_text(encoding="utf-8")
    for page in ("backups.md", "upgrade.md", "kubernetes.md"):
        assert f"]({page})" in index
    assert "docs/operations/README.md" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")
