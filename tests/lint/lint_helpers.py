"""Helpers for lint tests: a complete stack in a temporary folder, with utils/ as composegen renders it
(FAKE_UTILS: conftest.py makes render_utils() return them)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from composegen import stack
from composegen.lint.config import LintConfig
from composegen.lint.engine import run

FAKE_UTILS = {name: f"#!/bin/sh\n# {name} as composegen renders it today\n" for name in stack.UTILS_SCRIPTS}

GOOD_COMPOSE = """\
services:
  app:
    image: miniflux/miniflux:2.2.0
    restart: unless-stopped
    environment:
      DATABASE_URL: postgres://app:${POSTGRES_PASSWORD}@postgres/app?sslmode=disable
  postgres:
    image: postgres:17-alpine
    restart: unless-stopped
    entrypoint: ["/utils/entrypoint"]
    command: ["postgres"]
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}
      POSTGRES_DB: app
      PGDATA: /pgdata
      COMPOSEGEN_SCHEDULE: 1h
    volumes:
      - ./data:/dumps
      - ./utils:/utils:ro
      - ./utils/restore:/docker-entrypoint-initdb.d/000-composegen-restore.sh:ro
    tmpfs:
      - /var/lib/postgresql
      - /var/lib/postgresql/data
    stop_signal: SIGTERM
    stop_grace_period: 5m
    healthcheck:
      test: ["CMD", "/utils/healthcheck"]
      interval: 10s
"""



def write_stack(folder: Path, compose: str = GOOD_COMPOSE, utils: bool = True, name: str = "compose.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(compose)
    if utils:
        (folder / "utils").mkdir(exist_ok=True)
        for script, text in FAKE_UTILS.items():
            (folder / "utils" / script).write_text(text)
            (folder / "utils" / script).chmod(0o755)
    return path


def lint(*paths: Path, config: LintConfig | None = None, **kwargs):
    return run(list(paths), config or LintConfig(), **kwargs)


def rule_ids(result) -> list[str]:
    return [finding.rule_id for finding in result.findings]


def git_init(folder: Path) -> None:
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
