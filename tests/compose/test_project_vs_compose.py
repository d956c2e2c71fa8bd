"""The built-in reading of a compose file agrees with `docker compose config` on every corpus file.

Compared per service (every profile enabled): the image, the `environment:` entries after
interpolation, and each mount's target and source (bind sources as absolute paths). `config` also
merges each `env_file` into the environment; composegen does not read those (only the keys the file
itself sets are compared). `--no-consistency`: umbrel's app files leave a service without an image
for umbrel's own file to fill in, which `config` otherwise refuses. The variables the files need come from a `.env` beside the copy, read by
both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from composegen.compose.model import split_volume_spec
from composegen.compose.project import load_project
from composegen.compose_binary import compose_command

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "patch"))
from helpers import corpus_files, prepare_for_config  # noqa: E402

FILES = corpus_files()
ENV = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}


def reference(compose: Path, explicit: bool = True) -> dict:
    """`config` on `compose`; `explicit=False` runs it in the folder, as a user would (so an override applies)."""
    files = ["-f", str(compose)] if explicit else []
    done = subprocess.run([*compose_command(), *files, "-p", "ref", "--profile", "*", "config",
                           "--no-consistency", "--format", "json"], capture_output=True, text=True, cwd=compose.parent, env=ENV,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr
    return json.loads(done.stdout)["services"]


def unescape(value):
    return value.replace("$$", "$") if isinstance(value, str) else value


def mounts_of_reference(service: dict) -> set:
    return {(m["target"].rstrip("/") or "/", os.path.normpath(m["source"]) if m.get("type") == "bind" else m.get("source"))
            for m in service.get("volumes", []) if m.get("type") in ("bind", "volume")}


def mounts_of_ours(service: dict, folder: Path) -> set:
    out = set()
    for item in service.get("volumes") or []:
        if isinstance(item, str):
            parts = split_volume_spec(item)
            if len(parts) == 1:
                continue  # anonymous: config gives it no source
            source, target = parts[0], parts[1]
        else:
            if item.get("type", "volume") not in ("bind", "volume") or not item.get("source"):
                continue
            source, target = str(item["source"]), str(item["target"])
        if source.startswith((".", "/", "~")):
            source = os.path.normpath(os.path.join(folder, os.path.expanduser(source)))
        out.add((target.rstrip("/") or "/", source))
    return out


def assert_agree(ours: dict, theirs: dict, folder: Path) -> None:
    assert sorted(ours) == sorted(theirs)
    for name, service in theirs.items():
        mine = ours[name]
        assert mine.get("image") == unescape(service.get("image")), name
        env = mine.get("environment") or {}
        if isinstance(env, list):
            env = {key: value if sep else None for key, sep, value in (str(i).partition("=") for i in env)}
        their_env = {key: unescape(value) for key, value in (service.get("environment") or {}).items()}
        for key, value in env.items():
            if value is None:
                continue  # passed through from the shell: config leaves it out when unset
            assert their_env.get(key) == (str(value).lower() if isinstance(value, bool) else str(value)), (name, key)
        assert mounts_of_ours(mine, folder) == mounts_of_reference(service), name


@pytest.mark.skipif(not FILES, reason="the corpus is not there")
@pytest.mark.parametrize("original", FILES, ids=lambda p: p.name)
def test_agrees_with_docker_compose_config(tmp_path, original):
    compose = tmp_path / "compose.yaml"
    shutil.copyfile(original, compose)
    prepare_for_config(tmp_path, compose)
    assert_agree(load_project(compose, environ=ENV).services, reference(compose), tmp_path)


def write(folder: Path, files: dict) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


STACK = {
    "compose.yaml": """\
include:
  - auth/compose.yaml
services:
  app:
    image: "${APP_IMAGE}:${APP_TAG:-1}"
    environment:
      - DB=${DB_NAME:?set DB_NAME}
      - LITERAL=$$HOME
  db:
    extends:
      file: base/pg.yaml
      service: pg
    environment:
      POSTGRES_DB: ${DB_NAME}
  tools:
    extends: app
    profiles: [debug]
""",
    "compose.override.yaml": """\
services:
  db:
    image: ${PG_IMAGE}:${PG_TAG}
    environment:
      EXTRA: "from override"
    volumes:
      - ./more:/more
""",
    ".env": "APP_IMAGE=nginx\nPG_IMAGE=postgres\nPG_TAG=16\nexport DB_NAME='main db'\n",
    "base/pg.yaml": """\
services:
  pg:
    image: postgres:15
    environment:
      POSTGRES_PASSWORD: base
    volumes:
      - ./pgdata:/var/lib/postgresql/data
""",
    "auth/compose.yaml": """\
services:
  auth-db:
    image: ${AUTH_IMAGE:-postgres}:17
    volumes:
      - ./authdata:/var/lib/postgresql/data
""",
    "auth/.env": "AUTH_IMAGE=postgis/postgis\n",
}


def test_overrides_extends_include_profiles_and_env_agree(tmp_path):
    write(tmp_path, STACK)
    ours = load_project(tmp_path / "compose.yaml", environ=ENV)
    assert_agree(ours.services, reference(tmp_path / "compose.yaml", explicit=False), tmp_path)
    assert ours.services["db"]["image"] == "postgres:16"
    assert ours.services["auth-db"]["image"] == "postgis/postgis:17"


def test_env_file_and_environment_precedence_agree(tmp_path):
    write(tmp_path, STACK)
    (tmp_path / "other.env").write_text("APP_IMAGE=busybox\nPG_IMAGE=postgres\nPG_TAG=17\nDB_NAME=other\n")
    env = {**ENV, "PG_TAG": "18"}
    done = subprocess.run([*compose_command(), "--env-file", "other.env", "-p", "ref", "--profile", "*", "config",
                           "--format", "json"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    ours = load_project(tmp_path / "compose.yaml", env_files=[tmp_path / "other.env"], environ=env)
    assert_agree(ours.services, json.loads(done.stdout)["services"], tmp_path)
    assert ours.services["db"]["image"] == "postgres:18"  # the environment over the env file
