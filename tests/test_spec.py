"""Spec loading and validation: the schema's message and the bad field's path, references, options."""

from __future__ import annotations

import pytest

from composegen.errors import UserError
from composegen.spec import ServiceSpec, compose_env_value, parse_spec

MINIMAL = """
name: app
image: example/app:1.2
database: {name: app, user: app}
"""


def spec_with(extra: str) -> str:
    return MINIMAL + extra


def error_of(text: str) -> str:
    with pytest.raises(UserError) as info:
        parse_spec(text, "my.yaml")
    return str(info.value)


def test_minimal_spec_loads():
    spec = parse_spec(MINIMAL, "my.yaml")
    assert spec == ServiceSpec(name="app", image="example/app:1.2", database_name="app", database_user="app")
    assert spec.env_secrets == ("POSTGRES_PASSWORD",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: app\nimage: x:1\n", "my.yaml: (top level): 'database' is a required property"),
        (spec_with("ports: [8080]\n"), "my.yaml: ports[0]: 8080 is not of type 'string'"),
        (spec_with("ports: ['80:80; rm -rf /']\n"), "my.yaml: ports[0]: '80:80; rm -rf /' is not valid"),
        (spec_with("options: {keep: 0}\n"), "my.yaml: options.keep: 0 is less than the minimum of 1"),
        (spec_with("options: {schedule: 5x}\n"), "my.yaml: options.schedule: '5x' is not valid (How often to dump"),
        (spec_with("options: {compression: xz}\n"), "my.yaml: options.compression: 'xz' is not one of"),
        (spec_with("options: {postgres_version: 12}\n"), "my.yaml: options.postgres_version: 12 is less than"),
        (spec_with("colour: blue\n"), "Additional properties are not allowed ('colour' was unexpected)"),
        (spec_with("environment: {A: 1.5}\n"), "my.yaml: environment.A: 1.5 is not a string, an integer"),
        (spec_with("environment: {A: [x]}\n"), "my.yaml: environment.A: ['x'] is not a string"),
        (spec_with("environment: {'A B': x}\n"), "my.yaml: environment: 'A B' is not valid"),
        (spec_with("environment: {A: \"nul\\0byte\"}\n"), "my.yaml: environment.A: 'nul\\x00byte' is not valid"),
        (spec_with("secrets: [POSTGRES_PASSWORD]\n"), "my.yaml: secrets[0]: 'POSTGRES_PASSWORD' is reserved"),
        ("name: postgres\nimage: x:1\ndatabase: {name: a, user: a}\n", "my.yaml: name: 'postgres' is reserved"),
        ("name: app\nimage: 'x:1 $(id)'\ndatabase: {name: a, user: a}\n", "my.yaml: image: 'x:1 $(id)' is not valid"),
        ("name: app\nimage: x:1\ndatabase: {name: \"a'b\", user: a}\n", "my.yaml: database.name: \"a'b\" is not valid"),
        ("- a list\n", "my.yaml: (top level): ['a list'] is not of type 'object'"),
        ("name: [unclosed\n", "my.yaml:2: not valid YAML"),
        ("name: a\nname: b\n", "my.yaml:2: not valid YAML"),
    ],
)
def test_invalid_specs_name_the_field_and_the_problem(text, expected):
    message = error_of(text)
    assert expected in message
    assert "\n" not in message


def test_an_undeclared_secret_is_refused():
    message = error_of(spec_with("environment: {A: {secret: NOPE}}\n"))
    assert message == "my.yaml: environment.A: secret 'NOPE' is not declared under secrets: (known: POSTGRES_PASSWORD)"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{db.colour}", "unknown placeholder {db.colour}"),
        ("{secret.NOPE}", "secret 'NOPE' is not declared"),
        ("{db.user!r}", "placeholder {db.user} takes no format or conversion"),
        ("{db.user:>9}", "placeholder {db.user} takes no format or conversion"),
        ("a}b", "bad template 'a}b': Single '}' encountered"),
        ("a{b", "bad template"),
    ],
)
def test_bad_templates_are_refused(template, expected):
    text = spec_with(f"environment:\n  A: {{template: {template!r}}}\n")
    assert expected in error_of(text)


def test_references_become_interpolation_and_literals_stay_literal():
    spec = parse_spec(spec_with("secrets: [TOKEN]\n"), "my.yaml")
    assert compose_env_value({"secret": "TOKEN"}, spec) == "${TOKEN:?set TOKEN in .env}"
    assert compose_env_value("${TOKEN}", spec) == "$${TOKEN}"
    assert compose_env_value(
        {"template": "pg://{db.user}:{db.password}@{db.host}:{db.port}/{db.name}?a={{b}}&c=$d&t={secret.TOKEN}"}, spec
    ) == (
        "pg://app:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@postgres:5432/app"
        "?a={b}&c=$$d&t=${TOKEN:?set TOKEN in .env}"
    )
    assert compose_env_value(True, spec) == "true"
    assert compose_env_value(8, spec) == "8"


def test_yaml_1_2_keeps_yes_a_string():
    spec = parse_spec(spec_with("environment: {A: yes, B: on}\n"), "my.yaml")
    assert spec.environment == {"A": "yes", "B": "on"}


# Schedules: tests/runtime/test_options_agree.py (one table for composegen and the runtime).


def test_unreadable_spec_file_is_a_user_error(tmp_path):
    from composegen.spec import load_spec_file

    with pytest.raises(UserError, match="missing.yaml: no such "):
        load_spec_file(tmp_path / "missing.yaml")


@pytest.mark.parametrize("volume", ["./data:/x", "./data/sub:/x", "./utils:/u:ro", "./.env:/e", "./:/all", "./app/../data:/x"])
def test_an_app_volume_must_not_expose_or_shadow_the_stack_files(volume):
    message = error_of(spec_with(f"volumes: [{volume!r}]\n"))
    assert message.startswith(f"my.yaml: volumes[0]: {volume!r} would expose or shadow the folder's data, utils, .env")


@pytest.mark.parametrize("volume", ["./app:/app", "./database-files:/x", "/srv/data:/data", "../shared:/s:ro"])
def test_other_app_volumes_are_fine(volume):
    assert parse_spec(spec_with(f"volumes: [{volume!r}]\n"), "my.yaml").volumes == (volume,)
