"""status --format prometheus and --webhook, on synthetic data/ folders."""

from __future__ import annotations

import http.server
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from composegen.cli import cli
from composegen.errors import UserError
from composegen.status import collect
from composegen.status_prometheus import escape_label, render
from composegen.webhook import WebhookError, check_url, post

NOW = datetime(2026, 12, 6, 9, 0, 0, tzinfo=timezone.utc)
COMPOSE = """\
services:
  db:
    image: postgres:17-alpine
    entrypoint: ["/utils/entrypoint"]
    volumes:
      - ./data:/dumps
      - ./utils:/utils:ro
"""


def stack(folder, *, dump_ago=timedelta(hours=1), outcome="written", verified=None):
    (folder / "data").mkdir(parents=True)
    (folder / "compose.yaml").write_text(COMPOSE)
    name = f"cluster-{NOW - dump_ago:%Y%m%dT%H%M%SZ}.sql.zst"
    (folder / "data" / name).write_bytes(b"x" * 1234)
    record = {"version": 1, "outcome": outcome, "time": f"{NOW - dump_ago:%Y-%m-%dT%H:%M:%SZ}", "reason": "",
              "duration_s": 2.5, "size": 1234, "file": name, "trigger": "schedule",
              "last_good": {"file": name, "time": f"{NOW - dump_ago:%Y-%m-%dT%H:%M:%SZ}", "size": 1234}}
    (folder / "data" / "composegen-status.json").write_text(json.dumps(record))
    if verified is not None:
        (folder / "data" / "composegen-verify.json").write_text(json.dumps({"version": 1, "dumps": {name: {
            "time": f"{NOW - timedelta(minutes=5):%Y-%m-%dT%H:%M:%SZ}", "ok": verified, "image": "postgres:18",
            "tables": 2, "rows": 10, "problem": None}}}))
    return folder


def samples(text: str) -> dict:
    return {(s.name, s.labels.get("outcome")): s for family in text_string_to_metric_families(text)
            for s in family.samples}


def test_prometheus_metrics_parse_with_their_values(tmp_path):
    folder = stack(tmp_path / 'we"ird\\stack', verified=True)
    found = samples(render(collect([folder], now=NOW), NOW))
    labels = {"stack": 'we"ird\\stack', "service": "db"}
    assert found[("composegen_status_ok", None)].labels == labels
    assert found[("composegen_status_ok", None)].value == 1
    assert found[("composegen_last_good_dump_timestamp_seconds", None)].value == (NOW - timedelta(hours=1)).timestamp()
    assert found[("composegen_last_good_dump_age_seconds", None)].value == 3600
    assert found[("composegen_last_good_dump_size_bytes", None)].value == 1234
    assert found[("composegen_last_attempt_duration_seconds", None)].value == 2.5
    assert found[("composegen_last_attempt_success", None)].value == 1
    assert found[("composegen_last_attempt_outcome", "written")].value == 1
    assert found[("composegen_last_attempt_outcome", "failed")].value == 0
    assert found[("composegen_last_verify_timestamp_seconds", None)].value == (NOW - timedelta(minutes=5)).timestamp()
    assert found[("composegen_last_verify_success", None)].value == 1


def test_prometheus_failed_attempt_and_never_verified(tmp_path):
    folder = stack(tmp_path / "s", outcome="failed")
    found = samples(render(collect([folder], now=NOW), NOW))
    assert found[("composegen_status_ok", None)].value == 0
    assert found[("composegen_last_attempt_success", None)].value == 0
    assert found[("composegen_last_attempt_outcome", "failed")].value == 1
    assert ("composegen_last_verify_success", None) not in found


def test_escape_label():
    assert escape_label('a"b\\c\nd') == 'a\\"b\\\\c\\nd'


@pytest.mark.parametrize("url", ["ftp://host/x", "file:///etc/passwd", "http:///t0ken", "hooks.example/x", "http://[::1/x",
                                 "javascript:alert(1)"])
def test_check_url_refuses_without_showing_the_url(url):
    with pytest.raises(UserError) as caught:
        check_url(url)
    assert url not in str(caught.value)


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 204
    received: list = []

    def do_POST(self):  # noqa: N802
        self.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.received, _Handler.status = [], 204
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_post_delivers_json(server):
    assert post(f"http://127.0.0.1:{server.server_port}/t0ken", {"a": 1}) == 204
    assert _Handler.received == [{"a": 1}]


def test_post_error_status_and_unreachable_never_show_the_url(server):
    _Handler.status = 500
    url = f"http://127.0.0.1:{server.server_port}/t0ken"
    with pytest.raises(WebhookError, match="HTTP 500") as caught:
        post(url, {})
    assert "t0ken" not in str(caught.value)
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    with pytest.raises(WebhookError, match="could not be reached") as caught:
        post(f"http://127.0.0.1:{closed}/t0ken", {}, timeout=5)
    assert "t0ken" not in str(caught.value) and str(closed) not in str(caught.value)


def test_status_webhook_posts_only_when_not_ok(tmp_path, server):
    url = f"http://127.0.0.1:{server.server_port}/t0ken"
    fresh = stack(tmp_path / "fresh", dump_ago=timedelta(seconds=0))
    result = CliRunner().invoke(cli, ["status", str(fresh), "--max-age", "26h", "--webhook", url])
    assert result.exit_code == 0 and _Handler.received == []
    stale = stack(tmp_path / "stale", dump_ago=timedelta(days=30))
    result = CliRunner().invoke(cli, ["status", str(stale), "--webhook", url])
    assert result.exit_code == 1
    assert [doc["summary"] for doc in _Handler.received] == [{"services": 1, "ok": 0, "failing": 1}]
    assert "t0ken" not in result.output


def test_status_bad_webhook_url_is_a_usage_error(tmp_path):
    folder = stack(tmp_path / "s")
    result = CliRunner().invoke(cli, ["status", str(folder), "--webhook", "ftp://h/t0ken"])
    assert result.exit_code == 2 and "t0ken" not in result.output
    result = CliRunner().invoke(cli, ["status", str(folder), "--json", "--format", "prometheus"])
    assert result.exit_code == 2
