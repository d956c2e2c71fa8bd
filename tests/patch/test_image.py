"""Rule 16: the setup keeps what the image runs, its ENTRYPOINT (COMPOSEGEN_ENTRYPOINT) and its CMD
(`command:`), read with `docker image inspect` or, for a well-known image not present, from the table."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from composegen import image_config as image

_REAL_INSPECT = image.inspect_config  # taken before conftest's autouse stub replaces it

EXTENSION_CONFIG = {"Entrypoint": ["extension-entrypoint.sh"],
                    "Cmd": ["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"],
                    "Env": ["PATH=/usr/bin", "PG_MAJOR=17", "PGDATA=/var/lib/postgresql/data"]}


def _compose(tmp_path, image_name: str, extra: str = ""):
    path = tmp_path / "compose.yaml"
    path.write_text(f"services:\n  db:\n    image: {image_name}\n    environment:\n      POSTGRES_PASSWORD: x\n{extra}")
    return path


def _service(path):
    return YAML(typ="safe").load(path.read_text())["services"]["db"]


def _images(monkeypatch, configs: dict):
    monkeypatch.setattr(image, "inspect_config", lambda name: configs.get(name))


def test_an_inspected_image_keeps_its_entrypoint_and_cmd(tmp_path, run_patch, monkeypatch):
    _images(monkeypatch, {"example/pg-extension:17": EXTENSION_CONFIG})
    path = _compose(tmp_path, "example/pg-extension:17")
    result = run_patch(path, "--service", "db", "--fresh")
    assert result.exit_code == 0, result.output
    service = _service(path)
    assert service["entrypoint"] == ["/utils/entrypoint"]
    assert service["environment"]["COMPOSEGEN_ENTRYPOINT"] == "extension-entrypoint.sh"
    assert service["command"] == ["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"]
    again = run_patch(path, "--service", "db")
    assert again.exit_code == 0 and "nothing changed" in again.stdout


def test_a_well_known_image_not_present_comes_from_the_table(tmp_path, run_patch):
    path = _compose(tmp_path, "ghcr.io/immich-app/postgres:14-vectorchord0.4.3-pgvectors0.2.0")
    assert run_patch(path, "--fresh").exit_code == 0
    service = _service(path)
    assert service["environment"]["COMPOSEGEN_ENTRYPOINT"] == "/usr/local/bin/immich-docker-entrypoint.sh"
    assert service["command"] == ["postgres", "-c", "config_file=/etc/postgresql/postgresql.conf"]


def test_the_official_image_needs_no_entrypoint_variable(tmp_path, run_patch):
    path = _compose(tmp_path, "postgres:17")
    assert run_patch(path, "--fresh").exit_code == 0
    service = _service(path)
    assert "COMPOSEGEN_ENTRYPOINT" not in service["environment"]
    assert service["command"] == ["postgres"]


def test_the_users_own_command_stays(tmp_path, run_patch, monkeypatch):
    _images(monkeypatch, {"ghcr.io/immich-app/postgres:14": {**EXTENSION_CONFIG, "Entrypoint": ["/x/wrap.sh"]}})
    path = _compose(tmp_path, "ghcr.io/immich-app/postgres:14", "    command: [postgres, -c, shared_buffers=1GB]\n")
    assert run_patch(path, "--fresh").exit_code == 0
    service = _service(path)
    assert service["environment"]["COMPOSEGEN_ENTRYPOINT"] == "/x/wrap.sh"
    assert service["command"] == ["postgres", "-c", "shared_buffers=1GB"]


def test_a_compatible_image_neither_present_nor_known_is_refused(tmp_path, run_patch):
    path = _compose(tmp_path, "tensorchord/vchord-postgres:pg17-v0.4.3")
    text = path.read_text()
    result = run_patch(path, "--fresh")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "pull the image first (docker pull tensorchord/vchord-postgres:pg17-v0.4.3), then patch again" in line
    assert path.read_text() == text and not (tmp_path / "utils").exists()


def test_an_unknown_name_is_accepted_with_service_when_its_config_keeps_the_contract(tmp_path, run_patch, monkeypatch):
    _images(monkeypatch, {"registry.example/team/db:3": EXTENSION_CONFIG})
    path = _compose(tmp_path, "registry.example/team/db:3")
    assert run_patch(path, "--fresh").exit_code == 2  # not found without --service
    result = run_patch(path, "--service", "db", "--fresh")
    assert result.exit_code == 0, result.output
    assert _service(path)["environment"]["COMPOSEGEN_ENTRYPOINT"] == "extension-entrypoint.sh"


@pytest.mark.parametrize("config, reason", [
    ({"Entrypoint": ["/docker-entrypoint.sh"], "Cmd": ["nginx"], "Env": ["PATH=/usr/bin"]},
     "does not look built on the official postgres image (its environment has no PG_MAJOR or PGDATA)"),
    ({"Entrypoint": ["/opt/run.sh"], "Cmd": ["start"], "Env": ["PG_MAJOR=16", "PGDATA=/data"]},
     "neither docker-entrypoint.sh nor a `postgres` command"),
    (None, "is not present here to inspect: pull it (docker pull team/db:3), then patch again"),
])
def test_an_unknown_name_that_does_not_keep_the_contract_is_refused_with_the_reason(tmp_path, run_patch, monkeypatch,
                                                                                     config, reason):
    _images(monkeypatch, {"team/db:3": config})
    path = _compose(tmp_path, "team/db:3")
    result = run_patch(path, "--service", "db", "--fresh")
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert "service 'db' does not run a Postgres image composegen knows by name" in line and reason in line


def test_an_unreadable_image_config_is_one_line_and_changes_nothing(tmp_path, run_patch, monkeypatch):
    def garbage(name):
        raise image.ImageUnreadable(f"cannot read the config of image {name} (docker image inspect gave 'null'): "
                                    f"nothing changed")

    monkeypatch.setattr(image, "inspect_config", garbage)
    path = _compose(tmp_path, "postgres:17")
    text = path.read_text()
    result = run_patch(path, "--fresh")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        f"composegen: error: cannot read the config of image postgres:17 (docker image inspect gave 'null'): nothing changed"]
    assert path.read_text() == text


def test_inspect_config_reads_the_engine(monkeypatch):
    # The engine's answers, as `docker image inspect --format '{{json .Config}}'` gives them.
    import subprocess

    answers = {"present": (0, '{"Entrypoint":["docker-entrypoint.sh"],"Cmd":["postgres"]}', ""),
               "absent": (1, "", "Error response from daemon: No such image: absent"),
               "garbage": (0, "null", "")}

    def run(cmd, **kwargs):
        code, out, err = answers[cmd[-1]]
        return subprocess.CompletedProcess(cmd, code, out, err)

    monkeypatch.setattr(image.subprocess, "run", run)
    assert _REAL_INSPECT("present") == {"Entrypoint": ["docker-entrypoint.sh"], "Cmd": ["postgres"]}
    assert _REAL_INSPECT("absent") is None
    with pytest.raises(image.ImageUnreadable):
        _REAL_INSPECT("garbage")


def test_a_patched_service_whose_image_is_not_here_keeps_what_it_runs(tmp_path, run_patch, monkeypatch):
    # `init --postgres-image some/name` (or an earlier patch) wrote the setup; the image is not pulled on
    # this machine (CI running `patch --check`): nothing to change, no refusal.
    _images(monkeypatch, {"team/db:3": EXTENSION_CONFIG})
    path = _compose(tmp_path, "team/db:3")
    assert run_patch(path, "--service", "db", "--fresh").exit_code == 0
    _images(monkeypatch, {})
    result = run_patch(path, "--check")
    assert result.exit_code == 0, result.output
    assert _service(path)["environment"]["COMPOSEGEN_ENTRYPOINT"] == "extension-entrypoint.sh"
