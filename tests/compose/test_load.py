"""Bounded loading: every hostile input is one LoadError (a one-line UserError), never a hang or a crash."""

import os
import threading

import pytest

from composegen.compose import load
from composegen.compose.load import LoadError
from composegen.errors import UserError


def test_reads_a_regular_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"\xef\xbb\xbfservices: {a: {image: x}}\n")
    assert load.load_yaml_file(path) == {"services": {"a": {"image": "x"}}}
    assert load.read_text(path, keep_bom=True).startswith("\ufeff")


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "compose.yaml"
    os.mkfifo(fifo)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_error_of(lambda: load.read_bytes(fifo))), daemon=True)
    worker.start()
    worker.join(20)  # an open() without O_NONBLOCK would block until a writer comes: never
    assert not worker.is_alive(), "reading a FIFO blocked"
    assert "not a regular file" in outcome[0]


def test_a_device_is_refused():
    assert "not a regular file" in _error_of(lambda: load.read_bytes("/dev/zero"))


def test_a_folder_and_a_missing_file(tmp_path):
    assert "is a folder" in _error_of(lambda: load.read_bytes(tmp_path))
    assert "no such file" in _error_of(lambda: load.read_bytes(tmp_path / "nope"))


def test_size_cap(tmp_path):
    path = tmp_path / "big.yaml"
    with open(path, "wb") as handle:
        handle.truncate(load.MAX_FILE_BYTES + 1)
    assert "more than" in _error_of(lambda: load.read_bytes(path))


def test_alias_bomb_is_refused():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        prev = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([prev] * 10)}]")
    message = _error_of(lambda: load.parse_yaml("\n".join(lines) + "\n", "bomb.yaml"))
    assert "alias" in message


def test_many_aliases_of_a_small_node_are_fine():
    text = "x: &x {a: 1}\n" + "".join(f"k{i}: *x\n" for i in range(2000))
    assert len(load.parse_yaml(text, "ok.yaml")) == 2001


def test_recursive_alias_is_refused_or_cut():
    assert "recursive" in _error_of(lambda: load.parse_yaml("a: &a [*a]\n", "rec.yaml", round_trip=False))
    # ruamel's round-trip constructor leaves the inner alias empty: nothing to walk forever
    assert load.parse_yaml("a: &a [*a]\n", "rec.yaml") == {"a": [None]}


@pytest.mark.parametrize("round_trip", [True, False])
def test_deep_nesting_is_one_error(round_trip):
    text = "[" * 3000 + "]" * 3000 + "\n"
    assert "nested too deeply" in _error_of(lambda: load.parse_yaml(text, "deep.yaml", round_trip=round_trip))


def test_moderate_nesting_past_the_limit():
    text = "a: " + "[" * (load.MAX_DEPTH + 5) + "]" * (load.MAX_DEPTH + 5) + "\n"
    assert "nested too deeply" in _error_of(lambda: load.parse_yaml(text, "deep.yaml"))


def test_yaml_error_has_the_line():
    with pytest.raises(LoadError) as caught:
        load.parse_yaml("a: 1\nb: [\n", "bad.yaml")
    assert caught.value.line is not None and str(caught.value).startswith("bad.yaml:")
    assert "\n" not in str(caught.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"a: 1\nb: \xff\n")
    with pytest.raises(LoadError) as caught:
        load.read_text(path)
    assert caught.value.line == 2


def _error_of(action) -> str:
    with pytest.raises(UserError) as caught:
        action()
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_a_yaml_1_1_directive_does_not_stay_with_the_next_file():
    """Found by tests/test_property_entry_points.py: the shared loader kept `%YAML 1.1` for every later
    file of the process (lint reads many), so `yes` became true and 0777 octal in files after it."""
    for round_trip in (False, True):
        assert load.parse_yaml("%YAML 1.1\n---\na: yes\n", "x", round_trip=round_trip) == {"a": True}
        assert load.parse_yaml("a: yes\nb: 0777\n", "y", round_trip=round_trip) == {"a": "yes", "b": 777}
