"""The libyaml path of parse_yaml (read-only readers: lint, status, down) gives what the pure-Python
round-trip loader gives: data, types, key order and positions; a file libyaml refuses, or one where
the two would differ, is read by the pure parser (so errors read exactly as before)."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar

from composegen.compose import load

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / ".." / "shared" / "corpus" / "compose"

TRICKY = {
    "merge and anchors": "x-base: &base\n  image: postgres:16\n  environment: &env {A: 1}\nservices:\n"
                         "  db:\n    <<: *base\n    environment: *env\n  app:\n    <<: [*base]\n    image: x\n",
    "yaml 1.2 scalars": "a: yes\nb: on\nc: 0777\nd: 0o17\ne: 1_000\nf: 12:30\ng: ~\nh: .inf\ni: 2024-01-01\nj: '1'\n",
    "block scalars": "s:\n  - |\n    line one\n    line two\n  - >-\n    folded\n    text\n  - \"esc\\t\\u00e9\"\n",
    "flow and nesting": "services: {a: {image: 'x:1', ports: ['80:80', {target: 1}]}, b: [1, [2, [3]]]}\n",
    "tags": "a: !!str 123\nb: !!int '7'\nc: !custom {x: 1}\n",
    "comments everywhere": "# top\nservices: # c\n  # between\n  db:   # c\n    image: x # c\n\n\n    ports:\n    - 1 # c\n",
    "unicode and bom-less": "name: \"caf\u00e9 \u2603 \U0001f600\"\nk\u00e9y: v\n",
    "empty": "",
    "only a comment": "# nothing\n",
    "scalar top": "just text\n",
    "duplicate key": "a: 1\na: 2\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "bad indent": "services:\n  db:\n   image: x\n  bad\n",
    "tab": "services:\n\tdb: 1\n",
    "unclosed flow": "a: [1, 2\n",
    "undefined alias": "a: *nope\n",
    "directive 1.1": "%YAML 1.1\n---\na: yes\nb: 0777\n",
}


def _positions(mapping: CommentedMap) -> dict:
    # An empty value: the pure parser puts it where the next token starts (often the next line),
    # libyaml right after its key. Only the key's position is compared there (see load_data).
    return {key: (at[:2] if mapping.get(key) is None else at) for key, at in (mapping.lc.data or {}).items()}


def _same(a, b, where: str = "") -> None:
    assert type(a) is type(b), where
    if isinstance(a, TaggedScalar):
        assert (a.value, str(a.tag)) == (b.value, str(b.tag)), where
    elif isinstance(a, CommentedMap):
        assert list(a.keys()) == list(b.keys()), where
        assert (a.lc.line, a.lc.col) == (b.lc.line, b.lc.col), where
        assert _positions(a) == _positions(b), where
        assert [len(m) for m in a.merge] == [len(m) for m in b.merge], where
        for key in a:
            _same(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, CommentedSeq):
        assert len(a) == len(b) and (a.lc.line, a.lc.col) == (b.lc.line, b.lc.col), where
        assert a.lc.data == b.lc.data, where
        for index, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{where}[{index}]")
    else:
        assert a == b, where


def _outcome(load, text: str):
    try:
        return "data", load(text)
    except Exception as exc:  # noqa: BLE001
        return "error", (type(exc).__name__, str(exc))


def _check(text: str) -> None:
    pure = _outcome(lambda t: load.parse_yaml(t, "f.yaml"), text)
    ours = _outcome(lambda t: load.parse_yaml(t, "f.yaml", libyaml=True), text)
    assert ours[0] == pure[0]
    if pure[0] == "error":
        assert ours[1] == pure[1]  # the same exception, message and position
    else:
        _same(ours[1], pure[1])


def test_libyaml_is_installed_and_reads_a_compose_file():
    assert load._c_loader() is not None  # ruamel.yaml.clib is a dependency (pyproject.toml)
    assert load._libyaml_load("services:\n  db:\n    image: postgres:17\n") == {"services": {"db": {"image": "postgres:17"}}}


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_yaml_loads_as_the_pure_parser_loads_it(name):
    _check(TRICKY[name])


def test_the_corpus_and_the_generated_stacks_load_as_the_pure_parser_loads_them(tmp_path):
    from composegen import catalog, init_stack

    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.y*ml"))] if CORPUS.is_dir() else []
    for name in catalog.names():
        plan = init_stack.plan_init(catalog.load(name), tmp_path / name, init_stack.Overrides())
        texts += [f.content for f in plan.files if f.path == init_stack.COMPOSE_FILE]
    generated = texts[-len(catalog.names()):]
    assert all(load._libyaml_load(text) is not None for text in generated)  # compared below, not skipped
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "tests").rglob("*.y*ml"))]
    assert len(texts) >= len(catalog.names())
    for text in texts:
        _check(text)
