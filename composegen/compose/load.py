"""Bounded, safe reading of the YAML files every command reads (compose files, specs, records, config).

A user's file can be anything a path names: a FIFO (an open would block forever), a device, a huge
file, or YAML built to blow up (an alias bomb expands exponentially when walked; deep nesting
overflows Python's stack). Each of those becomes one LoadError, which the CLI prints as one line.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import re
import threading
import stat
from pathlib import Path

from composegen.errors import UserError

# Far above any real compose file (the largest in the corpus is ~30 KB; generated ones reach ~2 MB),
# far below what would make a parse take minutes.
MAX_FILE_BYTES = 4 * 1024 * 1024
# Nodes visited when every alias is expanded: a real file's count is its own size; an alias bomb's
# is exponential in its size.
MAX_EXPANDED_NODES = 1_000_000
# Real compose files nest < 15 levels; Python's stack holds a few hundred levels of ruamel's recursion.
MAX_DEPTH = 100


class LoadError(UserError):
    """A file that cannot be read as bounded YAML text; `line`/`column` are 1-based when known."""

    def __init__(self, path: Path | str, message: str, line: int | None = None, column: int | None = None):
        self.path, self.message, self.line, self.column = path, message, line, column
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")


def read_bytes(path: Path | str, what: str = "file") -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES (symlinks followed).

    Opened with O_NONBLOCK and checked with fstat before any read, so a FIFO or a device is
    refused at once instead of blocking.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise LoadError(path, "no such file") from None
    except IsADirectoryError:
        raise LoadError(path, f"is a folder, not a {what}") from None
    except OSError as exc:
        raise LoadError(path, f"cannot read the {what}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise LoadError(path, f"is a folder, not a {what}")
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(path, f"is not a regular file (a FIFO, socket or device); give a {what}")
        if info.st_size > MAX_FILE_BYTES:
            raise LoadError(path, f"is {info.st_size} bytes, more than the {MAX_FILE_BYTES} a {what} may have")
        chunks, total = [], 0
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
            except OSError as exc:
                if exc.errno == errno.EINTR:
                    continue
                raise LoadError(path, f"cannot read the {what}: {exc.strerror or exc}") from None
            if not chunk:
                break
            total += len(chunk)
            if total > MAX_FILE_BYTES:  # grew while being read
                raise LoadError(path, f"is more than the {MAX_FILE_BYTES} bytes a {what} may have")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def decode(raw: bytes, path: Path | str, keep_bom: bool = False) -> str:
    """UTF-8 text; a leading BOM is dropped unless `keep_bom` (an editor that must write it back)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadError(path, "not valid UTF-8 text", line, 1) from None
    if not keep_bom and text.startswith("\ufeff"):
        text = text[1:]
    return text


def read_text(path: Path | str, what: str = "file", keep_bom: bool = False) -> str:
    return decode(read_bytes(path, what), path, keep_bom)


_LOADERS = threading.local()  # a ruamel YAML object holds the state of the parse under way: one per thread


def _yaml(typ: str, preserve_quotes: bool):
    """One loader per kind per thread (building one costs more than parsing a small file).

    The round-trip loader uses the plain scanner and parser: they skip collecting comments, which
    no reader here uses (edits go by line, from the text), for about a quarter of the parse time.
    """
    key = (typ, preserve_quotes)
    loaders = getattr(_LOADERS, "by_kind", None)
    if loaders is None:
        loaders = _LOADERS.by_kind = {}
    if key not in loaders:
        loaders[key] = _new_yaml(typ, preserve_quotes)
    return loaders[key]


def _new_yaml(typ: str, preserve_quotes: bool):
    from ruamel.yaml import YAML

    yaml = YAML(typ=typ, pure=True)
    if typ == "rt":
        from ruamel.yaml.parser import Parser
        from ruamel.yaml.scanner import Scanner

        yaml.Scanner, yaml.Parser = Scanner, Parser
        yaml.preserve_quotes = preserve_quotes
    return yaml


