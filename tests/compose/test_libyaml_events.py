"""libyaml's events (compose.libyaml_events) are the pure parser's, field for field and mark for mark, and
the data loaded from them is the pure loader's: on every corpus file, odd shapes and generated documents."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.parser import Parser
from ruamel.yaml.scanner import Scanner

from composegen.compose import libyaml_events, load
from tests.patch.helpers import corpus_files
from tests.patch.test_property import compose_files

pytestmark = pytest.mark.skipif(not libyaml_events.available(), reason="ruamel.yaml.clib is a dependency")

ODD = [
    "x-common: &common\n  restart: always\nservices:\n  db:\n    <<: *common\n    image: postgres:16\n    environment:\n",
    "a:", "a:\n", "", "# only a comment", "a: b # c", "? a\n: b\n", "a:\n- b:\n  c:\n-\n- d\ne:",
    "a:\n  b:\n\n\n# x\n  c:\nd:\n  -\n  - \n", "- a\n- b:\n- c", "a: 'x\n  y'\nb: \"p\\\n q\"",
    "a: |+\n x\n\n", "a: >-\n x\n y\nb: c\n", "a: {b: c}\ne: [f, {g: h}, {}]\n", "a: b\r\nc:\r\n  - d\r\n",
    "name: \"caf\u00e9 \u2603 \U0001f600\"\nk\u00e9y: v\n", "---\na: 1\n...\n", "a: &x [1, 2]\nb: *x\n",
    "services:\n  db:\n    environment:\n      PASSWORD: 'se!cret'\n      B:\n    image: postgres\n",
    "services:\n  db:\n    image: postgres   # trailing comment, no final line break",
]
# Left to the pure parser: events() says None for these.
PURE_ONLY = ["\ufeffa: 1\n", "a: é\u2028b: 1\n", "%YAML 1.1\n---\na: yes\n", "a: !!str 1\n", "a: !reset []\n",
             "a: [b\n", "services:\n  db: {image: postgres:16}\n", "a: {b: , c: d}\n"]


def pure_events(text: str) -> list:
    yaml = YAML(typ="rt", pure=True)
    yaml.Scanner, yaml.Parser = Scanner, Parser  # what load.py's round-trip loader uses
    return list(yaml.parse(text))


def fields(event) -> tuple:
    out = [type(event).__name__]
    for name in ("anchor", "tag", "implicit", "value", "style", "flow_style", "explicit", "version", "tags"):
        if hasattr(event, name):
            out.append((name, getattr(event, name)))
    for name in ("start_mark", "end_mark"):
        mark = getattr(event, name)
        out.append((name, mark.line, mark.column, mark.index))
    return tuple(out)


def positions(data) -> object:
    """The data with every collection's own line/column and each key's/item's (what readers use)."""
    if isinstance(data, dict):
        return ("map", data.lc.line, data.lc.col, type(data).__name__,
                [(key, (data.lc.data or {}).get(key), positions(value)) for key, value in data.items()])
    if isinstance(data, list):
        return ("seq", data.lc.line, data.lc.col, type(data).__name__,
                [(index, (data.lc.data or {}).get(index), positions(item)) for index, item in enumerate(data)])
    return (type(data).__name__, data, getattr(data, "anchor", None) and data.anchor.value)


def assert_same(text: str) -> None:
    found = libyaml_events.events(text)
    assert found is not None, "libyaml should read this text"
    assert [fields(event) for event in found] == [fields(event) for event in pure_events(text)]
    for preserve_quotes in (False, True):
        pure = YAML(typ="rt", pure=True)
        pure.Scanner, pure.Parser, pure.preserve_quotes = Scanner, Parser, preserve_quotes
        assert positions(libyaml_events.load(libyaml_events.events(text), preserve_quotes)) == positions(pure.load(text))


@pytest.mark.parametrize("text", [*ODD, *(path.read_text(encoding="utf-8") for path in corpus_files())])
def test_same_events_and_data_as_the_pure_parser(text):
    assert_same(text)


@pytest.mark.parametrize("text", PURE_ONLY)
def test_texts_libyaml_reads_otherwise_are_left_to_the_pure_parser(text):
    assert libyaml_events.events(text) is None


