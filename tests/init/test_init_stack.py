"""init's core: what it plans, the modes it writes, --force's promises, atomicity and refusals."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from composegen import catalog, fsutil, stack
from composegen.errors import UserError
from composegen.init_stack import ADD_KEYS, KEEP, Overrides, plan_init, resolve_options, write_plan
from composegen.spec import parse_spec

SPEC = """
name: demo
image: example/demo:1.0
environment:
  DB: {template: "postgres://{db.user}:{db.password}@{db.host}/{db.name}"}
  TOKEN: {secret: DEMO_TOKEN}
database: {name: demo_db, user: demo_user}
secrets: [DEMO_TOKEN]
"""


GENERATED_COMPOSE = "# demo: written by composegen 0.0.1 (`composegen init`).\nold: true\n"


def counter():
    state = {"n": 0}

    def token():
        state["n"] += 1
        return f"secret{state['n']}"

    return token


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def tree(root):
    """{relative path: bytes or None} of everything under root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            out[os.path.relpath(os.path.join(dirpath, name), root)] = None
        for name in filenames:
            path = os.path.join(dirpath, name)
            out[os.path.relpath(path, root)] = open(path, "rb").read()
    return out


def init(tmp_path, spec_text=SPEC, **kwargs):
    spec = parse_spec(spec_text, "spec.yaml")
    plan = plan_init(spec, tmp_path / "demo", kwargs.pop("overrides", Overrides()), token=counter(), **kwargs)
    write_plan(plan)
    return tmp_path / "demo"


def test_a_new_folder_has_every_file_with_its_mode(tmp_path, stub_utils):
    target = init(tmp_path)
    assert sorted(os.listdir(target)) == [".env", ".gitignore", "compose.yaml", "data", "utils"]
    assert mode(target / ".env") == stack.ENV_FILE_MODE == 0o600
    assert mode(target / "data") == stack.DATA_DIR_MODE == 0o700
    assert os.listdir(target / "data") == []
    assert mode(target / "compose.yaml") == 0o644
    assert sorted(os.listdir(target / "utils")) == sorted(stub_utils)
    for name, content in stub_utils.items():
        assert (target / "utils" / name).read_text() == content
        assert mode(target / "utils" / name) == stack.UTILS_MODE == 0o755
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")], "a staging folder was left behind"


def test_the_env_file_holds_every_secret_generated_url_safe(tmp_path, stub_utils):
    spec = parse_spec(SPEC, "spec.yaml")
    plan = plan_init(spec, tmp_path / "demo")
    write_plan(plan)
    values = dict(line.split("=", 1) for line in (tmp_path / "demo/.env").read_text().splitlines() if "=" in line and not line.startswith("#"))
    assert set(values) == {"POSTGRES_PASSWORD", "DEMO_TOKEN"}
    for value in values.values():
        assert value.startswith("'") and value.endswith("'")
        assert len(value) - 2 >= 43
        assert set(value.strip("'")) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert values["POSTGRES_PASSWORD"] != values["DEMO_TOKEN"]


def test_the_compose_file_never_holds_a_secret(tmp_path, stub_utils):
    target = init(tmp_path)
    compose = (target / "compose.yaml").read_text()
    assert "secret1" not in compose and "secret2" not in compose
    assert "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}" in compose
    assert "${DEMO_TOKEN:?set DEMO_TOKEN in .env}" in compose


def test_the_gitignore_keeps_secrets_and_dumps_out(tmp_path, stub_utils):
    target = init(tmp_path)
    lines = (target / ".gitignore").read_text().splitlines()
    assert "/.env" in lines and "/data/*" in lines


