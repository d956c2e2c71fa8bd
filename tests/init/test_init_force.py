"""`init --force` (issue #12, items 1-3 and 9): it keeps every .env key Compose reads, rewrites only
files composegen wrote, follows links only inside the folder, and either writes everything or nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from composegen import fsutil
from composegen.errors import UserError
from composegen.init_stack import BACK_UP, KEEP, plan_init, write_plan
from composegen.spec import parse_spec

SPEC = "name: demo\nimage: example/demo:1.0\ndatabase: {name: demo, user: demo}\nsecrets: [DEMO_TOKEN]\n"
GENERATED_COMPOSE = "# demo: written by composegen 0.0.1 (`composegen init`).\nservices: {}\n"


def tree(root) -> dict:
    """{relative path: bytes, link text or None (a folder)} of everything under root, links not followed."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                out[rel] = ("link", os.readlink(path))
            elif os.path.isdir(path):
                out[rel] = None
            else:
                out[rel] = (open(path, "rb").read(), os.stat(path).st_mode & 0o7777)
    return out


def stack(tmp_path, env: str | bytes | None = "POSTGRES_PASSWORD='old'\nDEMO_TOKEN=t\n") -> Path:
    target = tmp_path / "demo"
    (target / "data").mkdir(parents=True)
    (target / "data" / "cluster-20260101T000000Z.sql.zst").write_bytes(b"dump")
    (target / "compose.yaml").write_text(GENERATED_COMPOSE)
    if env is not None:
        (target / ".env").write_bytes(env.encode() if isinstance(env, str) else env)
    return target


def force(target: Path):
    plan = plan_init(parse_spec(SPEC, "spec.yaml"), target, force=True, token=lambda: "NEW")
    write_plan(plan)
    return plan


@pytest.mark.parametrize("env", [
    "\ufeffPOSTGRES_PASSWORD=oldpass\nDEMO_TOKEN=t\n",  # a BOM (Notepad)
    "POSTGRES_PASSWORD: oldpass\nDEMO_TOKEN: t\n",  # YAML-style, which Compose reads
    "export POSTGRES_PASSWORD = \"oldpass\"\n  DEMO_TOKEN='t'  # mine\n",
    "POSTGRES_PASSWORD=\"multi\nline\"\nDEMO_TOKEN=t",
    "POSTGRES_PASSWORD\nDEMO_TOKEN=t\n",  # taken from the environment Compose runs in
])
def test_every_key_compose_reads_is_kept_and_not_appended(tmp_path, stub_utils, env):
    """Issue #12 item 1: the lock-out bug: a new password was appended, and Compose then used it."""
    target = stack(tmp_path, env)
    plan = force(target)
    assert {f.path: f.action for f in plan.files}[".env"] == KEEP
    assert (target / ".env").read_bytes() == env.encode()


def test_a_missing_key_is_appended_after_a_bom_file_without_final_newline(tmp_path, stub_utils):
    target = stack(tmp_path, "\ufeffPOSTGRES_PASSWORD: oldpass")
    force(target)
    text = (target / ".env").read_text(encoding="utf-8")
    assert text.startswith("\ufeffPOSTGRES_PASSWORD: oldpass\n")
    assert text.count("POSTGRES_PASSWORD") == 1 and "DEMO_TOKEN='NEW'" in text


def test_an_env_file_compose_cannot_read_is_refused(tmp_path, stub_utils):
    target = stack(tmp_path, "POSTGRES_PASSWORD='unterminated\n")
    before = tree(tmp_path)
    with pytest.raises(UserError, match=r"\.env:1: unterminated quoted value"):
        force(target)
    assert tree(tmp_path) == before


def test_a_users_compose_file_is_never_overwritten(tmp_path, stub_utils):
    """Issue #12 item 2: --force overwrote a compose.yaml it had not written, with no backup."""
    target = stack(tmp_path)
    (target / "compose.yaml").write_text("services:\n  mine: {image: nginx}\n")
    before = tree(tmp_path)
    with pytest.raises(UserError, match="compose.yaml was not written by composegen .*composegen patch"):
        force(target)
    assert tree(tmp_path) == before


def test_another_compose_file_name_is_refused_too(tmp_path, stub_utils):
    target = stack(tmp_path)
    (target / "docker-compose.yml").write_text("services: {}\n")
    with pytest.raises(UserError, match="docker-compose.yml was not written by composegen"):
        force(target)


