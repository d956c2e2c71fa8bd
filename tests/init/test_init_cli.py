"""`composegen init` and `composegen catalog` on the command line: output, exit codes, one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from composegen.cli import cli


def run(*args, cwd=None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(cli, list(args), catch_exceptions=False)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)


def assert_user_error(result, *fragments):
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("composegen: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output


def test_init_app_creates_the_folder_in_the_current_directory(tmp_path, stub_utils):
    result = run("init", "miniflux", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "created miniflux/" in result.stdout
    assert sorted(os.listdir(tmp_path / "miniflux")) == [".env", ".gitignore", "compose.yaml", "data", "utils"]


def test_init_dir_and_options(tmp_path, stub_utils):
    result = run("init", "gitea", "--dir", str(tmp_path / "git"), "--postgres-version", "16", "--schedule", "0",
                 "--keep", "7", "--compression", "gzip")
    assert result.exit_code == 0, result.output
    compose = (tmp_path / "git" / "compose.yaml").read_text()
    for text in ('image: "postgres:16-alpine"', "COMPOSEGEN_SCHEDULE: '0'", "COMPOSEGEN_KEEP: '7'", "COMPOSEGEN_COMPRESSION: gzip"):
        assert text in compose


def test_dry_run_prints_every_file_and_writes_nothing(tmp_path, stub_utils):
    result = run("init", "miniflux", "--dry-run", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert os.listdir(tmp_path) == []
    for header in ("# ==> compose.yaml (mode 0644, create)", "# ==> .env (mode 0600, create)",
                   "# ==> .gitignore", "# ==> utils/dump (mode 0755, create)", "# ==> data/ (mode 0700, create)"):
        assert header in result.stdout
    # Issue #12 item 11: a preview lands in logs; the generated secrets are not in it.
    assert "POSTGRES_PASSWORD=<hidden>" in result.stdout and "POSTGRES_PASSWORD='" not in result.stdout
    assert "(values hidden: --show-secrets prints them)" in result.stdout


def test_dry_run_shows_secrets_when_asked(tmp_path, stub_utils):
    result = run("init", "miniflux", "--dry-run", "--show-secrets", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "POSTGRES_PASSWORD='" in result.stdout and "<hidden>" not in result.stdout


def test_init_from_a_spec(tmp_path, stub_utils):
    (tmp_path / "app.yaml").write_text("name: myapp\nimage: me/app:1\ndatabase: {name: app, user: app}\n")
    result = run("init", "--spec", "app.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "myapp" / "compose.yaml").is_file()


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("init", "minflux"), ("unknown app 'minflux'; did you mean miniflux?",)),
        (("init",), ("give either an APP from the catalog or --spec FILE",)),
        (("init", "miniflux", "--spec", "x.yaml"), ("give either an APP",)),
        (("init", "--spec", "missing.yaml"), ("missing.yaml: no such ",)),
        (("init", "miniflux", "--schedule", "1w"), ("--schedule: '1w' is not an interval",)),
        (("init", "miniflux", "--postgres-version", "12"), ("--postgres-version: 12 is not a Postgres major",)),
        (("init", "miniflux", "--keep", "0"), ("--keep: '0' is not a number of dumps to keep",)),
        (("init", "miniflux", "--compression", "xz"), ("--compression: 'xz' is not one of",)),
        (("init", "miniflux", "--postgres-image", "bad image"), ("--postgres-image: 'bad image' is not valid",)),
        (("catalog", "show", "gittea"), ("unknown app 'gittea'; did you mean gitea",)),
    ],
)
def test_user_errors_are_one_line_exit_2_and_write_nothing(tmp_path, stub_utils, args, fragments):
    result = run(*args, cwd=tmp_path)
    assert_user_error(result, *fragments)
    assert os.listdir(tmp_path) == []


def test_an_invalid_spec_names_the_file_the_field_and_the_problem(tmp_path, stub_utils):
    (tmp_path / "app.yaml").write_text("name: myapp\nimage: me/app:1\ndatabase: {name: app, user: app}\nports: [80]\n")
    result = run("init", "--spec", "app.yaml", cwd=tmp_path)
    assert_user_error(result, "app.yaml: ports[0]: 80 is not of type 'string'")
    assert os.listdir(tmp_path) == ["app.yaml"]


def test_an_existing_folder_needs_force_and_force_keeps_the_secrets(tmp_path, stub_utils):
    assert run("init", "miniflux", cwd=tmp_path).exit_code == 0
    env_before = (tmp_path / "miniflux" / ".env").read_text()
    (tmp_path / "miniflux" / "data" / "cluster-x.sql.zst").write_text("dump")
    assert_user_error(run("init", "miniflux", cwd=tmp_path), "miniflux already exists and is not empty")
    result = run("init", "miniflux", "--force", "--keep", "9", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "miniflux" / ".env").read_text() == env_before
    assert (tmp_path / "miniflux" / "data" / "cluster-x.sql.zst").read_text() == "dump"
    assert "COMPOSEGEN_KEEP: '9'" in (tmp_path / "miniflux" / "compose.yaml").read_text()


def test_an_unwritable_folder_is_one_line_exit_2(stub_utils):
    assert_user_error(run("init", "miniflux", "--dir", "/sys/composegen-test"), "cannot write /sys/composegen-test")


def test_catalog_list_prints_one_app_per_line():
    from composegen import catalog

    result = run("catalog", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == catalog.names()
    assert all(len(line.split(None, 1)) == 2 for line in lines)
    assert any(line.startswith("miniflux ") and "feed reader" in line for line in lines)


def test_catalog_show_prints_the_entry_as_a_usable_spec(tmp_path, stub_utils):
    from composegen import catalog

    result = run("catalog", "show", "miniflux")
    assert result.exit_code == 0
    assert result.stdout.endswith(catalog.entry_text("miniflux"))
    header = result.stdout[: -len(catalog.entry_text("miniflux"))].splitlines()
    assert all(line.startswith("# ") for line in header)
    # What the entry was checked against, the Postgres majors, the image's uid:gid.
    assert any(line.startswith("# checked against: upstream-compose: https://github.com/miniflux/v2 "
                               "contrib/docker-compose/basic.yml at 2.3.3 [environment, volumes]") for line in header)
    assert header[1] == "# evidence: secondary: postgres_versions"
    assert any(line.startswith("# PostgreSQL: 13 to 18 (") for line in header)
    assert "# runs as uid:gid 65534:65534 (init gives it the app's folders)" in header
    (tmp_path / "m.yaml").write_text(result.stdout)
    assert run("init", "--spec", "m.yaml", "--dir", "x", cwd=tmp_path).exit_code == 0


def test_help_does_not_import_the_heavy_modules():
    code = (
        "import sys\n"
        "from composegen.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "for name in ('init', 'catalog'):\n"
        "    try:\n        cli([name, '--help'])\n    except SystemExit:\n        pass\n"
        "heavy = sorted(m for m in ('jsonschema', 'ruamel.yaml', 'jinja2', 'referencing') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "HEAVY=", done.stdout.strip().splitlines()[-1]


def test_init_from_the_catalog_does_not_import_jsonschema(tmp_path):
    # Importing jsonschema cost more than the rest of `init miniflux --dry-run` (issue 15): catalog
    # entries are validated by tests/test_catalog.py, not on every run. A --spec file still is.
    probe = ("import sys; from composegen.cli import main; sys.argv = ['composegen', *sys.argv[1:]]\n"
             "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
             "print('jsonschema' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe, "init", "miniflux", "--dry-run"], cwd=tmp_path,
                         capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "False"
    spec = tmp_path / "s.yaml"
    spec.write_text("name: x\nimage: x:1\ndatabase: {name: x, user: x}\nbogus: 1\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", probe, "init", "--spec", str(spec), "--dry-run"], cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode != 0 and "bogus" in result.stderr