def test_the_postgres_service_is_the_documented_block(tmp_path, stub_utils):
    """docs/runtime.md's block, written out here: not computed by the functions init itself calls."""
    from ruamel.yaml import YAML

    target = init(tmp_path, overrides=Overrides(schedule="30m", keep=5, compression="gzip", postgres_version=15))
    doc = YAML(typ="safe", pure=True).load((target / "compose.yaml").read_text())
    assert list(doc["services"]) == ["demo", "postgres"]
    pg = doc["services"]["postgres"]
    assert pg == {
        "image": "postgres:15-alpine",
        "restart": "unless-stopped",
        "entrypoint": ["/utils/entrypoint"],
        "command": ["postgres"],
        "environment": {
            "POSTGRES_USER": "demo_user",
            "POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}",
            "POSTGRES_DB": "demo_db",
            "PGDATA": "/pgdata",
            "COMPOSEGEN_SCHEDULE": "30m",
            "COMPOSEGEN_KEEP": "5",
            "COMPOSEGEN_COMPRESSION": "gzip",
        },
        "volumes": ["./data:/dumps", "./utils:/utils:ro",
                    "./utils/restore:/docker-entrypoint-initdb.d/000-composegen-restore.sh:ro"],
        "tmpfs": ["/var/lib/postgresql", "/var/lib/postgresql/data"],
        "stop_signal": "SIGTERM",
        "stop_grace_period": "5m",
        "healthcheck": {"test": ["CMD", "/utils/healthcheck"], "interval": "10s", "timeout": "10s", "retries": 3,
                        "start_period": "10m"},
    }
    assert list(pg)[:5] == ["image", "restart", "entrypoint", "command", "environment"]
    app = doc["services"]["demo"]
    assert app["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert app["environment"]["DB"] == "postgres://demo_user:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@postgres/demo_db"


@pytest.mark.parametrize(
    ("spec_options", "overrides", "image"),
    [
        ({}, Overrides(), "postgres:17-alpine"),
        ({}, Overrides(postgres_version=13), "postgres:13-alpine"),
        ({"postgres_version": 18}, Overrides(), "postgres:18-alpine"),
        ({"postgres_image": "registry.example/postgres:16-custom"}, Overrides(), "registry.example/postgres:16-custom"),
        ({"postgres_image": "pgvector/pgvector:pg16", "postgres_version": 16}, Overrides(), "pgvector/pgvector:pg16"),
        ({"postgres_image": "registry.example/postgres:16-custom"}, Overrides(postgres_version=14, postgres_image="registry.example/postgres:14-custom"), "registry.example/postgres:14-custom"),
        ({}, Overrides(postgres_image="postgres:16-bookworm", postgres_version=16), "postgres:16-bookworm"),
        ({}, Overrides(postgres_image="postgres:latest", postgres_version=16), "postgres:latest"),
    ],
)
def test_the_postgres_image_command_line_over_spec_over_default(spec_options, overrides, image):
    spec = parse_spec(SPEC, "s")
    spec = type(spec)(**{**spec.__dict__, "options": spec_options})
    assert resolve_options(spec, overrides)[1] == image


def test_a_version_alone_never_replaces_the_specs_own_postgres_image():
    # An app with its own image (immich: extensions) would silently get a plain postgres:N-alpine.
    spec = parse_spec(SPEC + "options: {postgres_image: 'mine/pg:16'}\n", "s")
    with pytest.raises(UserError) as info:
        resolve_options(spec, Overrides(postgres_version=14))
    assert str(info.value) == ("--postgres-version 14: demo runs its own Postgres image (mine/pg:16); "
                               "give the matching --postgres-image too")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (Overrides(postgres_version=12), "--postgres-version: 12 is not a Postgres major composegen supports (13 to 18)"),
        (Overrides(postgres_version=19), "--postgres-version: 19 is not a Postgres major"),
        (Overrides(keep=0), "--keep: '0' is not a number of dumps to keep (1 to 10000)"),
        (Overrides(schedule="hourly"), "--schedule: 'hourly' is not an interval"),
        (Overrides(compression="xz"), "--compression: 'xz' is not one of zstd, gzip"),
        (Overrides(postgres_image="postgres:17 ; rm -rf /"), "--postgres-image:"),
        # Accepted here once, failing later (issue #12): not Postgres, or not the major asked for.
        (Overrides(postgres_image="mysql:8"), "--postgres-image: 'mysql:8' is not a Postgres image composegen knows"),
        (Overrides(postgres_image="bitnami/postgresql:16"), "--postgres-image: 'bitnami/postgresql:16' does not keep"),
        (Overrides(postgres_image="postgres:12"), "--postgres-image: 'postgres:12': 12 is not a Postgres major"),
        (Overrides(postgres_image="postgres:13-alpine", postgres_version=17),
         "--postgres-image: 'postgres:13-alpine' is Postgres 13, but --postgres-version says 17"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(tmp_path, stub_utils, overrides, message):
    with pytest.raises(UserError) as info:
        init(tmp_path, overrides=overrides)
    assert str(info.value).startswith(message)
    assert os.listdir(tmp_path) == []


def test_a_non_empty_stack_folder_is_refused_without_force(tmp_path, stub_utils):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "compose.yaml").write_text(GENERATED_COMPOSE)
    before = tree(tmp_path)
    with pytest.raises(UserError, match="demo already exists and is not empty; --force"):
        init(tmp_path)
    assert tree(tmp_path) == before


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_composegen_did_not_create_is_refused_even_with_force(tmp_path, stub_utils, force):
    """Issue #12: --force suggested itself for any folder (`--dir /`) and then rewrote what was there."""
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "notes.txt").write_text("mine")
    before = tree(tmp_path)
    with pytest.raises(UserError) as info:
        init(tmp_path, force=force)
    assert "already exists and is not empty, and composegen may not rewrite it" in str(info.value)
    assert "--force" not in str(info.value)
    assert tree(tmp_path) == before


