"""CG013: two Postgres services on one dumps folder (rule 18) is an error; patch's layout passes."""

from lint_helpers import GOOD_COMPOSE, lint, write_stack

SECOND = GOOD_COMPOSE.split("  postgres:\n", 1)[1].replace("POSTGRES_DB: app", "POSTGRES_DB: auth")
TWO_ON_DATA = GOOD_COMPOSE + "  auth-db:\n" + SECOND


def findings(result, rule_id="CG013"):
    return [f for f in result.findings if f.rule_id == rule_id]


def test_two_services_on_one_folder(tmp_path):
    path = write_stack(tmp_path, TWO_ON_DATA)
    found = findings(lint(path))
    assert sorted(f.message.split("'")[1] for f in found) == ["auth-db", "postgres"]
    assert all("./data" in f.message and "composegen patch" in f.message for f in found)
    text = path.read_text()
    assert {text.splitlines()[f.line - 1].strip() for f in found} == {"- ./data:/dumps"}


def test_own_folders_pass(tmp_path):
    text = TWO_ON_DATA.replace("./data:/dumps", "./data/postgres:/dumps", 1).replace("./data:/dumps", "./data/auth-db:/dumps", 1)
    assert findings(lint(write_stack(tmp_path, text))) == []


def test_spelled_differently_is_still_one_folder(tmp_path):
    text = TWO_ON_DATA.replace("./data:/dumps", "data/:/dumps", 1)
    assert len(findings(lint(write_stack(tmp_path, text)))) == 2


def test_cg001_does_not_suggest_a_patch_that_refuses(tmp_path):
    """CG001 once said `fix: composegen patch` for a service patch then refused (a read-only root)."""
    path = write_stack(tmp_path, "services:\n  db:\n    image: postgres:16\n    read_only: true\n")
    [finding] = findings(lint(path), "CG001")
    assert "fix: composegen patch" not in finding.message
    assert "read-only root filesystem" in finding.message and "remove `read_only`" in finding.message


def test_cg001_suggests_the_patch_for_a_non_root_service(tmp_path):
    """Rule 19: patch takes a service with `user:`, so CG001 suggests it (it once said remove `user:`)."""
    path = write_stack(tmp_path, "services:\n  db:\n    image: postgres:16\n    user: '1000:1000'\n")
    [finding] = findings(lint(path), "CG001")
    assert "fix: composegen patch" in finding.message
    assert "remove `user:`" not in finding.message
