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


def test_what_is_copied_in(monkeypatch, tmp_path):
    """The dump (readable by the image's postgres user: docker cp makes it root's), lib.sh and the
    restore as the image's init script, and a state folder anyone may write: nothing else."""
    import io
    import tarfile

    from composegen import contract, stack

    dump = tmp_path / "cluster-20261206T090000Z.sql.zst"
    dump.write_bytes(b"dump bytes")
    dump.chmod(0o600)
    sink = io.BytesIO()

    class Process:
        def __init__(self, argv, **kw):
            assert argv == ["docker", "cp", "-", "c0ffee:/"]
            self.stdin, self.stderr = sink, io.BytesIO()
            sink.close = lambda: None

        def wait(self):
            return 0

    monkeypatch.setattr(throwaway.subprocess, "Popen", Process)
    throwaway._tar_into("c0ffee", dump, "LIB", "RESTORE")
    members = {m.name: m for m in tarfile.open(fileobj=io.BytesIO(sink.getvalue()))}
    assert sorted(members) == sorted([
        contract.DUMPS_DIR.strip("/"), f"{contract.DUMPS_DIR.strip('/')}/{dump.name}",
        contract.UTILS_DIR.strip("/"), f"{contract.UTILS_DIR.strip('/')}/lib.sh",
        stack.CONTAINER_INITDB_RESTORE.strip("/"), contract.STATE_DIR.strip("/")])
    copied = members[f"{contract.DUMPS_DIR.strip('/')}/{dump.name}"]
    assert (copied.mode, copied.size) == (0o644, len(b"dump bytes"))
    assert members[contract.STATE_DIR.strip("/")].mode == 0o1777


def test_a_container_that_cannot_be_removed_is_said(fake, tmp_path, monkeypatch):
    docker = fake()

    def rm_fails(*args, **kw):
        if args[0] == "rm":
            return subprocess.CompletedProcess(args, 1, b"", b"Error: device or resource busy\n")
        return docker(*args, **kw)

    monkeypatch.setattr(throwaway, "_docker", rm_fails)
    with pytest.raises(throwaway.ThrowawayError, match="could not remove the throwaway container c0ffee"):
        with throwaway.restored("postgres:17", tmp_path / "x", major=17):
            pass
    # ...but never in place of the error that ended the restore.
    with pytest.raises(KeyboardInterrupt):
        with throwaway.restored("postgres:17", tmp_path / "x", major=17):
            raise KeyboardInterrupt
