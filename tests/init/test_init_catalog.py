"""init for catalog apps: --url, Postgres version ranges, state folder ownership, extra services.

Expected values are written out here from the apps' own documentation, not computed by composegen.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from click.testing import CliRunner

from composegen import catalog
from composegen.cli import cli
from composegen.errors import UserError
from composegen.init_stack import Overrides, default_postgres_version, plan_init, write_plan
from composegen.spec import parse_spec


def run(*args, cwd):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def config(compose_bin, folder) -> dict:
    done = subprocess.run([compose_bin, "-f", "compose.yaml", "config", "--format", "json"], cwd=folder,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


# --- --url ----------------------------------------------------------------------------------------

def test_url_fills_each_apps_url_and_domain_variables(tmp_path, stub_utils, compose_bin):
    expected = {
        "mattermost": {"MM_SERVICESETTINGS_SITEURL": "https://chat.example.org:8443"},
        "hedgedoc": {"CMD_DOMAIN": "chat.example.org:8443", "CMD_PROTOCOL_USESSL": "true", "CMD_URL_ADDPORT": "false"},
        "nextcloud": {"NEXTCLOUD_TRUSTED_DOMAINS": "chat.example.org", "OVERWRITEPROTOCOL": "https",
                      "OVERWRITECLIURL": "https://chat.example.org:8443"},
        "miniflux": {"BASE_URL": "https://chat.example.org:8443/"},
        "gitea": {"GITEA__server__ROOT_URL": "https://chat.example.org:8443/", "GITEA__server__DOMAIN": "chat.example.org"},
        "synapse": {"SYNAPSE_SERVER_NAME": "chat.example.org"},
    }
    for app, variables in expected.items():
        result = run("init", app, "--url", "https://chat.example.org:8443/", "--dir", app, cwd=tmp_path)
        assert result.exit_code == 0, result.output
        assert "localhost" not in result.stderr
        environment = config(compose_bin, tmp_path / app)["services"][app]["environment"]
        for name, value in variables.items():
            assert environment[name] == value, (app, name)
        assert not any("localhost" in value for value in environment.values()), app


def test_url_reaches_the_extra_services_that_share_the_environment(tmp_path, stub_utils, compose_bin):
    assert run("init", "synapse", "--url", "https://matrix.example.net", cwd=tmp_path).exit_code == 0
    services = config(compose_bin, tmp_path / "synapse")["services"]
    assert services["synapse-config"]["environment"]["SYNAPSE_SERVER_NAME"] == "matrix.example.net"


def test_without_url_localhost_stays_and_init_says_so(tmp_path, stub_utils, compose_bin):
    result = run("init", "mattermost", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    environment = config(compose_bin, tmp_path / "mattermost")["services"]["mattermost"]["environment"]
    assert environment["MM_SERVICESETTINGS_SITEURL"] == "http://localhost:8065"
    assert "note: mattermost's URL variables say http://localhost:8065" in result.stderr
    assert "--url" in result.stderr


@pytest.mark.parametrize("url", ["chat.example.org", "ftp://chat.example.org", "http://", "https://a b.org",
                                 "https://user:pw@chat.example.org", "https://chat.example.org/?x=1",
                                 "https://chat.example.org/#top", "https://chat.example.org:99999", "//chat.example.org",
                                 "https://chat.example.org/a\"b", "https://chat.example.org/a\\b"])
def test_a_bad_url_is_one_line_exit_2_and_nothing_written(tmp_path, stub_utils, url):
    result = run("init", "miniflux", "--url", url, cwd=tmp_path)
    assert_one_line_error(result, "--url:", "is not an absolute http(s) URL")
    assert os.listdir(tmp_path) == []


def test_a_url_with_a_dollar_stays_literal(tmp_path, stub_utils, compose_bin):
    assert run("init", "miniflux", "--url", "https://example.org/$HOME", cwd=tmp_path).exit_code == 0
    environment = config(compose_bin, tmp_path / "miniflux")["services"]["miniflux"]["environment"]
    # `config` prints a literal $ escaped again ($$), as Compose reads it back.
    assert environment["BASE_URL"] == "https://example.org/$$HOME/"


# --- Postgres versions ----------------------------------------------------------------------------

def test_a_version_outside_the_apps_range_is_refused_with_the_reason(tmp_path, stub_utils):
    result = run("init", "keycloak", "--postgres-version", "13", cwd=tmp_path)
    assert_one_line_error(result, "--postgres-version 13: keycloak supports PostgreSQL 14 to 18 (",
                          "keycloak.org/server/db")
    assert os.listdir(tmp_path) == []
    result = run("init", "mattermost", "--postgres-version", "13", cwd=tmp_path)
    assert_one_line_error(result, "mattermost supports PostgreSQL 14 to 18")
    assert os.listdir(tmp_path) == []


def test_a_version_inside_the_range_is_taken(tmp_path, stub_utils):
    result = run("init", "keycloak", "--postgres-version", "16", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert 'image: "postgres:16-alpine"' in (tmp_path / "keycloak" / "compose.yaml").read_text()


def test_the_default_major_is_the_apps_newest_when_17_is_too_new():
    spec = parse_spec("name: old\nimage: x/old:1\ndatabase: {name: old, user: old}\n"
                      "postgres_versions: {min: 13, max: 15, source: docs}\n", "s")
    assert default_postgres_version(spec) == 15
    assert plan_init(spec, "unused-never-written").files[0].content.count('image: "postgres:15-alpine"') == 1


def test_a_spec_whose_own_option_is_outside_its_range_is_refused():
    with pytest.raises(UserError, match=r"options.postgres_version: 18 is outside postgres_versions"):
        parse_spec("name: old\nimage: x/old:1\ndatabase: {name: old, user: old}\noptions: {postgres_version: 18}\n"
                   "postgres_versions: {min: 13, max: 17, source: docs}\n", "s")


@pytest.mark.parametrize("name", catalog.names())
def test_every_entry_says_what_it_was_checked_against(name):
    spec = catalog.load(name)
    assert spec.checked_against
    assert all((s.get("repository") or s["url"]).startswith("https://") for s in spec.checked_against)
    assert spec.postgres_versions is not None and spec.postgres_versions.source
    assert spec.runs_as.count(":") == 1


# --- state folders --------------------------------------------------------------------------------

@pytest.mark.skipif(os.geteuid() != 0, reason="giving folders away needs root (CI runs as root)")
def test_as_root_init_creates_every_state_folder_owned_by_the_apps_user(tmp_path, stub_utils):
    result = run("init", "mattermost", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "chown" not in result.stderr
    root = tmp_path / "mattermost"
    for folder in ("config", "data", "logs", "plugins", "client/plugins", "bleve-indexes"):
        info = os.stat(root / "mattermost" / folder)
        assert (info.st_uid, info.st_gid) == (2000, 2000), folder
        assert info.st_mode & 0o777 == 0o755
    for app, folder, owner in (("n8n", "n8n", (1000, 1000)), ("vikunja", "files", (1000, 0)),
                               ("hedgedoc", "uploads", (10000, 10000)), ("wallabag", "images", (65534, 65534))):
        assert run("init", app, cwd=tmp_path).exit_code == 0
        info = os.stat(tmp_path / app / folder)
        assert (info.st_uid, info.st_gid) == owner, app


def test_not_root_init_creates_the_folders_and_prints_the_one_chown(tmp_path, stub_utils, monkeypatch):
    from composegen import init_stack

    monkeypatch.setattr(init_stack.os, "geteuid", lambda: 4321)
    monkeypatch.setattr(init_stack.os, "getegid", lambda: 4321)
    result = run("init", "mattermost", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if "chown" in line]
    assert len(notes) == 1
    paths = " ".join(f"mattermost/mattermost/{f}" for f in
                     ("config", "data", "logs", "plugins", "client/plugins", "bleve-indexes"))
    assert notes[0].endswith(f"run: sudo chown 2000:2000 {paths}")
    assert all((tmp_path / "mattermost" / "mattermost" / f).is_dir() for f in ("config", "client/plugins"))


def test_not_root_and_the_app_runs_as_root_needs_no_chown(tmp_path, stub_utils, monkeypatch):
    from composegen import init_stack

    monkeypatch.setattr(init_stack.os, "geteuid", lambda: 4321)
    result = run("init", "vaultwarden", cwd=tmp_path)
    assert result.exit_code == 0
    assert "chown" not in result.stderr
    assert (tmp_path / "vaultwarden" / "vw-data").is_dir()


def test_dry_run_shows_the_folders_and_their_owner(tmp_path, stub_utils):
    result = run("init", "n8n", "--dry-run", cwd=tmp_path)
    assert "# ==> n8n/ (mode 0755, owner 1000:1000, create)" in result.stdout
    assert os.listdir(tmp_path) == []


# --- the apps the issue names ---------------------------------------------------------------------

def test_hedgedoc_stores_uploads_on_the_filesystem(tmp_path, stub_utils, compose_bin):
    assert run("init", "hedgedoc", cwd=tmp_path).exit_code == 0
    environment = config(compose_bin, tmp_path / "hedgedoc")["services"]["hedgedoc"]["environment"]
    assert environment["CMD_IMAGE_UPLOAD_TYPE"] == "filesystem"


def test_wallabag_finds_no_database_of_its_own_and_installs(tmp_path, stub_utils, compose_bin):
    # Its entrypoint installs only when SYMFONY__ENV__DATABASE_NAME does not exist yet (wallabag/docker#412).
    assert run("init", "wallabag", cwd=tmp_path).exit_code == 0
    services = config(compose_bin, tmp_path / "wallabag")["services"]
    pg, app = services["postgres"]["environment"], services["wallabag"]["environment"]
    assert pg["POSTGRES_DB"] == pg["POSTGRES_USER"] == app["POSTGRES_USER"]
    assert app["SYMFONY__ENV__DATABASE_NAME"] != pg["POSTGRES_DB"]
    assert app["POSTGRES_PASSWORD"] == pg["POSTGRES_PASSWORD"]


def test_mattermost_persists_client_plugins_and_bleve_indexes(tmp_path, stub_utils, compose_bin):
    assert run("init", "mattermost", cwd=tmp_path).exit_code == 0
    volumes = config(compose_bin, tmp_path / "mattermost")["services"]["mattermost"]["volumes"]
    targets = {v["target"] for v in volumes if v["type"] == "bind"}
    assert {"/mattermost/client/plugins", "/mattermost/bleve-indexes"} <= targets


def test_synapse_gets_the_c_collation(tmp_path, stub_utils, compose_bin):
    assert run("init", "synapse", cwd=tmp_path).exit_code == 0
    pg = config(compose_bin, tmp_path / "synapse")["services"]["postgres"]["environment"]
    assert pg["POSTGRES_INITDB_ARGS"] == "--encoding=UTF8 --lc-collate=C --lc-ctype=C"


def test_the_tags_the_issue_found_missing_or_end_of_life_are_gone():
    images = {name: catalog.load(name).image for name in ("tandoor", "vikunja", "nextcloud", "forgejo")}
    assert images["tandoor"] != "vabene1111/recipes:2.7.2"
    assert images["vikunja"] != "vikunja/vikunja:2.8.0"
    assert not images["nextcloud"].startswith("nextcloud:31")
    assert not images["forgejo"].startswith("codeberg.org/forgejo/forgejo:11")


# --- extra services -------------------------------------------------------------------------------

def test_nextcloud_has_its_cron_container_on_the_same_folder(tmp_path, stub_utils, compose_bin):
    assert run("init", "nextcloud", cwd=tmp_path).exit_code == 0
    services = config(compose_bin, tmp_path / "nextcloud")["services"]
    cron = services["cron"]
    assert cron["entrypoint"] == ["/cron.sh"]
    assert cron["image"] == services["nextcloud"]["image"]
    assert [v["target"] for v in cron["volumes"]] == ["/var/www/html"]
    assert cron["environment"]["POSTGRES_PASSWORD"] == services["postgres"]["environment"]["POSTGRES_PASSWORD"]


def test_a_worker_shares_the_apps_environment_and_secrets_are_generated_once(tmp_path, stub_utils, compose_bin):
    assert run("init", "twenty", cwd=tmp_path).exit_code == 0
    services = config(compose_bin, tmp_path / "twenty")["services"]
    app, worker = services["twenty"]["environment"], services["worker"]["environment"]
    assert worker["APP_SECRET"] == app["APP_SECRET"]
    assert worker["PG_DATABASE_URL"] == app["PG_DATABASE_URL"]
    assert worker["DISABLE_DB_MIGRATIONS"] == "true" and "DISABLE_DB_MIGRATIONS" not in app
    assert services["worker"]["command"] == ["yarn", "worker:prod"]
    env_lines = (tmp_path / "twenty" / ".env").read_text().splitlines()
    assert sum(line.startswith("TWENTY_APP_SECRET=") for line in env_lines) == 1
    assert services["twenty"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["worker"]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_a_cache_has_no_volume_no_database_and_waits_for_nothing(tmp_path, stub_utils, compose_bin):
    assert run("init", "outline", cwd=tmp_path).exit_code == 0
    redis = config(compose_bin, tmp_path / "outline")["services"]["redis"]
    assert "volumes" not in redis and "environment" not in redis and "depends_on" not in redis
    assert "# A cache: nothing in it must survive" in (tmp_path / "outline" / "compose.yaml").read_text()


def test_a_migration_job_runs_once_and_the_app_waits_for_its_success(tmp_path, stub_utils, compose_bin):
    assert run("init", "synapse", cwd=tmp_path).exit_code == 0
    services = config(compose_bin, tmp_path / "synapse")["services"]
    job = services["synapse-config"]
    assert job["restart"] == "no"
    assert job["command"] == ["migrate_config"]
    assert job["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["synapse"]["depends_on"]["synapse-config"]["condition"] == "service_completed_successfully"


def test_an_extra_service_cannot_take_the_apps_name():
    with pytest.raises(UserError, match=r"services.web: is the app's own name"):
        parse_spec("name: web\nimage: x/web:1\ndatabase: {name: w, user: w}\n"
                   "services: {web: {role: worker}}\n", "s")


def test_a_cache_cannot_share_the_apps_environment_or_keep_state():
    with pytest.raises(UserError, match=r"^s: services.c"):
        parse_spec("name: web\nimage: x/web:1\ndatabase: {name: w, user: w}\n"
                   "services: {c: {role: cache, image: 'redis:8', volumes: ['./r:/data']}}\n", "s")


def test_created_by_app_needs_a_database_name_other_than_the_users():
    with pytest.raises(UserError, match="created_by_app needs a name other than the user's"):
        parse_spec("name: web\nimage: x/web:1\ndatabase: {name: w, user: w, created_by_app: true}\n", "s")


def test_the_catalog_lists_at_least_thirty_apps_including_the_most_run_ones(tmp_path):
    result = run("catalog", "list", cwd=tmp_path)
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert len(names) >= 30
    assert {"immich", "paperless-ngx", "authentik", "outline", "nocodb", "joplin", "synapse", "docmost",
            "twenty"} <= set(names)


def test_overrides_url_is_not_a_runtime_option():
    assert Overrides(url="https://x.example").as_options() == {}


def test_an_unknown_app_is_one_line_exit_2_and_nothing_written(tmp_path, stub_utils):
    result = run("init", "immitch", "--url", "https://photos.example.org", cwd=tmp_path)
    assert_one_line_error(result, "unknown app 'immitch'; did you mean immich?")
    assert os.listdir(tmp_path) == []


def test_immichs_postgres_keeps_its_own_entrypoint_and_command(tmp_path, stub_utils, compose_bin):
    # immich-app/base-images postgres/Dockerfile: ENTRYPOINT immich-docker-entrypoint.sh (it writes
    # /etc/postgresql/postgresql.conf, which preloads the vector extension), CMD with config_file.
    assert run("init", "immich", cwd=tmp_path).exit_code == 0
    pg = config(compose_bin, tmp_path / "immich")["services"]["postgres"]
    assert pg["command"] == ["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"]
    assert pg["environment"]["COMPOSEGEN_ENTRYPOINT"] == "/usr/local/bin/immich-docker-entrypoint.sh"
    assert pg["image"].startswith("ghcr.io/immich-app/postgres:14-vectorchord")