def test_an_empty_folder_is_used(tmp_path, stub_utils):
    (tmp_path / "demo").mkdir()
    target = init(tmp_path)
    assert (target / "compose.yaml").is_file()


def test_a_file_in_the_way_is_refused(tmp_path, stub_utils):
    (tmp_path / "demo").write_text("x")
    with pytest.raises(UserError, match="demo exists and is not a folder"):
        init(tmp_path)


def test_a_missing_parent_is_refused(tmp_path, stub_utils):
    spec = parse_spec(SPEC, "s")
    with pytest.raises(UserError, match="its parent folder .*nope does not exist"):
        plan_init(spec, tmp_path / "nope" / "demo")
    assert os.listdir(tmp_path) == []


def test_force_keeps_data_and_existing_secrets_and_adds_missing_ones(tmp_path, stub_utils):
    target = tmp_path / "demo"
    (target / "data").mkdir(parents=True, mode=0o750)
    os.chmod(target / "data", 0o750)
    (target / "data" / "cluster-20260101T000000Z.sql.zst").write_bytes(b"dump")
    (target / ".env").write_text("# mine\nPOSTGRES_PASSWORD='keep-me'\nOTHER=1")
    (target / "compose.yaml").write_text(GENERATED_COMPOSE)
    (target / "README").write_text("mine")

    spec = parse_spec(SPEC, "s")
    plan = plan_init(spec, target, force=True, token=counter())
    actions = {f.path: f.action for f in plan.files}
    assert actions["data"] == KEEP and actions[".env"] == ADD_KEYS
    write_plan(plan)

    assert (target / "data" / "cluster-20260101T000000Z.sql.zst").read_bytes() == b"dump"
    assert mode(target / "data") == 0o750, "an existing data/ must not be touched"
    env = (target / ".env").read_text()
    assert env.startswith("# mine\nPOSTGRES_PASSWORD='keep-me'\nOTHER=1\n")
    assert env.count("POSTGRES_PASSWORD=") == 1
    assert "DEMO_TOKEN='secret1'" in env
    assert {line.split("=", 1)[0] for line in env.splitlines() if "=" in line and not line.startswith("#")} == {
        "POSTGRES_PASSWORD", "OTHER", "DEMO_TOKEN"}
    assert mode(target / ".env") == 0o600
    assert (target / "README").read_text() == "mine"
    assert "services:" in (target / "compose.yaml").read_text()
    assert mode(target / "utils" / "dump") == 0o755


def test_force_with_every_secret_present_leaves_env_byte_for_byte(tmp_path, stub_utils):
    target = tmp_path / "demo"
    target.mkdir()
    original = "POSTGRES_PASSWORD=a\nexport DEMO_TOKEN = 'b'\n"
    (target / ".env").write_text(original)
    os.chmod(target / ".env", 0o640)
    spec = parse_spec(SPEC, "s")
    plan = plan_init(spec, target, force=True)
    assert {f.path: f.action for f in plan.files}[".env"] == KEEP
    write_plan(plan)
    assert (target / ".env").read_text() == original
    assert mode(target / ".env") == 0o640
    assert mode(target / "data") == 0o700  # missing data/ is created


def test_a_failure_half_way_leaves_no_folder(tmp_path, stub_utils, monkeypatch):
    spec = parse_spec(SPEC, "s")
    plan = plan_init(spec, tmp_path / "demo")
    real_chmod = os.chmod
    calls = {"n": 0}

    def failing_chmod(path, mode_):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(28, "No space left on device")
        real_chmod(path, mode_)

    monkeypatch.setattr(fsutil.os, "chmod", failing_chmod)
    with pytest.raises(UserError, match=r"cannot write .*demo: No space left on device"):
        write_plan(plan)
    assert os.listdir(tmp_path) == []


def test_an_unwritable_parent_is_a_user_error(tmp_path, stub_utils, monkeypatch):
    spec = parse_spec(SPEC, "s")
    plan = plan_init(spec, tmp_path / "demo")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fsutil.tempfile, "mkdtemp", refuse)
    with pytest.raises(UserError, match=r"cannot write .*demo: Permission denied"):
        write_plan(plan)
    assert os.listdir(tmp_path) == []


def test_a_real_unwritable_parent_is_a_user_error(stub_utils):
    """/sys refuses new entries even to root (the test runs as root in CI, where modes do not stop it)."""
    plan = plan_init(parse_spec(SPEC, "s"), Path("/sys/composegen-test-demo"))
    with pytest.raises(UserError, match=r"^cannot write /sys/composegen-test-demo: "):
        write_plan(plan)
    assert not Path("/sys/composegen-test-demo").exists()


