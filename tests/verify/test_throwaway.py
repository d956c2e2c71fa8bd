"""The throwaway container's life, with `docker` stood in for: what it is created with, and that it
is removed whatever happens (a failed restore, Ctrl-C)."""

from __future__ import annotations

import subprocess

import pytest

from composegen import throwaway


class FakeDocker:
    def __init__(self, running: str = "true", ready_raises: BaseException | None = None, logs: str = ""):
        self.calls: list[tuple[str, ...]] = []
        self.running, self.ready_raises, self.logs = running, ready_raises, logs

    def __call__(self, *args, input=None, timeout=120, check=True):
        self.calls.append(args)
        out = b""
        if args[0] == "create":
            out = b"c0ffee\n"
        elif args[0] == "inspect":
            out = self.running.encode()
        elif args[0] == "logs":
            out = self.logs.encode()
        elif args[0] == "exec" and self.ready_raises is not None:
            raise self.ready_raises
        return subprocess.CompletedProcess(args, 0, out, b"")


@pytest.fixture
def fake(monkeypatch):
    def install(**kw):
        docker = FakeDocker(**kw)
        monkeypatch.setattr(throwaway, "_docker", docker)
        monkeypatch.setattr(throwaway, "_tar_into", lambda *a: docker.calls.append(("cp",)))
        return docker
    return install


def test_created_without_network_or_mounts_and_removed(fake, tmp_path):
    docker = fake()
    with throwaway.restored("postgres:17", tmp_path / "cluster-x.sql.zst", memory="512m", major=17) as server:
        assert server.container_id == "c0ffee" and server.server_major == 17
    create = next(call for call in docker.calls if call[0] == "create")
    assert create[create.index("--network") + 1] == "none"
    assert create[create.index("--memory") + 1] == "512m"
    assert not {"-v", "--volume", "--mount"} & set(create)
    assert docker.calls[-1] == ("rm", "--force", "--volumes", "c0ffee")


def test_removed_after_a_failed_restore_with_its_reason(fake, tmp_path):
    docker = fake(running="false", logs="composegen: restore FAILED: /dumps/x is not a complete dump: it lacks ...\n")
    with pytest.raises(throwaway.ThrowawayError, match="is not a complete dump"):
        with throwaway.restored("postgres:17", tmp_path / "x", major=17):
            pytest.fail("never served")
    assert docker.calls[-1] == ("rm", "--force", "--volumes", "c0ffee")


def test_removed_on_ctrl_c(fake, tmp_path):
    docker = fake(ready_raises=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        with throwaway.restored("postgres:17", tmp_path / "x", major=17):
            pytest.fail("never served")
    assert docker.calls[-1] == ("rm", "--force", "--volumes", "c0ffee")


def test_count_rows_never_pastes_a_name_into_sql(monkeypatch):
    seen = {}

    def docker(*args, input=None, timeout=120, check=True):
        seen["sql"] = input.decode()
        return subprocess.CompletedProcess(args, 0, b"0|12\n", b"")

    monkeypatch.setattr(throwaway, "_docker", docker)
    from composegen.row_counts import TableCount

    name = "public.\"x'); drop table y; --\""
    counts = throwaway.count_rows("c0ffee", [TableCount("app", name, 12)])
    assert counts == {("app", name): 12}
    assert "'public.\"x''); drop table y; --\"'" in seen["sql"]  # a literal, read by to_regclass()
