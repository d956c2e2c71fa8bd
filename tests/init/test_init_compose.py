"""Generated compose files: the real Compose v2 validator accepts them, and hostile spec values come out exactly."""

from __future__ import annotations

import json
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composegen import catalog, stack
from composegen.init_stack import plan_init, render_compose, resolve_options, write_plan, Overrides
from composegen.spec import ServiceSpec, parse_spec


def compose_config(compose_bin, folder, *args):
    done = subprocess.run([compose_bin, "-f", "compose.yaml", "config", *args], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, f"docker-compose config failed:\n{done.stderr}"
    return done.stdout


def env_file_values(folder) -> dict[str, str]:
    out = {}
    for line in (folder / ".env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, value = line.split("=", 1)
            out[key] = value.strip("'")
    return out


@pytest.mark.parametrize("name", catalog.names())
def test_every_catalog_app_passes_docker_compose_config(tmp_path, stub_utils, compose_bin, name):
    plan = plan_init(catalog.load(name), tmp_path / name)
    write_plan(plan)
    compose_config(compose_bin, tmp_path / name, "-q")
    config = json.loads(compose_config(compose_bin, tmp_path / name, "--format", "json"))
    secrets = env_file_values(tmp_path / name)
    pg_env = config["services"]["postgres"]["environment"]
    assert pg_env["POSTGRES_PASSWORD"] == secrets["POSTGRES_PASSWORD"]
    app_env = config["services"][name]["environment"]
    assert any(secrets["POSTGRES_PASSWORD"] in value for value in app_env.values()), "the app never gets the password"
    assert config["services"][name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert not config.get("volumes"), "a named volume would hold state outside the folder"


# --- hostile values -------------------------------------------------------------------------------

# Anything a YAML file can hold, except NUL (the schema refuses it: no process environment can hold one).
hostile_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30)
nasty = st.sampled_from(['"', "'", "$(id)", "`id`", "\n", "#", ": ", "${X}", "$$", "{", "}", "\\", "é", "\u2028", "\x85", "\t", " "])
hostile = st.one_of(hostile_text, st.lists(st.one_of(nasty, hostile_text), max_size=6).map("".join))
env_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)


def dump_yaml(doc) -> str:
    """A spec file holding exactly `doc`: every string double-quoted, so the YAML escapes every special character
    (ruamel's plain and single-quoted styles write NEL raw, which a reader folds into a space)."""
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    def quoted(obj):
        if isinstance(obj, dict):
            return {key: quoted(value) for key, value in obj.items()}
        if isinstance(obj, list):
            return [quoted(value) for value in obj]
        return DoubleQuotedScalarString(obj) if isinstance(obj, str) else obj

    yaml = YAML()
    yaml.width = 4096
    out = io.StringIO()
    yaml.dump(quoted(doc), out)
    assert load_yaml(out.getvalue()) == doc
    return out.getvalue()


def load_yaml(text: str):
    from ruamel.yaml import YAML

    return YAML(typ="safe", pure=True).load(text)


def hostile_spec_doc(env: dict, command: list, shell_check: str, template_literal: str) -> dict:
    return {
        "name": "app",
        "image": "example/app:1.0",
        "command": command,
        "environment": {**env, "TEMPLATED": {"template": template_literal.replace("{", "{{").replace("}", "}}") + "{db.password}"}},
        "healthcheck": {"test": ["CMD-SHELL", shell_check]},
        "database": {"name": "app", "user": "app"},
    }


def unescape(value: str) -> str:
    """What a container gets from a Compose string: `$$` is one `$`."""
    return value.replace("$$", "$")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    env=st.dictionaries(env_names.filter(lambda n: n != "TEMPLATED"), hostile, max_size=4),
    command=st.lists(hostile, min_size=1, max_size=3),
    shell_check=hostile,
    template_literal=hostile,
)
def test_hostile_values_come_out_exactly(env, command, shell_check, template_literal):
    spec = parse_spec(dump_yaml(hostile_spec_doc(env, command, shell_check, template_literal)), "hostile.yaml")
    options, image = resolve_options(spec, Overrides())
    app = load_yaml(render_compose(spec, options, image))["services"]["app"]
    for key, value in env.items():
        assert unescape(app["environment"][key]) == value
        assert app["environment"][key].count("$") == 2 * value.count("$")
    assert [unescape(arg) for arg in app["command"]] == command
    assert unescape(app["healthcheck"]["test"][1]) == shell_check
    templated = app["environment"]["TEMPLATED"]
    expected_tail = "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}"
    assert templated.endswith(expected_tail)
    assert unescape(templated[: -len(expected_tail)]) == template_literal