def test_a_users_gitignore_and_script_are_moved_aside_and_said_so(tmp_path, stub_utils):
    target = stack(tmp_path)
    (target / ".gitignore").write_text("node_modules/\n")
    (target / "utils").mkdir()
    (target / "utils" / "dump").write_text("#!/bin/sh\necho my own\n")
    (target / "utils" / "mine.sh").write_text("keep me\n")
    plan = force(target)
    actions = {f.path: f.action for f in plan.files}
    assert actions[".gitignore"] == BACK_UP and actions["utils/dump"] == BACK_UP
    assert ".gitignore was not written by composegen: moved aside to .gitignore.before-composegen" in plan.notes
    assert "utils/dump was not written by composegen: moved aside to utils/dump.before-composegen" in plan.notes
    assert (target / ".gitignore.before-composegen").read_text() == "node_modules/\n"
    assert (target / "utils" / "dump.before-composegen").read_text() == "#!/bin/sh\necho my own\n"
    assert (target / ".gitignore").read_text().startswith("# Written by composegen")
    assert (target / "utils" / "mine.sh").read_text() == "keep me\n"
    # A second run finds only its own files: nothing more is moved aside.
    assert not force(target).notes


def test_the_cli_says_what_was_moved_aside(tmp_path, stub_utils):
    from click.testing import CliRunner

    from composegen.cli import cli

    target = stack(tmp_path)
    (target / ".gitignore").write_text("mine\n")
    (tmp_path / "spec.yaml").write_text(SPEC)
    result = CliRunner().invoke(cli, ["init", "--spec", str(tmp_path / "spec.yaml"), "--dir", str(target), "--force"])
    assert result.exit_code == 0, result.output
    assert "note: .gitignore was not written by composegen: moved aside to .gitignore.before-composegen" in result.stderr


def test_force_is_not_suggested_for_the_root_folder(stub_utils):
    """Issue #12 item 2: `init --dir /` answered "... --force rewrites the generated files"."""
    with pytest.raises(UserError) as info:
        plan_init(parse_spec(SPEC, "spec.yaml"), Path("/"))
    assert "--force" not in str(info.value)
    with pytest.raises(UserError, match="composegen may not rewrite it"):
        plan_init(parse_spec(SPEC, "spec.yaml"), Path("/"), force=True)


