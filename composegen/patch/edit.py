"""The line edits that give one Postgres service the setup, touching no other line of the file.

Each setup key is handled on its own: left alone when it already does what the setup needs (or is
what the user had and is kept on purpose), changed in place when the service owns it, or added to
the service when it is absent or comes from a `<<:` merge (so a shared anchor is never changed).
Inside block collections that the service owns, entries are added or removed one by one, so the
user's comments and other entries stay; flow-style values are rewritten whole, in block style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from composegen import contract, stack
from composegen.compose.detect import PostgresService, interpolate_defaults
from composegen.compose.model import command_words, duration_seconds, healthcheck_runs_a_dump, parse_volume, split_volume_spec
from composegen.errors import UserError
from composegen.patch.lines import LineEdit, trim_trailing_blanks
from composegen.patch.locate import Node, anchors_within
from composegen.patch.source import SourceLines, indentation, is_comment
from composegen.service_block import RuntimeOptions, emit_key, grace_is_enough, postgres_service_keys, runtime_environment

SETUP_VOLUMES = (stack.VOLUME_DUMPS, stack.VOLUME_UTILS, stack.VOLUME_RESTORE)
_SETUP_TARGETS = {split_volume_spec(spec)[1] for spec in SETUP_VOLUMES}


def setup_volumes(dumps_folder: str) -> tuple[str, ...]:
    """The setup's mounts with the service's own dumps folder (rule 18: `./data`, or `./data/<service>`)."""
    dumps = f"{dumps_folder}:{contract.DUMPS_DIR}"
    return tuple(dumps if spec == stack.VOLUME_DUMPS else spec for spec in SETUP_VOLUMES)
_INITDB_DIR = "/docker-entrypoint-initdb.d"


@dataclass
class Plan:
    edits: list[LineEdit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was kept on purpose, for the user


def plan_service(source: SourceLines, services_node: Node, service: PostgresService, options: RuntimeOptions,
                 *, remove_data_mounts: bool, shared_anchors: frozenset[str] = frozenset(),
                 dumps_folder: str = "./data") -> Plan:
    """`shared_anchors`: anchors that aliases refer to; text defining one of them is never changed
    (another service would change with it)."""
    node = services_node.get(service.name)
    key_node = services_node.key_node(service.name)
    if node is None or node.kind != "map":
        raise UserError(f"service '{service.name}' is not a mapping")
    if node.anchor in shared_anchors:
        raise UserError(f"service '{service.name}' is anchored (&{node.anchor}) and reused elsewhere: patching it "
                        f"would change the services that reuse it too; give them their own keys, then patch again")
    if node.flow:
        shared = [name for name in anchors_within(node) if name in shared_anchors]
        if shared:
            raise UserError(f"service '{service.name}' defines &{shared[0]}, which other keys reuse: patching it would "
                            f"change them too; move the anchor to an x- field, then patch again")
        return _plan_flow_service(source, key_node, node, service, options, remove_data_mounts=remove_data_mounts,
                                  dumps_folder=dumps_folder)
    editor = _ServiceEditor(source, key_node, node, service, options, shared_anchors, dumps_folder)
    editor.run(remove_data_mounts)
    return editor.plan


def _plan_flow_service(source: SourceLines, key_node: Node, node: Node, service: PostgresService,
                       options: RuntimeOptions, *, remove_data_mounts: bool, dumps_folder: str) -> Plan:
    """A service written `db: {image: postgres:16, ...}`: rewritten in block style with the setup.

    Its lines are rewritten whole (they are the service's own lines); the rest of the file stays.
    """
    from ruamel.yaml import YAML

    from composegen.compose.detect import find_postgres_services
    from composegen.patch.lines import apply_edits
    from composegen.patch.locate import parse_tree

    first, last = key_node.start[0], node.last_line
    before_key = source.body(first)[: key_node.start[1]]
    after_value = source.body(last)[node.end[1]:] if node.end[0] == last else ""
    if before_key.strip() or (after_value.strip() and not after_value.strip().startswith("#")):
        raise UserError(f"service '{service.name}' shares line {first + 1} with other YAML: write it on lines of "
                        f"its own, then patch again")
    if any(k.value == "<<" for k, _ in node.pairs):
        raise UserError(f"service '{service.name}' is a flow-style mapping with a `<<:` merge (line {first + 1}): "
                        f"write it in block style, then patch again")
    col = key_node.start[1]
    block = emit_key(service.name, {str(k): v for k, v in service.mapping.items()}, col, 2)
    # The service alone, in block style, under a stand-in `services:` key, then patched like any other.
    snippet_text = ("services:\n" if col else "") + block
    snippet = SourceLines.from_text(snippet_text)
    data = YAML(typ="rt").load(snippet_text)
    tree = parse_tree(snippet_text)
    services_node = tree.get("services") if col else tree
    [snippet_service] = [s for s in find_postgres_services(data if col else {"services": data})
                         if s.name == service.name]
    inner = plan_service(snippet, services_node, snippet_service, options, remove_data_mounts=remove_data_mounts,
                         dumps_folder=dumps_folder)
    patched = apply_edits(snippet, inner.edits)
    lines = [patched.body(index) for index in range(1 if col else 0, len(patched.lines))]
    comment = after_value.strip()
    if comment:  # the comment that followed the flow mapping stays on the service's line
        lines[0] = f"{lines[0]}  {comment}"
    return Plan([LineEdit(first, last + 1, tuple(lines))], inner.notes)


def _duration_seconds(value: object) -> float | None:
    text = interpolate_defaults(str(value).strip()) if value is not None else None
    return duration_seconds(text) if text else None


def _scalar_text(value: object) -> str:
    """`value` as a YAML scalar, quoted by the emitter as it needs (never pasted raw)."""
    text = emit_key("k", value, 0)
    assert text.startswith("k: ") and text.count("\n") == 1, text
    return text[3:].rstrip("\n")


def _volume_target(item: object) -> str | None:
    parsed = parse_volume(item)
    return parsed[1] if parsed else None


def _volume_source(item: object) -> str | None:
    parsed = parse_volume(item)
    return parsed[0] if parsed else None


def healthcheck_is_off(healthcheck: object) -> bool:
    if not hasattr(healthcheck, "get"):
        return True
    return healthcheck.get("disable") is True or command_words(healthcheck.get("test"))[:1] == ["NONE"]


class _ServiceEditor:
    def __init__(self, source: SourceLines, key_node: Node, node: Node, service: PostgresService,
                 options: RuntimeOptions, shared_anchors: frozenset[str] = frozenset(),
                 dumps_folder: str = "./data") -> None:
        self.source = source
        self.setup_volumes = setup_volumes(dumps_folder)
        self.shared_anchors = shared_anchors
        self.node = node
        self.data = service.mapping
        self.service = service
        self.options = options
        self.plan = Plan()
        self.additions: list[str] = []  # lines of keys added at the end of the service
        self.key_col = node.pairs[0][0].start[1]
        step = self.key_col - key_node.start[1]
        self.step = step if step > 0 else 2

    # -- the setup, key by key ------------------------------------------------------------------
    def run(self, remove_data_mounts: bool) -> None:
        keys = postgres_service_keys()
        restart = self.data.get("restart")
        if restart is None:
            self._set("restart", keys["restart"])
        elif str(restart) in ("no", "False", "false"):
            self.plan.notes.append(f"kept restart: {restart}: after a crash or a failed restore the database stays "
                                   f"down (the setup uses {keys['restart']})")
        if command_words(self.data.get("entrypoint")) != list(stack.ENTRYPOINT):
            self._set("entrypoint", keys["entrypoint"])
        if self.data.get("command") is None:
            # The image's own CMD (rule 16): Compose drops it once the service sets `entrypoint:`.
            self._set("command", list(self.options.image_cmd))
        self._environment()
        self._volumes(remove_data_mounts)
        self._tmpfs()
        stop_signal = str(self.data.get("stop_signal") or "")
        if stop_signal.upper().removeprefix("SIG") == "INT":
            # The entrypoint stops the same way on SIGINT as on SIGTERM: the user's choice stays.
            self.plan.notes.append(f"kept stop_signal: {stop_signal} (the entrypoint handles it as it does SIGTERM)")
        elif stop_signal != stack.STOP_SIGNAL:
            self._set("stop_signal", keys["stop_signal"])
        self._grace_period(keys["stop_grace_period"])
        self._healthcheck(keys["healthcheck"])
        if self.additions:
            after = trim_trailing_blanks(self.source, self.node.start[0], self.node.last_line)
            # Comment lines indented deeper than the service's keys belong to its last value: keep them there.
            while (after + 1 < len(self.source.lines) and is_comment(self.source.lines[after + 1])
                   and indentation(self.source.lines[after + 1]) > self.key_col):
                after += 1
            self.plan.edits.append(LineEdit(after + 1, after + 1, tuple(self.additions)))

    def _grace_period(self, wanted: str) -> None:
        current = self.data.get("stop_grace_period")
        if current is None:
            self._set("stop_grace_period", wanted)
            return
        seconds = _duration_seconds(current)
        if seconds is None:
            self.plan.notes.append(f"kept stop_grace_period {current} (not a duration composegen can read; "
                                   f"the final dump needs up to {wanted})")
        elif grace_is_enough(seconds):
            if _duration_seconds(wanted) != seconds:
                self.plan.notes.append(f"kept the longer stop_grace_period {current}")
        else:
            self._set("stop_grace_period", wanted)

    def _healthcheck(self, wanted: dict) -> None:
        """The setup's check replaces the seed's dump-as-healthcheck and a disabled one. A readiness check
        the user had becomes /utils/healthcheck (ready, not mid-restore, last dump not failed: a plain
        pg_isready answers "ready" over the socket while a restore is still loading), keeping the user's
        timings; its start period is raised to the setup's, which a long restore needs."""
        current = self.data.get("healthcheck")
        if current is None or healthcheck_is_off(current) or healthcheck_runs_a_dump(current):
            self._set("healthcheck", wanted)
            return
        if command_words(current.get("test"))[1:] == list(stack.HEALTHCHECK_TEST[1:]):
            return
        start = _duration_seconds(current.get("start_period"))
        raise_start = start is None or start < _duration_seconds(wanted["start_period"])
        own = self._own("healthcheck")
        if own is not None and own.kind == "map" and not own.flow and own.key_node("test") is not None:
            self._guard(own, "healthcheck")
            col = own.pairs[0][0].start[1]
            test = own.get("test")
            # Emitted inside its parent key, where the emitter writes `test` in flow style as init does.
            test_text = emit_key("healthcheck", {"test": list(stack.HEALTHCHECK_TEST)}, 0, self.step)
            test_line = " " * col + test_text.splitlines()[1].lstrip() + "\n"
            self._replace_lines(own.key_node("test").start[0], test.last_line, test_line)
            if raise_start:
                if own.key_node("start_period") is not None:
                    value = own.get("start_period")
                    self._replace_lines(own.key_node("start_period").start[0], value.last_line,
                                        emit_key("start_period", wanted["start_period"], col, self.step))
                else:
                    self._insert_after(own.last_line, own.start[0],
                                       emit_key("start_period", wanted["start_period"], col, self.step))
        else:
            merged = {str(key): value for key, value in current.items()}
            merged["test"] = list(stack.HEALTHCHECK_TEST)
            if raise_start:
                merged["start_period"] = wanted["start_period"]
            self._set("healthcheck", merged)
        self.plan.notes.append(f"healthcheck: {stack.HEALTHCHECK_TEST[1]} replaces the readiness test (it checks "
                               "readiness too, and that no restore is running and the last dump did not fail); "
                               "your interval, timeout and retries are kept")

    def _environment(self) -> None:
        wanted = runtime_environment(self.options)
        own = self._own("environment")
        current = self.data.get("environment")
        if own is not None and not own.flow and own.kind in ("map", "seq") and (own.pairs or own.items):
            if own.kind == "map":
                self._map_entries(own, wanted)
            else:
                self._list_env_entries(own, wanted)
            return
        # Absent, flow style, or merged in from an anchor: write the service's own key in full.
        if isinstance(current, list):
            entries = [str(item) for item in current if not str(item).partition("=")[0].strip() in wanted]
            new_value: object = entries + [f"{name}={value}" for name, value in wanted.items()]
            if [str(item) for item in current] == new_value:
                return
        else:
            merged = dict(current.items()) if hasattr(current, "items") else {}
            if all(str(merged.get(name)) == value for name, value in wanted.items()):
                return
            merged.update(wanted)
            new_value = merged
        self._set("environment", new_value)

    def _map_entries(self, mapping: Node, wanted: dict[str, str]) -> None:
        self._guard(mapping, "environment")
        col = mapping.pairs[0][0].start[1]
        missing = []
        for name, value in wanted.items():
            key = mapping.key_node(name)
            if key is None:
                missing.append(emit_key(name, value, col, self.step))
                continue
            current = mapping.get(name)
            if current.kind == "scalar" and current.value == value:
                continue
            self._replace_lines(key.start[0], current.last_line, emit_key(name, value, col, self.step))
        if missing:
            self._insert_after(mapping.last_line, mapping.start[0], "".join(missing))

    def _list_env_entries(self, seq: Node, wanted: dict[str, str]) -> None:
        self._guard(seq, "environment")
        dash_col = self._dash_col(seq)
        by_name = {}
        for item in seq.items:
            if item.kind == "scalar":
                by_name.setdefault(item.value.partition("=")[0].strip(), item)
        missing = []
        for name, value in wanted.items():
            line = " " * dash_col + "- " + _scalar_text(f"{name}={value}")
            item = by_name.get(name)
            if item is None:
                missing.append(line)
            elif item.value != f"{name}={value}":
                self._replace_lines(item.start[0], item.last_line, line + "\n")
        if missing:
            self._insert_after(seq.last_line, seq.start[0], "\n".join(missing) + "\n")

    def _volumes(self, remove_data_mounts: bool) -> None:
        data_mount_indexes = {mount.index for mount in self.service.data_mounts} if remove_data_mounts else set()
        current = self.data.get("volumes")
        items = list(current) if isinstance(current, list) else []

        def unwanted(index: int, item: object) -> bool:
            if index in data_mount_indexes:
                return True
            text = item.strip() if isinstance(item, str) else None
            if text in self.setup_volumes:
                return False
            target = _volume_target(item)
            if target in _SETUP_TARGETS:
                return True  # the same path mounted from elsewhere: the setup's mount replaces it
            # The seed keeps its dumps in ./data mounted as the init folder: the image would load them all.
            source = (_volume_source(item) or "").rstrip("/")
            return target == _INITDB_DIR and source in ("./data", "data")

        drop = [index for index, item in enumerate(items) if unwanted(index, item)]
        present = {item.strip() for item in items if isinstance(item, str)}
        missing = [spec for spec in self.setup_volumes if spec not in present]
        if not drop and not missing:
            return
        own = self._own("volumes")
        if own is not None and own.kind == "seq" and not own.flow and own.items:
            self._guard(own, "volumes")
            dash_col = self._dash_col(own)
            for index in drop:
                item = own.items[index]
                self._replace_lines(item.start[0], item.last_line, "")
            if missing:
                text = "".join(" " * dash_col + "- " + _scalar_text(spec) + "\n" for spec in missing)
                kept = [item for index, item in enumerate(own.items) if index not in drop]
                if kept:
                    self._insert_after(kept[-1].last_line, own.start[0], text)
                else:  # where the first removed entry was, so comments around the list stay around it
                    first = own.items[drop[0]].start[0]
                    self.plan.edits.append(LineEdit(first, first, tuple(text.splitlines())))
            return
        kept = [item for index, item in enumerate(items) if index not in drop]
        self._set("volumes", kept + [spec for spec in missing])

    def _tmpfs(self) -> None:
        current = self.data.get("tmpfs")
        items = [current] if isinstance(current, str) else list(current) if isinstance(current, list) else []
        present = {str(item).split(":")[0].rstrip("/") for item in items}
        missing = [path for path in stack.VOLUME_PATHS if path not in present]
        if not missing:
            return
        own = self._own("tmpfs")
        if own is not None and own.kind == "seq" and not own.flow and own.items:
            self._guard(own, "tmpfs")
            dash_col = self._dash_col(own)
            text = "".join(" " * dash_col + "- " + _scalar_text(path) + "\n" for path in missing)
            self._insert_after(own.last_line, own.start[0], text)
            return
        self._set("tmpfs", [str(item) for item in items] + missing)

    # -- text operations -------------------------------------------------------------------------
    def _own(self, key: str) -> Node | None:
        return self.node.get(key)

    def _set(self, key: str, value: object) -> None:
        """Give the service its own `key: value`: in place when it owns the key, else added at its end."""
        text = emit_key(key, value, self.key_col, self.step)
        key_node = self.node.key_node(key)
        if key_node is None:
            self.additions.extend(text.splitlines())
            return
        self._guard(self.node.get(key), key)
        self._replace_lines(key_node.start[0], self.node.get(key).last_line, text)

    def _guard(self, node: Node, key: str) -> None:
        shared = [name for name in anchors_within(node) if name in self.shared_anchors]
        if shared:
            raise UserError(f"service '{self.service.name}': its {key} defines &{shared[0]} (line {node.start[0] + 1}), "
                            f"which other keys reuse: patching it would change them too; move the anchor to an "
                            f"x- field, then patch again")

    def _replace_lines(self, first: int, last: int, text: str) -> None:
        last = trim_trailing_blanks(self.source, first, last)
        self.plan.edits.append(LineEdit(first, last + 1, tuple(text.splitlines())))

    def _insert_after(self, last: int, first: int, text: str) -> None:
        last = trim_trailing_blanks(self.source, first, last)
        self.plan.edits.append(LineEdit(last + 1, last + 1, tuple(text.splitlines())))

    def _dash_col(self, seq: Node) -> int:
        line = self.source.lines[seq.items[0].start[0]]
        col = indentation(line)
        return col if line[col:col + 1] == "-" else seq.items[0].start[1] - 2