def _has_directive(text: str) -> bool:
    return text.startswith("%") or "\n%" in text


_C_LOADER: type | None | bool = False  # False: not looked up yet; None: libyaml is not installed


def _c_loader():
    """libyaml's scanner, parser and composer (ruamel.yaml.clib) under ruamel's own round-trip
    constructor and YAML 1.2 resolver: the same CommentedMaps in about a quarter of the time. The
    pure-Python parse was ~90% of `lint` over 500 stacks (benchmarks/README.md, lint500_s)."""
    global _C_LOADER
    if _C_LOADER is False:
        try:
            from ruamel.yaml.constructor import RoundTripConstructor
            from ruamel.yaml.cyaml import CParser
            from ruamel.yaml.resolver import VersionedResolver
        except ImportError:
            _C_LOADER = None
        else:
            class CRoundTripLoader(CParser, RoundTripConstructor, VersionedResolver):
                comment_handling = None  # like the pure loader: no comments collected

                def __init__(self, stream: str) -> None:
                    CParser.__init__(self, stream)
                    self._parser = self._composer = self
                    RoundTripConstructor.__init__(self, loader=self)
                    self.allow_duplicate_keys = False  # as ruamel's YAML() loaders
                    VersionedResolver.__init__(self, version=None, loadumper=self)

                @property
                def processing_version(self):
                    # No %YAML directive reaches this loader (see _libyaml_load): always YAML 1.2,
                    # without the two failed attribute look-ups per scalar of the inherited property.
                    return (1, 2)

            _C_LOADER = CRoundTripLoader
    return _C_LOADER


def _libyaml_load(text: str) -> object | None:
    """The round-trip data of `text` read by libyaml, or None where it would differ from the pure
    loader's, which then reads it: a text libyaml refuses (so an error reads exactly as before), one
    with a %directive (its YAML version would not reach the resolver) or a `!` that may be a tag
    (libyaml's composer reads `!!str 1` as a str, the pure loader as a TaggedScalar; parse_yaml reads
    such a text from libyaml's events instead). Two differences remain:
    anchor names are not kept, and an empty value (`key:`) is placed right after its key, where the
    pure parser puts it at the next token, which may be lines below. Hence only for readers that do
    not edit the file."""
    loader_class = _c_loader()
    if loader_class is None or "!" in text or text.startswith("%") or "\n%" in text:
        return None
    loader = loader_class(text)
    try:
        return loader.get_single_data()
    except Exception:  # noqa: BLE001 - any refusal: the pure parser gives the error, or the data
        return None
    finally:
        loader.dispose()


def _may_have_tag(text: str) -> bool:
    return "!" in text


def _recording_yaml(preserve_quotes: bool, events: list):
    """A round-trip loader whose parser also appends every event it hands out to `events`: an editor
    that needs the events' positions (patch.locate) gets them from the same parse as the data."""
    from ruamel.yaml.parser import Parser

    class RecordingParser(Parser):
        def get_event(self):
            event = super().get_event()
            events.append(event)
            return event

    yaml = _new_yaml("rt", preserve_quotes)
    yaml.Parser = RecordingParser
    return yaml


def parse_yaml(text: str, path: Path | str, *, round_trip: bool = True, preserve_quotes: bool = False,
               libyaml: bool = False, events: list | None = None) -> object:
    """The YAML 1.2 document in `text`, checked against the bounds above.

    round_trip gives ruamel's CommentedMaps (positions, `<<:` merges); otherwise plain dicts/lists.
    libyaml (round trip only, for readers that do not edit): parse with libyaml where it gives the
    same (see _libyaml_load). events (round trip): filled with the parser's events, libyaml's made
    the same as the pure parser's where libyaml can read the text (compose.libyaml_events).
    Every problem is a LoadError with the line where it is.
    """
    check_flow_depth(text, path)
    with paused_gc():
        return _parse_yaml(text, path, round_trip, preserve_quotes, libyaml, events)


