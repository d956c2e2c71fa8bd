"""Which files lint looks at: compose names under folders, .git skipped, .gitignore honoured (git or not)."""

from __future__ import annotations

from pathlib import Path

import pytest

from composegen.errors import UserError
from composegen.compose.discovery import compose_files
from composegen.compose.gitignore_reader import IgnoreRules
from lint_helpers import git_init


def touch(path: Path, text: str = "services: {}\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def layout(root: Path) -> None:
    for rel in ("a/compose.yaml", "b/docker-compose.yml", "c/compose.yml", "d/docker-compose.yaml",
                "e/other.yaml", "ignored/compose.yaml", "f/build/compose.yaml", "f/keep/compose.yaml"):
        touch(root / rel)
    touch(root / ".gitignore", "ignored/\nbuild/\n")


def names(found, root):
    return sorted(p.relative_to(root).as_posix() for p in found)


EXPECTED = ["a/compose.yaml", "b/docker-compose.yml", "c/compose.yml", "d/docker-compose.yaml", "f/keep/compose.yaml"]


def test_without_git_reads_gitignore(tmp_path):
    layout(tmp_path)
    touch(tmp_path / ".git" / "compose.yaml")  # a folder named .git is never searched
    assert names(compose_files([tmp_path]), tmp_path) == EXPECTED


def test_in_a_git_repo_asks_git(tmp_path):
    layout(tmp_path)
    git_init(tmp_path)
    touch(tmp_path / "d" / ".gitignore", "docker-compose.yaml\n")
    assert names(compose_files([tmp_path]), tmp_path) == [n for n in EXPECTED if not n.startswith("d/")]


def test_named_file_is_taken_whatever_its_name_and_once(tmp_path):
    layout(tmp_path)
    other = tmp_path / "e" / "other.yaml"
    found = compose_files([other, tmp_path / "a", tmp_path / "a" / "compose.yaml"])
    assert names(found, tmp_path) == ["a/compose.yaml", "e/other.yaml"]


def test_name_patterns(tmp_path):
    layout(tmp_path)
    assert names(compose_files([tmp_path], ("*.yaml",)), tmp_path) == [
        "a/compose.yaml", "d/docker-compose.yaml", "e/other.yaml", "f/keep/compose.yaml"]


def test_missing_path_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no such file or folder"):
        compose_files([tmp_path / "nope"])


@pytest.mark.parametrize("pattern, path, folder, ignored", [
    ("data/", "s/data", True, True),
    ("data/", "s/data", False, False),
    ("data/", "s/data/x.sql", False, True),
    ("/top.yaml", "top.yaml", False, True),
    ("/top.yaml", "s/top.yaml", False, False),
    ("*.bak\n!keep.bak", "s/keep.bak", False, False),
    ("*.bak\n!keep.bak", "s/x.bak", False, True),
    ("docs/**/compose.yaml", "docs/a/b/compose.yaml", False, True),
    ("# comment\n\nx", "y", False, False),
])
def test_gitignore_reader(tmp_path, pattern, path, folder, ignored):
    touch(tmp_path / ".gitignore", pattern + "\n")
    assert IgnoreRules().is_ignored(tmp_path / path, tmp_path, is_folder=folder) is ignored


def test_nested_gitignore_wins(tmp_path):
    touch(tmp_path / ".gitignore", "*.yaml\n")
    touch(tmp_path / "s" / ".gitignore", "!compose.yaml\n")
    rules = IgnoreRules()
    assert not rules.is_ignored(tmp_path / "s" / "compose.yaml", tmp_path, is_folder=False)
    assert rules.is_ignored(tmp_path / "s" / "other.yaml", tmp_path, is_folder=False)
