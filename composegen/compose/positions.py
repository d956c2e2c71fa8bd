"""1-based (line, column) of keys, values and list items, from ruamel's position info.

Keys that come from a `<<:` merge have no position of their own in the merging mapping: they point
at the mapping itself (the service), which is where a user would look.
"""

from __future__ import annotations

Position = tuple[int, int]


def node_position(node: object) -> Position:
    lc = getattr(node, "lc", None)
    if lc is None or lc.line is None:
        return (1, 1)
    return (lc.line + 1, lc.col + 1)


def key_position(mapping: object, key: object) -> Position:
    try:
        line, col = mapping.lc.key(key)
        return (line + 1, col + 1)
    except (AttributeError, KeyError, TypeError):
        return node_position(mapping)


def value_position(mapping: object, key: object) -> Position:
    try:
        line, col = mapping.lc.value(key)
        return (line + 1, col + 1)
    except (AttributeError, KeyError, TypeError):
        return key_position(mapping, key)


def item_position(sequence: object, index: int) -> Position:
    try:
        line, col = sequence.lc.item(index)
        return (line + 1, col + 1)
    except (AttributeError, KeyError, TypeError, IndexError):
        return node_position(sequence)
