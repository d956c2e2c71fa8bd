"""`composegen verify`, `upgrade` and the alerts of `status`, on the real engine (issue 14).

Three stacks, about a minute each: verify (good dump, the next major, a dump that lost rows, bad
input, the alerts), an upgrade to the next major, and an upgrade to a broken image that rolls back.
"""

from __future__ import annotations

import http.server
import io
import json
import secrets
import subprocess
import sys
import tarfile
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from harness.data import count_rows, create_database, create_rows, snapshot
from harness.images import MAJORS, image_tag

# The newest test major and the one before it (17 -> 18).
NEXT = max(MAJORS)
OLD = max(major for major in MAJORS if major < NEXT)


def composegen(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "composegen", *args], capture_output=True, text=True,
                          timeout=timeout)


def dump_now(stack) -> Path:
    result = stack.exec(["/utils/dump"])
    assert result.returncode == 0, result.stderr
    return sorted(stack.data_dir.glob("cluster-*.sql.zst"))[-1]


def zstd(data: bytes, decompress: bool = False) -> bytes:
    return subprocess.run(["zstd", "-q", "-c", *(["-d"] if decompress else [])], input=data,
                          capture_output=True, check=True).stdout


@pytest.fixture
def not_postgres_image(engine):
    """An image with one text file in it: not a Postgres server."""
    tag = f"composegen-test/not-postgres:{secrets.token_hex(4)}"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"hello\n"))
    subprocess.run([engine.docker, "import", "-", tag], input=buffer.getvalue(), capture_output=True, check=True)
    yield tag
    subprocess.run([engine.docker, "rmi", tag], capture_output=True)


