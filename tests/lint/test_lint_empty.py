"""`lint PATH` with no compose file under PATH: exit 2 with one line (it was "0 compose files checked"
and exit 0, a silent green CI on a wrong path); --allow-empty accepts it."""

from click.testing import CliRunner

from composegen.cli import cli


def test_no_compose_file_is_a_usage_error(tmp_path):
    (tmp_path / "README.md").write_text("no stack here\n")
    result = CliRunner().invoke(cli, ["lint", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "no compose file under" in result.stderr


def test_allow_empty(tmp_path):
    result = CliRunner().invoke(cli, ["lint", "--allow-empty", str(tmp_path)])
    assert result.exit_code == 0, result.output
