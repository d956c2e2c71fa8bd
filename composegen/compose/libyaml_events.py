"""libyaml's parser events, made the same as ruamel's pure-Python parser's, and a round-trip load from them.

ruamel.yaml.clib's CParser reads a text about fifty times faster than ruamel's own scanner and parser,
which are most of the time of `patch` on a big file (benchmarks/README.md, patch_big_s). Its events
carry the same anchors, tags, values and marks (line, column, index) but for two details, mended here
so every reader sees exactly what the pure parser gives (tests/compose/test_libyaml_events.py compares
the two on the corpus and on generated documents):
- a plain scalar's style is "" where ruamel's is None;
- an empty value (`key:` with nothing after it) is marked right after its key; ruamel marks it at the
  next token, the start of the next event (locate's node ends, and so the edits, follow that); in a
  flow mapping (`{a: }`) ruamel marks it at the `:`, which no event shows: such a text is left to the
  pure parser;
- at the very end of a text without a final line break libyaml counts one line more.
Then ruamel's own Composer and RoundTripConstructor build the data from the events, so the data (quotes
preserved, anchors kept, tagged scalars, `<<:` merges, line/column of each node) is ruamel's too.

A text with a tag, a byte-order mark or an unusual line break (NEL, LS, PS), or a %directive, is left to the pure parser (its YAML version must reach the resolver through
the parser; the others are marked differently), and so is one libyaml refuses: the pure parser's error message is the one users know.
"""

from __future__ import annotations

import re

_CPARSER: type | None | bool = False  # False: not looked up yet; None: ruamel.yaml.clib is not installed


def _cparser():
    global _CPARSER
    if _CPARSER is False:
        try:
            from ruamel.yaml.cyaml import CParser
        except ImportError:
            _CPARSER = None
        else:
            _CPARSER = CParser
    return _CPARSER


# A byte-order mark (libyaml's marks do not count it, ruamel's do) and the line breaks other than
# \r and \n (the two parsers disagree on where they end a line): rare, left to the pure parser.
_UNUSUAL = re.compile("[\ufeff\x85\u2028\u2029]")


def available() -> bool:
    return _cparser() is not None


def has_directive(text: str) -> bool:
    return text.startswith("%") or "\n%" in text or text.startswith("\ufeff%")


def events(text: str) -> list | None:
    """Every parser event of `text` as ruamel's pure parser would give it, or None where the pure parser
    must read it (no libyaml, a %directive, or a text libyaml refuses)."""
    parser_class = _cparser()
    if parser_class is None or has_directive(text) or _UNUSUAL.search(text):
        return None
    from ruamel.yaml.events import ScalarEvent

    parser = parser_class(text)
    found: list = []
    try:
        get = parser.get_event
        check = parser.check_event
        while check():
            found.append(get())
    except Exception:  # noqa: BLE001 - any refusal: the pure parser reads it and gives its own error
        return None
    finally:
        parser.dispose()
    if not _mend(found, _end_of_text_mark(text)):
        return None
    return found