class _Receiver(http.server.BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_server():
    _Receiver.received = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, _Receiver.received
    server.shutdown()
    server.server_close()


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


def _throwaways(engine) -> list[str]:
    return subprocess.run([engine.docker, "ps", "-aq", "--filter", "label=composegen.throwaway"],
                          capture_output=True, text=True, check=True).stdout.split()


def test_verify_good_dump_next_major_lost_rows_and_alerts(make_stack, engine, not_postgres_image, webhook_server):
    from prometheus_client.parser import text_string_to_metric_families

    # The Alpine-like flavour: busybox's tee, grep and awk count the rows at dump time.
    stack = make_stack(image=image_tag(OLD, "busybox"), app_connections=0)
    already = set(_throwaways(engine))

    # Bad input before any dump: one clear line, exit 2, nothing written.
    result = composegen("verify", str(stack.dir))
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1 and "no dump yet" in result.stderr
    # The alert of a status that is not ok (no dump yet) reaches a server on 127.0.0.1.
    server, received = webhook_server
    token_url = f"http://127.0.0.1:{server.server_port}/hook/s3cr3t-token"
    result = composegen("status", str(stack.dir), "--webhook", token_url)
    assert result.returncode == 1
    assert len(received) == 1
    path, content_type, document = received[0]
    assert path == "/hook/s3cr3t-token" and content_type == "application/json"
    assert document["summary"]["failing"] == 1 and document["services"][0]["service"] == "postgres"
    assert "s3cr3t" not in result.stdout + result.stderr
    # An unreachable webhook and a URL that is not http(s): one line each, the URL never shown.
    result = composegen("status", str(stack.dir), "--webhook", f"http://127.0.0.1:{_closed_port()}/s3cr3t")
    assert result.returncode == 1
    assert [line for line in result.stderr.splitlines() if "webhook" in line] == [
        "composegen: webhook: alert NOT sent: the webhook could not be reached: Connection refused"]
    assert "s3cr3t" not in result.stdout + result.stderr
    result = composegen("status", str(stack.dir), "--webhook", "ftp://127.0.0.1/s3cr3t")
    assert result.returncode == 2 and result.stdout == "" and result.stderr.count("\n") == 1
    assert "s3cr3t" not in result.stderr
    assert sorted(p.name for p in stack.data_files()) == []

    stack.up()
    create_rows(stack, 1500)
    create_rows(stack, 40, table="others")
    create_database(stack, "second db", 25)
    good = dump_now(stack)
    counts = (good.parent / (good.name + ".counts")).read_text()
    assert "1500\tapp\tpublic.items\n" in counts and "25\tsecond db\tpublic.items\n" in counts

    # A good dump restores with every count equal, in the service's image and in the next major.
    result = composegen("verify", str(stack.dir))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"into {image_tag(OLD, 'busybox')} (PostgreSQL {OLD})" in result.stdout
    assert any(line.split() == ["app", "public.items", "1500", "1500", "ok"] for line in result.stdout.splitlines())
    assert any(line.split() == ["second", "db", "public.items", "25", "25", "ok"] for line in result.stdout.splitlines())
    result = composegen("verify", str(stack.dir), "--image", image_tag(NEXT, "dash"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"(PostgreSQL {NEXT})" in result.stdout

    # status shows the verification; its metrics parse with prometheus_client's parser.
    result = composegen("status", str(stack.dir))
    assert "last verify:  ok" in result.stdout and image_tag(NEXT, "dash") in result.stdout
    result = composegen("status", str(stack.dir), "--format", "prometheus")
    samples = {(s.name, s.labels.get("outcome")): s for family in text_string_to_metric_families(result.stdout)
               for s in family.samples}
    assert samples[("composegen_last_good_dump_size_bytes", None)].value == good.stat().st_size
    assert samples[("composegen_last_verify_success", None)].value == 1
    assert samples[("composegen_last_attempt_outcome", "written")].value == 1
    assert samples[("composegen_status_ok", None)].labels == {"stack": stack.dir.name, "service": "postgres"}

    # An image that is not Postgres: one line, exit 2, no verification recorded.
    record = (stack.data_dir / "composegen-verify.json").read_bytes()
    result = composegen("verify", str(stack.dir), "--image", not_postgres_image)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result
    assert "is not a PostgreSQL server image" in result.stderr
    assert (stack.data_dir / "composegen-verify.json").read_bytes() == record

    # A newer dump that lost 3 rows of one COPY block, yet decompresses and ends with its trailer.
    text = zstd(good.read_bytes(), decompress=True).decode()
    head, copy, rest = text.partition("COPY public.others (id, payload) FROM stdin;\n")
    rows, end, tail = rest.partition("\\.\n")
    cut = head + copy + "".join(rows.splitlines(keepends=True)[3:]) + end + tail
    assert len(cut.splitlines()) == len(text.splitlines()) - 3
    assert "-- PostgreSQL database cluster dump complete" in cut.splitlines()[-6:]
    later = datetime.strptime(good.name[8:24], "%Y%m%dT%H%M%SZ") + timedelta(seconds=1)
    lost = good.with_name(f"cluster-{later:%Y%m%dT%H%M%SZ}.sql.zst")
    lost.write_bytes(zstd(cut.encode()))
    (lost.parent / (lost.name + ".counts")).write_text(counts)
    result = composegen("verify", str(stack.dir))
    assert result.returncode == 1, result.stdout + result.stderr
    assert (f"verify FAILED: {lost}: public.others in database app: recorded 40 rows, restored 37"
            in result.stderr), result.stderr
    assert any(line.split() == ["app", "public.others", "40", "37", "DIFFERS"] for line in result.stdout.splitlines())
    assert "last verify:  FAILED" in composegen("status", str(stack.dir)).stdout

    # Every throwaway container is gone.
    assert set(_throwaways(engine)) <= already


@pytest.fixture
def broken_image(engine):
    """The next major's image, broken the way only a real stack notices: its entrypoint exits when /dumps
    is a mount (the stack's ./data); a throwaway container, which mounts nothing, runs fine."""
    tag = f"composegen-test/broken-postgres:{secrets.token_hex(4)}"
    dockerfile = (
        f"FROM {image_tag(NEXT, 'dash')}\n"
        "RUN real=$(command -v docker-entrypoint.sh) && mv \"$real\" /usr/local/bin/real-entrypoint.sh && "
        "printf '%s\\n' '#!/bin/sh' "
        "'if grep -q \" /dumps \" /proc/self/mountinfo; then echo \"broken image: refusing to start\" >&2; exit 3; fi' "
        "'exec real-entrypoint.sh \"$@\"' > \"$real\" && chmod 0755 \"$real\"\n"
    )
    subprocess.run([engine.docker, "build", "-q", "-t", tag, "-"], input=dockerfile.encode(), capture_output=True,
                   check=True, timeout=300)
    yield tag
    subprocess.run([engine.docker, "rmi", tag], capture_output=True)


def _changed_lines(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new) if a != b]


def test_upgrade_to_next_major_keeps_every_row_and_changes_only_the_image_line(make_stack, engine):
    stack = make_stack(image=image_tag(OLD, "dash"), app_connections=1)
    stack.up()
    create_rows(stack, 800)
    create_database(stack, "second", 30)
    dump_now(stack)
    before_rows = snapshot(stack)
    before = stack.compose_file.read_bytes()

    result = composegen("upgrade", str(stack.dir), "-p", stack.project, "--to-version", str(NEXT))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"(PostgreSQL {OLD} -> {NEXT})" in result.stdout

    # The image line as `composegen init` writes it (quoted), the quotes kept.
    assert _changed_lines(before, stack.compose_file.read_bytes()) == [
        (f'    image: "{image_tag(OLD, "dash")}"\n'.encode(), f'    image: "{image_tag(NEXT, "dash")}"\n'.encode())]
    stack._ids.clear()
    assert stack.psql("show server_version_num").startswith(str(NEXT))
    assert snapshot(stack) == before_rows
    stack.wait_ready()  # the app service came back too

    # Never a downgrade: refused with one line, nothing changed.
    after = stack.compose_file.read_bytes()
    result = composegen("upgrade", str(stack.dir), "-p", stack.project, "--to-version", str(OLD))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "never downgrades" in result.stderr
    assert stack.compose_file.read_bytes() == after


def test_upgrade_to_broken_image_rolls_back_to_the_old_major(make_stack, engine, broken_image):
    stack = make_stack(image=image_tag(OLD, "dash"), app_connections=1)
    stack.up()
    create_rows(stack, 700)
    dump_now(stack)
    create_rows(stack, 5)  # written after the last dump: the stop-time dump holds them
    before_rows = snapshot(stack)
    before = stack.compose_file.read_bytes()

    result = composegen("upgrade", str(stack.dir), "-p", stack.project, "--to-image", broken_image,
                        "--timeout", "2m")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "verified: " in result.stdout  # the throwaway restore worked: the failure came later
    assert f"the upgrade to {broken_image} FAILED: the container stopped" in result.stdout
    assert "rolled back: postgres serves every row" in result.stdout
    assert stack.compose_file.read_bytes() == before
    stack._ids.clear()
    stack.wait_ready()
    assert stack.psql("show server_version_num").startswith(str(OLD))
    assert snapshot(stack) == before_rows
    assert count_rows(stack) == 705
