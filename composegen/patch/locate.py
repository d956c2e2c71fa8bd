"""Where each node of a YAML document sits, built from ruamel's parser events.

The composed tree resolves aliases to the anchored node (and its position); events keep each
alias and each `<<:` merge where it is written, which is what an edit by position needs.
Lines and columns are 0-based, as ruamel's marks are.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Node:
    kind: str  # "map" | "seq" | "scalar" | "alias"
    start: tuple[int, int]
    end: tuple[int, int]  # of the node itself (for a block collection: of its last descendant)
    flow: bool = False
    anchor: str | None = None
    value: str | None = None  # scalar value, or the alias's anchor name
    style: str | None = None  # scalar style: None (plain), "'", '"', "|", ">"
    pairs: list[tuple["Node", "Node"]] = field(default_factory=list)  # map
    items: list["Node"] = field(default_factory=list)  # seq

    def get(self, key: str) -> "Node | None":
        for key_node, value_node in self.pairs:
            if key_node.kind == "scalar" and key_node.value == key:
                return value_node
        return None

    def key_node(self, key: str) -> "Node | None":
        for key_node, _ in self.pairs:
            if key_node.kind == "scalar" and key_node.value == key:
                return key_node
        return None

    @property
    def last_line(self) -> int:
        """The last line that holds part of this node (0-based)."""
        line, column = self.end
        if column == 0 and line > self.start[0]:
            return line - 1
        return line


def parse_tree(text: str) -> Node | None:
    """The document's root node (None for an empty document). Raises ruamel's YAMLError on bad YAML."""
    from ruamel.yaml import YAML

    return tree_from_events(YAML(typ="rt").parse(text))


def tree_from_events(events) -> Node | None:
    """The root node built from a parser's events (those of parse_tree, or those a load recorded)."""
    from ruamel.yaml import events as ev

    stream = iter(events)

    def build(event) -> Node:
        start = (event.start_mark.line, event.start_mark.column)
        if isinstance(event, ev.ScalarEvent):
            return Node("scalar", start, (event.end_mark.line, event.end_mark.column), anchor=event.anchor,
                        value=event.value, style=event.style)
        if isinstance(event, ev.AliasEvent):
            return Node("alias", start, (event.end_mark.line, event.end_mark.column), value=event.anchor)
        if isinstance(event, ev.MappingStartEvent):
            node = Node("map", start, start, flow=bool(event.flow_style), anchor=event.anchor)
            while True:
                nxt = next(stream)
                if isinstance(nxt, ev.MappingEndEvent):
                    break
                key = build(nxt)
                node.pairs.append((key, build(next(stream))))
            node.end = _end(node, nxt)
            return node
        if isinstance(event, ev.SequenceStartEvent):
            node = Node("seq", start, start, flow=bool(event.flow_style), anchor=event.anchor)
            while True:
                nxt = next(stream)
                if isinstance(nxt, ev.SequenceEndEvent):
                    break
                node.items.append(build(nxt))
            node.end = _end(node, nxt)
            return node
        raise ValueError(f"unexpected YAML event {type(event).__name__}")

    root = None
    for event in stream:
        if isinstance(event, ev.DocumentStartEvent):
            nxt = next(stream)
            if not isinstance(nxt, ev.DocumentEndEvent):
                root = build(nxt)
            break
    return root


def _end(node: Node, end_event) -> tuple[int, int]:
    if node.flow:
        return (end_event.end_mark.line, end_event.end_mark.column)
    children = [value for _, value in node.pairs] if node.kind == "map" else node.items
    return children[-1].end if children else node.start


def walk(node: Node):
    """`node` and every node inside it, depth first in document order."""
    yield node
    for key, value in node.pairs:
        yield from walk(key)
        yield from walk(value)
    for item in node.items:
        yield from walk(item)


def anchors(root: Node | None) -> dict[str, Node]:
    """{anchor name: the node it names}."""
    return {node.anchor: node for node in walk(root) if node.anchor} if root is not None else {}


def aliased_anchors(root: Node | None) -> set[str]:
    """Names of the anchors some alias (`*name`, `<<: *name`) refers to."""
    return {node.value for node in walk(root) if node.kind == "alias"} if root is not None else set()


def anchors_within(node: Node) -> list[str]:
    """Anchors defined on `node` or anywhere inside it."""
    return [inner.anchor for inner in walk(node) if inner.anchor]
