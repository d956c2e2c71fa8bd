"""What the runtime rule tests (test_rule_*.py, test_runtime_faults.py) share: their parameter
lists and a few looks at a stack's dumps and log. The harness (harness/) owns stacks and images."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import time
from pathlib import Path

import pytest

from harness.images import FLAVOURS, MAJORS, image_tag
from harness.params import seed_mark

DASH_13 = image_tag(13, "dash")
BUSYBOX_13 = image_tag(13, "busybox")
DASH_15 = image_tag(15, "dash")
BUSYBOX_15 = image_tag(15, "busybox")
DASH_17 = image_tag(17, "dash")
BUSYBOX_17 = image_tag(17, "busybox")
DASH_18 = image_tag(18, "dash")
BUSYBOX_18 = image_tag(18, "busybox")

# The matrix (tests/e2e/README.md, "Matrix"): every rule on one Debian-like and one Alpine-like image
# (the default of cases()); round trip and stop on every image (EVERY_IMAGE); tag bumps between
# neighbouring majors (rule 15's test).
RULE_IMAGES = (DASH_15, BUSYBOX_17)
EVERY_IMAGE = tuple(image_tag(major, flavour) for major in MAJORS for flavour in FLAVOURS)

# Where the seed shows the failure: busybox, where its stop handler is installed at all (under dash
# it fails every stop-related rule for the simpler reason that `trap SIGTERM` is rejected).
SEED_IMAGES = (BUSYBOX_17,)


def cases(reason: str, images=RULE_IMAGES, seed_images=SEED_IMAGES, raises=AssertionError) -> list:
    """(setup, image) parameters: composegen on every image given, the seed on `seed_images` as a
    strict expected failure by `raises` (harness.params.seed_mark): each test must catch the
    article's fault, by the check that fails on it, not by an error of the harness."""
    params = [pytest.param("composegen", img, id=f"composegen-{_short(img)}") for img in images]
    params += [pytest.param("seed", img, marks=seed_mark(reason, raises), id=f"seed-{_short(img)}")
               for img in seed_images]
    return params


def _short(image: str) -> str:
    return image.rsplit(":", 1)[-1]


def spec_major(image: str) -> int:
    from harness.images import spec_for

    return spec_for(image).major


def dump_files(stack) -> list[Path]:
    """The stack's good-dump files: composegen's cluster-*.sql.*, the seed's dump.sql.gz."""
    if stack.setup == "seed":
        return [p for p in stack.data_files() if p.name == "dump.sql.gz"]
    return [p for p in stack.data_files() if re.fullmatch(r"cluster-\d{8}T\d{6}Z\.sql\.(zst|gz)", p.name)]


def decompress(path: Path) -> bytes:
    data = path.read_bytes()
    if path.name.endswith(".zst"):
        return subprocess.run(["zstd", "-q", "-d", "-c"], input=data, capture_output=True, check=True).stdout
    return gzip.decompress(data)


def is_complete_dump(path: Path) -> bool:
    """Decompresses, and is a whole dump (pg_dumpall's trailer, or pg_dump's for the seed)."""
    try:
        text = decompress(path)
    except Exception:
        return False
    tail = text[-300:]
    return b"-- PostgreSQL database cluster dump complete" in tail or b"-- PostgreSQL database dump complete" in tail


def composegen_lines(stack, kind: str = "dump") -> list[str]:
    """composegen's log lines that start with `composegen: <kind>`."""
    return [line for line in stack.logs().splitlines() if line.startswith(f"composegen: {kind}")]


def dump_outcomes(stack) -> list[tuple[str, str]]:
    """[(outcome, trigger)] of every dump line in the log, in order."""
    out = []
    for line in composegen_lines(stack):
        m = re.match(r"composegen: dump (written|skipped|failed) trigger=(\w+)", line)
        if m:
            out.append((m.group(1), m.group(2)))
    return out


def status_record(stack) -> dict:
    return json.loads((stack.data_dir / "composegen-status.json").read_text())


def wait_for_new_dump(stack, before: set[str], timeout: float = 60) -> Path:
    """Wait until a dump file not in `before` (names) exists and is complete; returns it."""
    def new():
        for p in dump_files(stack):
            if p.name not in before and is_complete_dump(p):
                return p
        return None

    return stack.wait_for(new, timeout, interval=0.3, what="a new complete dump")


def postmaster_pid(stack) -> str:
    out = stack.exec(["sh", "-c", 'head -n 1 "$PGDATA/postmaster.pid"']).stdout.strip()
    assert out.isdigit(), out
    return out


def tcp_ready(stack) -> bool:
    """The final server answers on TCP (the init server listens on the unix socket only)."""
    try:
        return stack.exec(["pg_isready", "-q", "-h", "127.0.0.1", "-U", stack.user, "-d", stack.db],
                          timeout=20).returncode == 0
    except Exception:
        return False


def engine_now() -> str:
    """Now, as the engine writes its timestamps (RFC 3339, UTC, nanoseconds: such strings sort as the
    instants do). The engine runs on this machine: its clock is ours."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f000Z")


def probes_started_after(stack, since: str) -> int:
    """How many healthcheck runs the engine finished that started after `since` (engine_now()); it
    keeps the last five. The seed's scheduled dump is its healthcheck: each run is one."""
    runs = (stack.inspect()["State"].get("Health") or {}).get("Log") or []
    return sum(1 for run in runs if run.get("End") and _rfc3339(run["Start"]) > since)


def _rfc3339(stamp: str) -> str:
    # The engine's stamps carry nanoseconds and Z, or an offset of +00:00 (UTC here).
    stamp = stamp.replace("+00:00", "Z")
    head, _, frac = stamp.rstrip("Z").partition(".")
    return f"{head}.{(frac + '000000000')[:9]}Z"


def wait_for_scheduled_runs(stack, count: int, timeout: float = 120) -> None:
    """Until `count` more scheduled runs have happened: composegen logs each (written, skipped or
    failed); the seed's is its healthcheck. An event, not a time: a loaded machine may be slow."""
    if stack.setup == "composegen":
        seen = len([o for o in dump_outcomes(stack) if o[1] == "schedule"])
        stack.wait_for(lambda: len([o for o in dump_outcomes(stack) if o[1] == "schedule"]) >= seen + count,
                       timeout, what=f"{count} more scheduled dumps")
    else:
        since = engine_now()
        stack.wait_for(lambda: probes_started_after(stack, since) >= count, timeout,
                       what=f"{count} more healthcheck runs (the seed's scheduled dumps)")


def sleep_until(deadline: float) -> None:
    time.sleep(max(0.0, deadline - time.monotonic()))
