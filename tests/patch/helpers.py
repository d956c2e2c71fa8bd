"""Shared by the patch tests: the corpus, the service's line range, and `docker-compose config`."""

from __future__ import annotations

import difflib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from ruamel.yaml import YAML

from composegen import contract, stack
from composegen.compose.detect import interpolate_defaults
from composegen.patch.locate import parse_tree

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / ".." / "shared" / "corpus" / "compose"
COMPOSE_BIN = Path(sys.executable).parent / "docker-compose"


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.yaml")) if CORPUS.is_dir() else []


def compose_binary() -> str | None:
    if COMPOSE_BIN.exists():
        return str(COMPOSE_BIN)
    return shutil.which("docker-compose")


def service_line_range(text: str, name: str) -> tuple[int, int]:
    """0-based [first, stop) lines of service `name`: from its key to the next key after it."""
    root = parse_tree(text)
    services = root.get("services")
    keys = [key for key, _ in services.pairs]
    index = [key.value for key in keys].index(name)
    first = keys[index].start[0]
    if index + 1 < len(keys):
        return first, keys[index + 1].start[0]
    top = [key.start[0] for key, _ in root.pairs if key.start[0] > first]
    return first, min(top) if top else len(text.splitlines(keepends=True)) + 1


def changed_original_lines(before: str, after: str) -> tuple[set[int], set[int]]:
    """(indexes of original lines removed or replaced, indexes before which lines were inserted)."""
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    changed, inserted_at = set(), set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag in ("replace", "delete"):
            changed.update(range(i1, i2))
        elif tag == "insert":
            inserted_at.add(i1)
    return changed, inserted_at


# Variables without a default (`${VAR}`, `${VAR:?msg}`, `$VAR`): the ones `config` needs a value for.
_VARIABLE = re.compile(r"\$\{(\w+)(?!\w|:?-)|\$(\w+)")


def prepare_for_config(folder: Path, compose: Path) -> None:
    """Dummy values for every variable, and empty env_file stubs, so `config` can run on the file."""
    text = compose.read_text(encoding="utf-8")
    names = {a or b for a, b in _VARIABLE.findall(text.replace("$$", ""))}
    def dummy(name: str) -> str:  # a path where the name says it is one (bind-mount sources), else a number
        return "./stub" if re.search(r"DIR|PATH|LOCATION|VOLUME|FOLDER", name) else "1"

    (folder / ".env").write_text("".join(f"{name}={dummy(name)}\n" for name in sorted(names)))
    data = YAML(typ="safe", pure=True).load(text)
    for service in (data.get("services") or {}).values():
        env_files = (service or {}).get("env_file") or []
        for entry in [env_files] if isinstance(env_files, (str, dict)) else env_files:
            rel = entry.get("path") if isinstance(entry, dict) else entry
            target = (folder / interpolate_defaults(str(rel)) if interpolate_defaults(str(rel)) else folder / "x")
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                target.write_text("")


def compose_config(compose: Path) -> tuple[int, dict | None, str]:
    done = subprocess.run([compose_binary(), "-f", str(compose), "-p", "golden", "--profile", "*", "config",
                           "--format", "json"],
                          capture_output=True, text=True, cwd=compose.parent)
    if done.returncode != 0 or not done.stdout.strip():  # it can exit 0 having printed only an error
        return done.returncode or 1, None, done.stderr
    return 0, json.loads(done.stdout), done.stderr


def duration_seconds(text: str) -> float:
    units = {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text))


def assert_has_setup(service: dict) -> None:
    """The checks init's output passes, on one service as YAML gives it (merges followed)."""
    env = service.get("environment")
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env if "=" in item)
    # Rule 19: a service with `user:` other than root cannot create /pgdata; its PGDATA is in /var/tmp.
    user = service.get("user")
    as_root = user is None or str(user).split(":")[0] in ("0", "root")
    assert env["PGDATA"] == ("/pgdata" if as_root else "/var/tmp/pgdata")
    for name in (contract.ENV_SCHEDULE, contract.ENV_KEEP, contract.ENV_COMPRESSION):
        assert str(env[name])
    entrypoint = service["entrypoint"]
    assert (entrypoint.split() if isinstance(entrypoint, str) else list(entrypoint)) == stack.ENTRYPOINT
    assert service.get("command"), "Compose clears the image's CMD when an entrypoint is set"
    volumes = [str(v) for v in service["volumes"]]
    for spec in (stack.VOLUME_DUMPS, stack.VOLUME_UTILS, stack.VOLUME_RESTORE):
        assert spec in volumes
    targets = [str(v).split(":")[1] if ":" in str(v) else str(v) for v in volumes]
    assert not any(t.rstrip("/") in stack.VOLUME_PATHS for t in targets), "a mount over the image's VOLUME path"
    tmpfs = [str(t) for t in ([service["tmpfs"]] if isinstance(service["tmpfs"], str) else service["tmpfs"])]
    for path in stack.VOLUME_PATHS:
        assert path in tmpfs
    assert service["stop_signal"] in (stack.STOP_SIGNAL, "SIGINT")  # the entrypoint stops the same on both
    assert duration_seconds(str(service["stop_grace_period"])) >= 300
    assert service.get("restart")
    health = service["healthcheck"]
    assert health.get("disable") is not True
    test = health["test"]
    words = test.split() if isinstance(test, str) else [str(w) for w in test]
    assert not any("dump" in word for word in words), "a dump as the healthcheck"