@contextlib.contextmanager
def paused_gc():
    """The cyclic garbage collector off for a while: a parse allocates a few objects per character and
    none of them is garbage, yet each collection walks every object alive (a third of the CPU time of
    patching a 1.6 MB file went to collections; benchmarks/README.md, patch_big_s)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _parse_yaml(text: str, path: Path | str, round_trip: bool, preserve_quotes: bool, libyaml: bool,
                events: list | None) -> object:
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    from composegen.compose import libyaml_events

    data = _libyaml_load(text) if libyaml and round_trip and not preserve_quotes else None
    found = None
    if round_trip and (events is not None or (libyaml and data is None and _may_have_tag(text))):
        found = libyaml_events.events(text)
    try:
        if found is not None:
            if events is not None:
                events.extend(found)
            data = libyaml_events.load(found, preserve_quotes)
        elif events is not None:  # a fresh loader per call: it holds the list (and any %YAML version)
            data = _recording_yaml(preserve_quotes, events).load(text)
        elif data is None:
            # A %YAML 1.1 directive stays with the loader that read it (ruamel keeps the version): such
            # a text gets a loader of its own, so the next file is read as YAML 1.2 again.
            kind = "rt" if round_trip else "safe"
            loader = _new_yaml(kind, preserve_quotes) if _has_directive(text) else _yaml(kind, preserve_quotes)
            data = loader.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part) or "invalid YAML"
        if mark is None:
            raise LoadError(path, f"not valid YAML: {problem}") from None
        raise LoadError(path, f"not valid YAML: {problem}", mark.line + 1, mark.column + 1) from None
    except YAMLError as exc:
        first = str(exc).strip().splitlines()
        raise LoadError(path, f"not valid YAML: {first[0] if first else type(exc).__name__}") from None
    except RecursionError:
        raise LoadError(path, f"nested too deeply (more than {MAX_DEPTH} levels)") from None
    check_bounds(data, path)
    return data


def check_flow_depth(text: str, path: Path | str) -> None:
    """Refuse flow collections ([ ], { }) nested deeper than MAX_DEPTH before ruamel sees them: its
    scanner spends time in proportion to the nesting for every token (minutes for a few thousand
    levels) before the parser's recursion fails. Brackets are counted as written, even inside quotes
    or comments: counting more never lets a deep file through, and no real file has a hundred open."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for char in re.sub(r"[^\[\]{}]+", "", text):
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise LoadError(path, f"nested too deeply (more than {MAX_DEPTH} levels)")
        elif depth:
            depth -= 1


def check_bounds(data: object, path: Path | str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, recursive aliases, and more than MAX_EXPANDED_NODES nodes
    once aliases are expanded. Linear in the document: a shared (aliased) node is measured once."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: object, depth: int) -> int:
        if isinstance(node, dict):
            children = [item for pair in node.items() for item in pair]
        elif isinstance(node, (list, tuple)):
            children = list(node)
        else:
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        if depth > MAX_DEPTH:
            raise LoadError(path, f"nested too deeply (more than {MAX_DEPTH} levels)")
        if key in open_nodes:
            raise LoadError(path, "an alias refers to a node that contains it (a recursive alias)")
        open_nodes.add(key)
        total = 1
        for child in children:
            total += size(child, depth + 1)
            if total > MAX_EXPANDED_NODES:
                raise LoadError(path, f"expands to more than {MAX_EXPANDED_NODES} nodes (aliases repeated "
                                      f"too often: an alias bomb?)")
        open_nodes.discard(key)
        sizes[key] = total
        return total

    try:
        size(data, 0)
    except RecursionError:
        raise LoadError(path, f"nested too deeply (more than {MAX_DEPTH} levels)") from None


def load_yaml_file(path: Path | str, what: str = "file", *, round_trip: bool = False) -> object:
    """read_text + parse_yaml: a file's YAML document, bounded, or one LoadError."""
    return parse_yaml(read_text(path, what), path, round_trip=round_trip)
