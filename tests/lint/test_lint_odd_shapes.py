"""Compose files with unusual or wrong value types are reported or ignored, never a crash."""

from __future__ import annotations

import pytest

from lint_helpers import GOOD_COMPOSE, lint, write_stack

ODD_POSTGRES_SERVICES = [
    "    image: postgres:16\n    environment: just-a-string\n",
    "    image: postgres:16\n    environment: [1, 2, {a: b}]\n    volumes: [5, {target: /x}, {source: y}]\n",
    "    image: postgres:16\n    entrypoint: 5\n    tmpfs: 5\n    healthcheck: 5\n",
    "    image: postgres:16\n    entrypoint: [/utils/entrypoint]\n    stop_grace_period: 1.5\n    restart: 5\n",
    "    image: postgres:16\n    entrypoint: /utils/entrypoint\n    healthcheck: {test: 7}\n    tmpfs: /var/lib/postgresql\n",
    "    image: postgres:16\n    entrypoint: [/utils/entrypoint]\n    volumes: ['${DIR:-./x}:/dumps', './utils:/utils']\n",
    "    image: ${IMAGE}\n",
    "    image: 16\n",
    "    image: postgres:16\n    deploy: 5\n    stop_signal: 9\n",
    "    <<: *base\n",
]


@pytest.mark.parametrize("body", ODD_POSTGRES_SERVICES)
def test_odd_service_shapes(tmp_path, body):
    text = "x-base: &base\n  image: postgres:16\n  restart: always\nservices:\n  db:\n" + body
    result = lint(write_stack(tmp_path, text))
    assert all(f.rule_id != "CG000" for f in result.findings)


@pytest.mark.parametrize("text", ["", "---\n", "services:\n", "services: {db: null, x: 5}\n", "name: x\n",
                                  "services:\n  db: [postgres]\n", "%YAML 1.1\n---\nservices: {}\n"])
def test_odd_documents(tmp_path, text):
    lint(write_stack(tmp_path, text, utils=False))


def test_several_documents_is_a_finding(tmp_path):
    result = lint(write_stack(tmp_path, GOOD_COMPOSE + "---\nservices: {}\n"))
    assert [f.rule_id for f in result.findings] == ["CG000"]
