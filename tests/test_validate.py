"""composegen.validate: the values that were accepted once and failed later (issue #12, item 6)."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from composegen.cli import cli
from composegen.errors import UserError
from composegen.spec import parse_spec

MINIMAL = "name: app\nimage: example/app:1.2\ndatabase: {name: app, user: app}\n"


def spec_error(extra: str, base: str = MINIMAL) -> str:
    with pytest.raises(UserError) as info:
        parse_spec(base + extra, "my.yaml")
    return str(info.value)


@pytest.mark.parametrize(("extra", "message"), [
    ("ports: ['99999:80']\n", "my.yaml: ports[0]: '99999:80': port 99999 is out of range (1 to 65535)"),
    ("ports: ['8080:0']\n", "my.yaml: ports[0]: '8080:0': port 0 is out of range"),
    ("ports: ['300.1.1.1:80:80']\n", "my.yaml: ports[0]: '300.1.1.1:80:80': 300.1.1.1 is not an IPv4 address"),
    ("ports: ['9000-9001:80-82']\n", "my.yaml: ports[0]: '9000-9001:80-82': the host and container ranges"),
    ("ports: ['90-80:80']\n", "my.yaml: ports[0]: '90-80:80': the range 90-80 ends before it starts"),
    ("secrets: [COMPOSE_PROJECT_NAME]\n", "my.yaml: secrets[0]: 'COMPOSE_PROJECT_NAME' is reserved"),
    ("secrets: [A, COMPOSE_FILE]\n", "my.yaml: secrets[1]: 'COMPOSE_FILE' is reserved"),
    ("secrets: [DOCKER_HOST]\n", "my.yaml: secrets[0]: 'DOCKER_HOST' is reserved"),
    ("environment: {BIG: '" + "x" * (128 * 1024) + "'}\n", "my.yaml: environment.BIG: 131077 bytes, more than"),
    ("command: ['" + "x" * (128 * 1024) + "']\n", "my.yaml: command[0]: 131074 bytes"),
])
def test_values_the_container_cannot_start_with_are_refused(extra, message):
    assert spec_error(extra).startswith(message)


def test_a_database_user_starting_with_pg_is_refused():
    text = "name: app\nimage: example/app:1.2\ndatabase: {name: app, user: pg_app}\n"
    assert spec_error("", text) == ("my.yaml: database.user: 'pg_app' is reserved: Postgres refuses role names "
                                    "that begin with pg_")


@pytest.mark.parametrize("extra", [
    "ports: ['65535:1', '127.0.0.1:8080:80/udp', '9000-9002:80-82', '80', '8000-8001:80']\n",
    "secrets: [COMPOSER_TOKEN, MY_DOCKER_HOST]\n",
    "environment: {BIG: '" + "x" * (128 * 1024 - 6) + "'}\n",
])
def test_values_at_the_limits_are_fine(extra):
    parse_spec(MINIMAL + extra, "my.yaml")


@pytest.mark.parametrize("volume", ["../:/app", "../..:/app", "./:/app", "./.env:/e", "./data/x:/x"])
def test_a_spec_alone_refuses_mounts_that_reach_the_stack_files(volume):
    assert "would expose or shadow the folder's data, utils, .env" in spec_error(f"volumes: [{volume!r}]\n")


@pytest.mark.parametrize("volume", [
    "../stack/data:/app", "../stack/.env:/e:ro", "../stack:/app", "../:/app", "{abs}/stack/utils:/u", "{abs}:/all",
    "./sub/../data:/x",
])
def test_init_refuses_mounts_that_reach_the_stack_files_from_outside(tmp_path, volume):
    from composegen.init_stack import plan_init
    from composegen.spec import ServiceSpec

    volume = volume.replace("{abs}", str(tmp_path))
    spec = ServiceSpec(name="app", image="app:1", database_name="app", database_user="app", volumes=(volume,))
    with pytest.raises(UserError, match="would expose or shadow the folder's data, utils, .env"):
        plan_init(spec, tmp_path / "stack")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("volume", ["../shared:/s", "./app:/app", "../stack2/data:/x", "/srv/x:/x"])
def test_init_keeps_other_mounts(tmp_path, volume):
    from composegen.init_stack import plan_init
    from composegen.spec import ServiceSpec

    spec = ServiceSpec(name="app", image="app:1", database_name="app", database_user="app", volumes=(volume,))
    plan_init(spec, tmp_path / "stack")


@pytest.mark.parametrize(("args", "message"), [
    (("--schedule", "10000000000s"), "--schedule: '10000000000s' is not an interval"),
    (("--schedule", "01h"), "--schedule: '01h' is not an interval"),
    (("--keep", "20000"), "--keep: '20000' is not a number of dumps to keep (1 to 10000)"),
])
def test_patch_refuses_what_the_runtime_refuses(tmp_path, args, message):
    compose = tmp_path / "compose.yaml"
    text = "services:\n  db:\n    image: postgres:16\n"
    compose.write_text(text)
    result = CliRunner().invoke(cli, ["patch", str(compose), *args])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"composegen: error: {message}" or result.stderr.startswith(
        f"composegen: error: {message}")
    assert compose.read_text() == text
    assert sorted(os.listdir(tmp_path)) == ["compose.yaml"]


def test_patch_does_not_keep_a_schedule_the_runtime_refuses(tmp_path):
    compose = tmp_path / "compose.yaml"
    text = "services:\n  db:\n    image: postgres:16\n    environment:\n      COMPOSEGEN_SCHEDULE: 1w\n"
    compose.write_text(text)
    result = CliRunner().invoke(cli, ["patch", str(compose), "--fresh"])
    assert result.exit_code == 2
    assert result.stderr.startswith("composegen: error: service 'db': COMPOSEGEN_SCHEDULE: '1w' is not an "
                                    "interval"), result.stderr
    assert compose.read_text() == text


@pytest.mark.parametrize("value", ["1000:1000", "1:0", "4294967294:4294967294"])
def test_service_user_takes_uid_gid(value):
    from composegen import validate

    assert validate.service_user(value) == value


@pytest.mark.parametrize("value", ["1000", "a:b", "0:0", "4294967295:1", "1000:1000\n", 1000])
def test_service_user_refuses_anything_else(value):
    from composegen import validate

    with pytest.raises(UserError, match="--user"):
        validate.service_user(value)