def _mend(found: list, end_mark) -> bool:
    """Give libyaml's events the pure parser's styles and marks (see the module's doc), in place. False
    for a document with a tag (`!!str 1`, Compose's `!reset`): libyaml gives the tag resolved, where
    ruamel keeps how it was written (its round-trip data depends on that), so the pure parser reads it."""
    from ruamel.yaml.events import (AliasEvent, MappingEndEvent, MappingStartEvent, ScalarEvent,
                                    SequenceEndEvent, SequenceStartEvent)

    if end_mark is not None:
        # libyaml reads a text without a final line break as if it had one: at the very end it counts
        # one line more than ruamel does.
        for event in reversed(found):
            if event.end_mark.index != end_mark.index:
                break
            if event.start_mark.index == end_mark.index:
                event.start_mark = end_mark
            event.end_mark = end_mark
    # For each open collection: for a mapping, whether its next node is a value (True) or a key
    # (False), and whether it is a flow mapping; None for a sequence (both parsers mark its empty
    # items alike, at the end of the `-`).
    open_collections: list = []
    for index, event in enumerate(found):
        kind = type(event)
        if getattr(event, "ctag", None) is not None:
            return False
        if kind is ScalarEvent:
            if not event.style:
                event.style = None
                top = open_collections[-1] if open_collections else None
                if (event.value == "" and top is not None and top[0]
                        and event.start_mark.index == event.end_mark.index):
                    if top[1]:
                        return False  # `{a: }`: ruamel marks it at the `:`, which no event shows
                    # An empty block mapping value: ruamel marks it at the next token, which starts
                    # the next event (a key, or the end of the mapping).
                    event.start_mark = event.end_mark = found[index + 1].start_mark
        elif kind is MappingStartEvent:
            open_collections.append([False, bool(event.flow_style)])
            continue
        elif kind is SequenceStartEvent:
            open_collections.append(None)
            continue
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            open_collections.pop()
        elif kind is not AliasEvent:
            continue  # stream and document events
        if open_collections and open_collections[-1] is not None:
            open_collections[-1][0] = not open_collections[-1][0]
    return True


def _end_of_text_mark(text: str):
    """The mark of the text's end as ruamel counts it, when the text does not end with a line break
    (None when it does: then libyaml counts as ruamel does)."""
    if not text or text[-1] in "\r\n\x85\u2028\u2029":
        return None
    from ruamel.yaml.error import StreamMark

    last = max(text.rfind(char) for char in "\r\n\x85\u2028\u2029")
    lines = len(re.findall("\r\n|[\r\n\x85\u2028\u2029]", text))
    return StreamMark("<unicode string>", len(text), lines, len(text) - last - 1)


class _EventList:
    """The parser interface ruamel's Composer reads (check_event, peek_event, get_event) over a list."""

    def __init__(self, items: list) -> None:
        self._items = items
        self._next = 0

    def check_event(self, *choices) -> bool:
        if self._next >= len(self._items):
            return False
        if not choices:
            return True
        return isinstance(self._items[self._next], choices)

    def peek_event(self):
        return self._items[self._next]

    def get_event(self):
        event = self._items[self._next]
        self._next += 1
        return event

    def dispose(self) -> None:
        self._items = []


_Resolver = None


def _resolver_class():
    from ruamel.yaml.resolver import VersionedResolver

    class Resolver(VersionedResolver):
        @property
        def processing_version(self):
            # No %YAML directive reaches this loader (events() leaves those texts to the pure parser):
            # always YAML 1.2, without the attribute look-ups per scalar of the inherited property.
            return (1, 2)

    return Resolver


class _Loader:
    """Composer + round-trip constructor + YAML 1.2 resolver over a list of events (no scanner, no parser)."""

    comment_handling = None  # like the pure loaders here: no comments collected
    max_depth = 0  # as ruamel's YAML(): no limit of its own (load.py bounds the depth)

    def __init__(self, items: list, preserve_quotes: bool) -> None:
        from ruamel.yaml.composer import Composer
        from ruamel.yaml.constructor import RoundTripConstructor
        global _Resolver
        if _Resolver is None:
            _Resolver = _resolver_class()
        self._parser = _EventList(items)
        self._resolver = _Resolver(version=None, loadumper=self)
        self._composer = Composer(loader=self)
        self._constructor = RoundTripConstructor(preserve_quotes=preserve_quotes, loader=self)
        self.allow_duplicate_keys = False


def load(items: list, preserve_quotes: bool = False) -> object:
    """The round-trip data of a document's events (those of `events`): what ruamel's YAML(typ="rt").load
    gives for the same text. Raises ruamel's errors (a duplicate key, say) as that load does."""
    loader = _Loader(items, preserve_quotes)
    return loader._constructor.get_single_data()