def _failing_replace(monkeypatch, fail_at: int):
    real = os.replace
    calls = {"n": 0}

    def replace(src, dst, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == fail_at:
            raise OSError(28, "No space left on device")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(fsutil.os, "replace", replace)
    return calls


@pytest.mark.parametrize("fail_at", [1, 3, 5, 7, 8])
def test_a_failed_force_changes_nothing(tmp_path, stub_utils, monkeypatch, fail_at):
    """Issue #12 item 3: compose.yaml was rewritten while utils/ stayed stale."""
    target = stack(tmp_path, "POSTGRES_PASSWORD=old\n")  # DEMO_TOKEN missing: .env gets a key
    (target / "utils").mkdir()
    for name in ("dump", "entrypoint"):
        (target / "utils" / name).write_text("#!/bin/sh\n# Generated by composegen (older)\n")
    (target / ".gitignore").write_text("mine\n")
    before = tree(tmp_path)
    _failing_replace(monkeypatch, fail_at)
    with pytest.raises(UserError, match="cannot write .*demo: No space left on device"):
        force(target)
    assert tree(tmp_path) == before


def test_a_failure_while_staging_creates_no_folder(tmp_path, stub_utils, monkeypatch):
    target = stack(tmp_path)
    before = tree(tmp_path)
    real = fsutil.tempfile.mkstemp
    calls = {"n": 0}

    def mkstemp(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError(13, "Permission denied")
        return real(*args, **kwargs)

    monkeypatch.setattr(fsutil.tempfile, "mkstemp", mkstemp)
    with pytest.raises(UserError, match="Permission denied"):
        force(target)
    assert tree(tmp_path) == before


def test_the_scripts_are_swapped_in_before_the_compose_file(tmp_path, stub_utils, monkeypatch):
    target = stack(tmp_path)
    order = []
    real = os.replace
    monkeypatch.setattr(fsutil.os, "replace", lambda src, dst: (order.append(Path(dst).name), real(src, dst)))
    force(target)
    assert order[-1] == "compose.yaml" and order.index("lib.sh") < order.index(".gitignore")


# --- links (item 9) ---------------------------------------------------------------------------------


def test_a_dangling_dir_link_does_not_create_its_target(tmp_path, stub_utils):
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere" / "stack")
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(UserError, match="link is a link to .*which does not exist: composegen does not create"):
        write_plan(plan_init(parse_spec(SPEC, "spec.yaml"), tmp_path / "link"))
    assert os.listdir(tmp_path / "elsewhere") == []


def test_a_dir_link_to_an_empty_folder_is_followed_and_said(tmp_path, stub_utils):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    plan = plan_init(parse_spec(SPEC, "spec.yaml"), tmp_path / "link")
    write_plan(plan)
    assert plan.notes == (f"{tmp_path / 'link'} is a link to {tmp_path / 'real'}: writing there",)
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real" / "compose.yaml").is_file()


def test_a_utils_link_out_of_the_folder_is_refused(tmp_path, stub_utils):
    """Issue #12 item 9: the scripts were written into the link's target."""
    target = stack(tmp_path)
    outside = tmp_path / "shared-bin"
    outside.mkdir()
    (outside / "tool").write_text("x")
    (target / "utils").symlink_to(outside)
    before = tree(tmp_path)
    with pytest.raises(UserError, match=r"demo/utils is a link to .*shared-bin, outside .*demo/: composegen does "
                                        r"not write through it"):
        force(target)
    assert tree(tmp_path) == before


def test_a_utils_link_inside_the_folder_is_followed_and_said(tmp_path, stub_utils):
    target = stack(tmp_path)
    (target / "scripts").mkdir()
    (target / "utils").symlink_to("scripts")
    plan = force(target)
    assert "utils is a link to scripts: writing there" in plan.notes
    assert (target / "utils").is_symlink() and (target / "scripts" / "dump").is_file()


def test_an_env_link_stays_a_link(tmp_path, stub_utils):
    """Issue #12 item 9: a symlinked .env was replaced by a plain copy."""
    target = stack(tmp_path, None)
    (target / "secrets").mkdir()
    (target / "secrets" / "env").write_text("POSTGRES_PASSWORD=old\n")
    (target / ".env").symlink_to("secrets/env")
    force(target)
    assert os.readlink(target / ".env") == "secrets/env"
    assert (target / "secrets" / "env").read_text().startswith("POSTGRES_PASSWORD=old\n")
    assert "DEMO_TOKEN='NEW'" in (target / "secrets" / "env").read_text()


def test_an_env_link_out_of_the_folder_is_read_but_never_written(tmp_path, stub_utils):
    target = stack(tmp_path, None)
    (tmp_path / "vault.env").write_text("POSTGRES_PASSWORD=old\nDEMO_TOKEN=t\n")
    (target / ".env").symlink_to(tmp_path / "vault.env")
    force(target)  # nothing missing: fine
    (tmp_path / "vault.env").write_text("POSTGRES_PASSWORD=old\n")
    before = tree(tmp_path)
    with pytest.raises(UserError, match=r"\.env is a link to .*vault.env, outside .*: composegen does not write "
                                        r"there; add DEMO_TOKEN to it yourself"):
        force(target)
    assert tree(tmp_path) == before


def test_a_fifo_in_place_of_a_generated_file_is_refused(tmp_path, stub_utils):
    target = stack(tmp_path)
    os.mkfifo(target / ".gitignore")
    with pytest.raises(UserError, match=r"\.gitignore is not a regular file"):
        force(target)


def test_every_file_init_writes_is_known_as_its_own(tmp_path, real_utils):
    from composegen.init_force import is_generated

    plan = plan_init(parse_spec(SPEC, "spec.yaml"), tmp_path / "demo")
    write_plan(plan)
    for planned in plan.files:
        if planned.content is not None and planned.path != ".env":
            assert is_generated(tmp_path / "demo" / planned.path, planned.path), planned.path


def test_patch_does_not_write_scripts_through_a_utils_link_out_of_the_folder(tmp_path):
    """Issue #12 item 9, for patch: the scripts were written into the link's target."""
    from click.testing import CliRunner

    from composegen.cli import cli

    stack_dir = tmp_path / "stack"
    stack_dir.mkdir()
    (stack_dir / "compose.yaml").write_text("services:\n  db:\n    image: postgres:16\n")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (stack_dir / "utils").symlink_to(outside)
    before = tree(tmp_path)
    result = CliRunner().invoke(cli, ["patch", str(stack_dir / "compose.yaml"), "--fresh"])
    assert result.exit_code == 2, result.output
    assert "utils is a link to" in result.stderr and "composegen does not write its scripts through it" in result.stderr
    assert tree(tmp_path) == before


def test_patch_follows_a_utils_link_inside_the_folder_and_says_so(tmp_path):
    from click.testing import CliRunner

    from composegen.cli import cli

    stack_dir = tmp_path / "stack"
    (stack_dir / "scripts").mkdir(parents=True)
    (stack_dir / "compose.yaml").write_text("services:\n  db:\n    image: postgres:16\n")
    (stack_dir / "utils").symlink_to("scripts")
    result = CliRunner().invoke(cli, ["patch", str(stack_dir / "compose.yaml"), "--fresh"])
    assert result.exit_code == 0, result.output
    assert "note: utils is a link to scripts: writing there" in result.stderr
    assert (stack_dir / "utils").is_symlink() and (stack_dir / "scripts" / "entrypoint").is_file()
