"""Property tests of every entry point on generated input (issue #12): YAML of any shape, compose-like
documents with odd values, hostile bytes, odd records. Whatever the input: no traceback, the exit
status says what happened (0 done, 1 findings, 2 refused with one line), and a refusal changes
nothing. Memory and hangs are tests/test_hostile_inputs.py's (a real process under a limit); here the
CLI runs in-process, so many shapes are cheap."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from composegen.cli import cli

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
    st.text(max_size=30), st.sampled_from(["postgres:16", "postgres", "$", "${X}", "${X:?}", "./data:/dumps",
                                          "../:/app", "/utils/entrypoint", "0", "1h", "10000000000s", "99999:80"]),
)
_keys = st.one_of(st.text(max_size=12), st.sampled_from(
    ["services", "image", "volumes", "environment", "entrypoint", "command", "ports", "x-a", "<<", "user",
     "healthcheck", "name", "database", "secrets", "options", "schedule", "keep", "postgres_image"]))
_yaml_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=4)), max_leaves=25)

_service = st.fixed_dictionaries({"image": st.sampled_from(["postgres:16", "postgres:17-alpine", "pgvector/pgvector:pg16",
                                                            "mysql:8", "bitnami/postgresql:16"])},
                                 optional={"volumes": st.lists(_scalars, max_size=3),
                                           "environment": st.one_of(st.dictionaries(_keys, _scalars, max_size=3),
                                                                    st.lists(_scalars, max_size=3)),
                                           "entrypoint": _yaml_values, "user": _scalars, "ports": _yaml_values})
_compose = st.fixed_dictionaries({"services": st.dictionaries(st.text(min_size=1, max_size=8), _service,
                                                              min_size=1, max_size=2)})
_spec = st.fixed_dictionaries(
    {"name": st.sampled_from(["app", "postgres", "A", "x" * 70]), "image": st.sampled_from(["app:1", "bad image"]),
     "database": st.fixed_dictionaries({"name": st.sampled_from(["app", "pg_x"]),
                                        "user": st.sampled_from(["app", "pg_app", "1"])})},
    optional={"environment": st.dictionaries(st.text(min_size=1, max_size=8), _scalars, max_size=3),
              "volumes": st.lists(st.sampled_from(["./x:/x", "../:/app", "./data:/d", "../out/data:/d", "/:/r"]),
                                  max_size=2),
              "ports": st.lists(st.sampled_from(["80", "99999:80", "1-2:3-5", "127.0.0.1:80:80"]), max_size=2),
              "secrets": st.lists(st.sampled_from(["A", "COMPOSE_FILE", "DOCKER_HOST", "POSTGRES_PASSWORD"]),
                                  max_size=2),
              "options": st.dictionaries(st.sampled_from(["schedule", "keep", "postgres_image", "postgres_version"]),
                                         _scalars, max_size=2)})


def _dump(value) -> str:
    import io

    out = io.StringIO()
    YAML(typ="safe", pure=True).dump(value, out)
    return out.getvalue()


def _mutations(text: st.SearchStrategy) -> st.SearchStrategy:
    """Valid YAML text as is, cut short, or with bytes spliced in."""
    def mutate(args) -> bytes:
        body, cut, junk = args
        raw = body.encode("utf-8")
        if cut is None:
            return raw
        at = cut % (len(raw) + 1)
        return raw[:at] + junk + raw[at:]
    return st.tuples(text, st.none() | st.integers(0, 10_000), st.binary(max_size=8)).map(mutate)


_documents = st.one_of(
    _mutations(_compose.map(_dump)),
    _mutations(_yaml_values.map(_dump)),
    st.binary(max_size=200),
    st.sampled_from([b"", b"\xef\xbb\xbf", b"services:", b"a: &a [*a]", b"- - - -", b"{", b"!!python/object:os.system x",
                     b"services: {db: {image: postgres:16, <<: *nope}}", b"%YAML 1.1\n---\nx: 0777\n"]),
)


def _snapshot(root: Path) -> dict:
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            out[str(path.relative_to(root))] = path.read_bytes() if path.is_file() else None
    return out


def _invoke(args: list[str], cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, args)
    finally:
        os.chdir(old)


def _check(result, allowed: tuple[int, ...]) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in allowed, (result.exit_code, result.output[-2000:])
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("composegen: error: "), result.stderr[-2000:]


@SETTINGS
@given(_documents)
def test_lint(document):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "compose.yaml").write_bytes(document)
        before = _snapshot(root)
        _check(_invoke(["lint", "--format", "json", "compose.yaml"], root), (0, 1))
        assert _snapshot(root) == before


@SETTINGS
@given(_documents, st.sampled_from([[], ["--dry-run"], ["--check"], ["--schedule", "1w"], ["--keep", "0"]]))
def test_patch(document, flags):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "compose.yaml").write_bytes(document)
        before = _snapshot(root)
        result = _invoke(["patch", "compose.yaml", "--fresh", *flags] if "--check" not in flags and "--dry-run"
                         not in flags else ["patch", "compose.yaml", *flags], root)
        _check(result, (0, 1, 2))
        if result.exit_code != 0 or flags:
            assert _snapshot(root) == before


@SETTINGS
@given(_documents, st.one_of(st.binary(max_size=100), _yaml_values.map(lambda v: json.dumps(v).encode())),
       st.lists(st.sampled_from(["cluster-20260101T000000Z.sql.zst", "cluster-20991231T235959Z.sql.gz",
                                 "cluster-20261399T000000Z.sql.zst", "cluster-x.sql.zst", ".cluster-1.tmp"]),
                max_size=3))
def test_status(document, record, dumps):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "compose.yaml").write_bytes(document)
        (root / "data").mkdir()
        (root / "data" / "composegen-status.json").write_bytes(record)
        for name in dumps:
            (root / "data" / name).write_bytes(b"x")
        before = _snapshot(root)
        for args in (["status", "."], ["status", "--json", "."]):
            result = _invoke(args, root)
            _check(result, (0, 1, 2))
            assert "\x1b" not in result.stdout or "--json" in args
        assert _snapshot(root) == before


@SETTINGS
@given(_documents, st.lists(st.text(max_size=10), max_size=3))
def test_down_dry_run(document, extra):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "compose.yaml").write_bytes(document)
        before = _snapshot(root)
        _check(_invoke(["down", "--dry-run", "compose.yaml", "--", *extra], root), (0, 2))
        assert _snapshot(root) == before


@SETTINGS
@given(st.one_of(_mutations(_spec.map(_dump)), _documents),
       st.sampled_from([[], ["--postgres-image", "mysql:8"], ["--postgres-image", "postgres:13", "--postgres-version",
                                                                 "17"], ["--schedule", "01h"], ["--dry-run"]]))
def test_init_spec(document, flags):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "spec.yaml").write_bytes(document)
        before = _snapshot(root)
        result = _invoke(["init", "--spec", "spec.yaml", "--dir", "out", *flags], root)
        _check(result, (0, 2))
        if result.exit_code != 0 or "--dry-run" in flags:
            assert _snapshot(root) == before
        else:
            assert (root / "out" / "compose.yaml").is_file()