@pytest.mark.parametrize(
    "field",
    [
        {"image": "x:1\nfoo: bar"},
        {"ports": ["80:80\n- 22:22"]},
        {"volumes": ["./a:/b\n"]},
        {"volumes": ["./$(id):/b"]},
        {"database": {"name": "a\nb", "user": "a"}},
        {"database": {"name": "a", "user": "a'; drop"}},
        {"environment": {"A\nB": "x"}},
        {"environment": {"A": "x\x00y"}},
        {"secrets": ["X$(id)"]},
        {"name": "app\n"},
        {"options": {"schedule": "1h; rm -rf /"}},
        {"options": {"postgres_image": "postgres:17 --privileged"}},
    ],
)
def test_hostile_values_where_they_cannot_be_quoted_fail_the_schema(field):
    from composegen.errors import UserError

    doc = {**hostile_spec_doc({}, ["x"], "true", ""), **field}
    with pytest.raises(UserError) as info:
        parse_spec(dump_yaml(doc), "hostile.yaml")
    message = str(info.value)
    assert message.startswith("hostile.yaml: ") and "\n" not in message


SAMPLES = [
    "plain",
    "a$b ${HOME} $$ $(id) `id` \"dq\" 'sq' # not a comment: no mapping",
    "line1\nline2\r\n\ttabbed",
    "é ü 𝄞 \u2028 \x85 \ufeff \x7f \x1b[31m",
    "{db.password} {{ }} %s %(x)s",
    " leading and trailing ",
    "",
    "yes",
    "0777",
    "~",
    "null",
    "- [a, b]",
    "*alias &anchor !tag",
]


def test_hostile_values_survive_the_real_compose(tmp_path, stub_utils, compose_bin):
    env = {f"V{i}": value for i, value in enumerate(SAMPLES)}
    doc = hostile_spec_doc(env, SAMPLES, SAMPLES[1], SAMPLES[1])
    spec = parse_spec(dump_yaml(doc), "hostile.yaml")
    write_plan(plan_init(spec, tmp_path / "app"))
    compose_config(compose_bin, tmp_path / "app", "-q")
    config = json.loads(compose_config(compose_bin, tmp_path / "app", "--format", "json"))
    app = config["services"]["app"]
    for key, value in env.items():
        assert unescape(app["environment"][key]) == value, key
    assert [unescape(arg) for arg in app["command"]] == SAMPLES
    password = env_file_values(tmp_path / "app")["POSTGRES_PASSWORD"]
    assert unescape(app["environment"]["TEMPLATED"]) == SAMPLES[1] + password


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(env=st.dictionaries(env_names, hostile, min_size=1, max_size=3))
def test_random_hostile_values_survive_the_real_compose(tmp_path_factory, stub_utils, compose_bin, env):
    folder = tmp_path_factory.mktemp("stack") / "app"
    spec = parse_spec(dump_yaml(hostile_spec_doc(env, ["x"], "true", "")), "hostile.yaml")
    write_plan(plan_init(spec, folder))
    config = json.loads(compose_config(compose_bin, folder, "--format", "json"))
    for key, value in env.items():
        got = config["services"]["app"]["environment"][key]
        assert unescape(got) == value


def test_no_spec_value_reaches_the_scripts(tmp_path, stub_utils):
    """utils/ is the same for every stack: per-stack values reach the scripts only as environment variables."""
    doc = hostile_spec_doc({"A": "$(touch /tmp/pwned)"}, ["`id`"], "x", "y")
    plan = plan_init(parse_spec(dump_yaml(doc), "h.yaml"), tmp_path / "app")
    scripts = {f.path.split("/", 1)[1]: f.content for f in plan.files if f.path.startswith("utils/")}
    assert scripts == stub_utils
    assert all(f.mode == stack.UTILS_MODE for f in plan.files if f.path.startswith("utils"))