@st.composite
def documents(draw):
    """Block and flow YAML of every shape an edit meets: empty values and items, comments, quotes,
    anchors and aliases, blank lines, CRLF, with or without a final line break."""
    step = draw(st.sampled_from([1, 2, 4]))
    lines: list[str] = []
    anchors: list[str] = []

    def scalar() -> str:
        kind = draw(st.sampled_from(["plain", "single", "double", "empty", "alias", "flow", "number"]))
        if kind == "alias" and anchors:
            return "*" + draw(st.sampled_from(anchors))
        return {"plain": "value x", "single": "'it''s'", "double": '"a\\tb"', "empty": "", "alias": "v",
                "flow": draw(st.sampled_from(["[a, b]", "{k: v}", "[]", "{}", "[a, {b: c}]"])), "number": "0o17"}[kind]

    def block(level: int, depth: int) -> None:
        seq = draw(st.booleans())
        for index in range(draw(st.integers(1, 3))):
            pad = " " * (step * level)
            if draw(st.booleans()):
                lines.append(pad + "# comment: - x")
            if draw(st.booleans()):
                lines.append("")
            head = pad + ("- " if seq else f"k{index}:")
            anchor = ""
            if draw(st.integers(0, 4)) == 0:
                anchor = f" &n{len(lines)}"
            if depth < 3 and draw(st.booleans()):
                lines.append(head.rstrip() + anchor)
                block(level + 1, depth + 1)
                if anchor:  # an alias only to a finished node (one inside it would make a loop)
                    anchors.append(anchor[2:])
            else:
                if anchor:
                    anchors.append(anchor[2:])
                value = scalar()
                if seq:
                    lines.append((head + (anchor.strip() + " " if anchor else "") + value).rstrip())
                else:
                    lines.append((head + anchor + (" " + value if value else "")).rstrip())

    block(0, 0)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(lines)
    return text + (newline if draw(st.booleans()) else "")


def _pure_reads(text: str) -> bool:
    try:
        pure_events(text)
    except Exception:  # noqa: BLE001 - a generated text may be invalid YAML: nothing to compare then
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(text=documents())
def test_generated_documents(text):
    if libyaml_events.events(text) is None:
        assert not _pure_reads(text) or "{" in text  # libyaml is stricter on `a:b` in flow only
        return
    assert _pure_reads(text)
    assert_same(text)


@settings(max_examples=100, deadline=None)
@given(text=compose_files())
def test_generated_compose_files(text):
    if libyaml_events.events(text) is None:
        # libyaml (YAML 1.1) refuses a `:` inside a plain scalar in a flow collection (`[pg:/data]`):
        # the pure parser reads such a file.
        assert "[pg:" in text
        return
    assert_same(text)


def test_a_bang_that_is_not_a_tag_stays_on_libyaml(monkeypatch):
    """A `!` in a value (a password) is not a tag: lint's reading stays on libyaml, not the pure parser."""
    def no_pure(*args, **kwargs):
        raise AssertionError("the pure parser was used")

    monkeypatch.setattr(load, "_yaml", no_pure)
    monkeypatch.setattr(load, "_new_yaml", no_pure)
    data = load.parse_yaml("services:\n  db:\n    environment:\n      PASSWORD: se!cret\n", "c.yaml", libyaml=True)
    assert data["services"]["db"]["environment"]["PASSWORD"] == "se!cret"


def test_a_real_tag_is_read_by_the_pure_parser():
    data = load.parse_yaml("a: !!str 1\n", "c.yaml", libyaml=True)
    assert type(data["a"]).__name__ == "TaggedScalar"


def test_the_shared_loaders_are_per_thread():
    """A ruamel YAML object keeps the parse under way in itself: two threads must not share one."""
    here = load._yaml("safe", False)
    assert load._yaml("safe", False) is here  # one per kind and thread: built once
    seen = []
    thread = threading.Thread(target=lambda: seen.append(load._yaml("safe", False)))
    thread.start()
    thread.join()
    assert seen[0] is not here


def test_parsing_from_many_threads_at_once():
    texts = [f"services:\n" + "".join(f"  s{i}_{n}:\n    image: x{n}\n    ports: ['{n}:{n}']\n" for n in range(200))
             for i in range(6)]
    results, errors = {}, []

    def work(index):
        try:
            for _ in range(5):
                results[index] = load.parse_yaml(texts[index], "c.yaml", round_trip=False)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for index, data in results.items():
        assert sorted(data["services"]) == sorted(f"s{index}_{n}" for n in range(200))