def test_a_folder_that_fills_up_meanwhile_is_not_replaced(tmp_path, stub_utils):
    (tmp_path / "demo").mkdir()
    spec = parse_spec(SPEC, "s")
    plan = plan_init(spec, tmp_path / "demo")  # planned while empty
    (tmp_path / "demo" / "precious").write_text("x")
    with pytest.raises(UserError, match="cannot write"):
        write_plan(plan)
    assert os.listdir(tmp_path / "demo") == ["precious"]
    assert [p for p in os.listdir(tmp_path) if p != "demo"] == []


@pytest.mark.parametrize("name", catalog.names())
def test_every_catalog_app_plans(tmp_path, stub_utils, name):
    plan = plan_init(catalog.load(name), tmp_path / name)
    paths = [f.path for f in plan.files]
    assert paths[:3] == ["compose.yaml", ".env", ".gitignore"] and "data" in paths


def test_the_postgres_service_equals_the_block_in_docs_runtime_md(tmp_path, stub_utils):
    """docs/runtime.md is authoritative: with defaults and database app/app, init writes exactly its block."""
    from ruamel.yaml import YAML

    docs = (Path(__file__).resolve().parents[2] / "docs" / "runtime.md").read_text()
    block = docs.split("```yaml\n", 1)[1].split("```", 1)[0]
    documented = YAML(typ="safe", pure=True).load("services:\n" + block)["services"]["postgres"]
    spec_text = "name: app\nimage: example/app:1\ndatabase: {name: app, user: app}\n"
    target = init(tmp_path, spec_text=spec_text)
    written = YAML(typ="safe", pure=True).load((target.parent / "demo" / "compose.yaml").read_text())["services"]["postgres"]
    assert written == documented
    assert list(written) == list(documented)


def test_git_ignores_secrets_dumps_and_app_state_but_not_the_setup(tmp_path, stub_utils):
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    # Wildcards in a mount path are escaped: a*b must not also ignore aXb, nor [c] ignore c.
    spec_text = SPEC + "volumes: ['./app-files:/files', './a*b:/1', './[c]:/2', './#d:/3', '/srv/abs:/abs', '../up:/up']\n"
    target = init(tmp_path, spec_text=spec_text)
    (target / "data" / "cluster-20260101T000000Z.sql.zst").write_text("dump")
    for folder in ("app-files", "a*b", "aXb", "[c]", "c", "#d"):
        (target / folder).mkdir(exist_ok=True)  # init made the mounted ones
        (target / folder / "state").write_text("x")
    subprocess.run(["git", "init", "-q", str(target)], check=True)
    done = subprocess.run(["git", "-C", str(target), "status", "--porcelain", "--untracked-files=all"],
                          capture_output=True, text=True, check=True)
    tracked = sorted(line[3:].strip('"') for line in done.stdout.splitlines())
    assert tracked == [".gitignore", "aXb/state", "c/state", "compose.yaml", *(f"utils/{n}" for n in sorted(stub_utils))]


def test_an_image_known_only_by_its_own_config_keeps_its_entrypoint_and_cmd(tmp_path, stub_utils, monkeypatch):
    from composegen import image_config

    # A local build of an extension image: its own wrapper ENTRYPOINT and CMD, FROM the official image.
    config = {"Env": ["PG_MAJOR=17", "PGDATA=/var/lib/postgresql/data"],
              "Entrypoint": ["/usr/local/bin/ext-entrypoint.sh"],
              "Cmd": ["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"]}
    monkeypatch.setattr(image_config, "inspect_config", lambda image: config if image == "local/ext-pg:17" else None)
    target = init(tmp_path, overrides=Overrides(postgres_image="local/ext-pg:17"))
    text = (target / "compose.yaml").read_text()
    assert 'image: "local/ext-pg:17"' in text
    assert "COMPOSEGEN_ENTRYPOINT: /usr/local/bin/ext-entrypoint.sh" in text
    assert '["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"]' in text or \
        "config_file=/etc/postgresql/postgresql.conf" in text


def test_an_unknown_image_name_without_the_contract_is_refused(tmp_path, stub_utils, monkeypatch):
    from composegen import image_config

    monkeypatch.setattr(image_config, "inspect_config",
                        lambda image: {"Env": ["MYSQL_MAJOR=8.0"], "Entrypoint": ["docker-entrypoint.sh"],
                                       "Cmd": ["mysqld"]})
    with pytest.raises(UserError) as info:
        init(tmp_path, overrides=Overrides(postgres_image="local/db:8"))
    assert "does not look built on the official postgres image" in str(info.value)
    assert os.listdir(tmp_path) == []
