"""The patch command's core: read, choose the service, plan, check, and write (or only tell).

Nothing is written before every check has passed; utils/ and data/ are written before the compose
file, so a compose file never refers to scripts that are not there. Each file is written atomically.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from composegen import stack
from composegen.compose.detect import PostgresService, environment_value, find_postgres_services
from composegen.errors import UserError
from composegen.fsutil import atomic_write
from composegen.compose.discovery import compose_file_in
from composegen.patch import migrate
from composegen.patch.edit import plan_service
from composegen.patch.lines import apply_edits
from composegen.patch.locate import aliased_anchors, parse_tree
from composegen.patch.source import SourceLines
from composegen.service_block import RuntimeOptions


@dataclass(frozen=True)
class PatchRequest:
    path: Path
    service: str | None = None
    # Runtime options given on the command line; None keeps the service's current value (or the default).
    schedule: str | None = None
    keep: int | None = None
    compression: str | None = None
    dry_run: bool = False
    check: bool = False
    migrate: bool = False
    fresh: bool = False


@dataclass
class PatchResult:
    path: Path
    service: str
    compose_changed: bool  # the compose file needs (or got) changes
    diff: str  # unified diff of the compose file ("" when unchanged)
    utils_changed: list[str]  # utils/ files written (or that would be): new or different from today's
    notes: list[str] = field(default_factory=list)
    dump: Path | None = None  # the migration dump taken before patching
    written: bool = False

    @property
    def up_to_date(self) -> bool:
        return not self.compose_changed and not self.utils_changed


@dataclass
class LoadedCompose:
    path: Path
    raw: bytes
    source: SourceLines
    data: object
    tree: object


def load_compose(path: Path) -> LoadedCompose:
    from ruamel.yaml.error import YAMLError

    from composegen.compose.load import decode, parse_yaml, read_bytes

    raw = read_bytes(path, "compose file")
    text = decode(raw, path, keep_bom=True)
    data = parse_yaml(text, path, preserve_quotes=True)  # values copied into the service keep their quoting
    try:
        tree = parse_tree(text)
    except YAMLError as exc:  # parse_yaml has read the same text: not expected, but one line if so
        raise UserError(f"{path}: YAML error: {str(exc).strip().splitlines()[0]}") from None
    except RecursionError:
        raise UserError(f"{path}: nested too deeply") from None
    services = data.get("services") if hasattr(data, "get") else None
    if not hasattr(services, "items") or tree is None or tree.kind != "map" or tree.get("services") is None:
        raise UserError(f"{path}: not a compose file (no `services:` mapping)")
    return LoadedCompose(path, raw, SourceLines.from_text(text), data, tree)


def choose_service(loaded: LoadedCompose, name: str | None) -> PostgresService:
    found = find_postgres_services(loaded.data)
    path = loaded.path
    if name is not None:
        matches = [service for service in found if service.name == name]
        if not matches:
            if name in loaded.data["services"]:
                raise UserError(f"{path}: service '{name}' does not run a Postgres image composegen knows")
            raise UserError(f"{path}: no service '{name}'")
        chosen = matches[0]
    else:
        patchable = [service for service in found if service.patchable]
        if not patchable:
            others = "; ".join(f"'{s.name}' ({s.image}): {s.reason}" for s in found)
            if others:
                raise UserError(f"{path}: no Postgres service composegen can patch: {others}")
            raise UserError(f"{path}: no Postgres service found")
        if len(patchable) > 1:
            names = ", ".join(s.name for s in patchable)
            raise UserError(f"{path}: {len(patchable)} Postgres services ({names}): choose one with --service NAME")
        chosen = patchable[0]
    if not chosen.patchable:
        raise UserError(f"{path}: service '{chosen.name}' ({chosen.image}) is not patched: {chosen.reason}")
    _refuse_incompatible(path, chosen)
    return chosen


def _refuse_incompatible(path: Path, service: PostgresService) -> None:
    mapping = service.mapping
    user = mapping.get("user")
    if user is not None and str(user).strip() not in ("0", "root", "0:0", "root:root"):
        raise UserError(f"{path}: service '{service.name}' runs as user '{user}': the setup needs the image to start "
                        f"as root (it creates {stack.CONTAINER_PGDATA} and hands it to its postgres user); "
                        f"remove `user:` from the service, then patch again")
    if mapping.get("read_only") is True:
        raise UserError(f"{path}: service '{service.name}' has a read-only root filesystem: the setup keeps the live "
                        f"database in the container layer at {stack.CONTAINER_PGDATA}; remove `read_only`, then patch again")


def _changed_utils(folder: Path) -> dict[str, str]:
    from composegen.utils_scripts import render_utils

    changed = {}
    for name, content in render_utils().items():
        target = folder / "utils" / name
        try:
            current = target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        mode_ok = target.exists() and (target.stat().st_mode & 0o777) == stack.UTILS_MODE
        if current != content or not mode_ok:
            changed[name] = content
    return changed


def _check_writable(folder: Path) -> None:
    """Probe by writing: permissions bits say nothing for root, read-only mounts say it only here."""
    for where in (folder / "utils", folder / "data"):
        if where.exists() and not where.is_dir():
            raise UserError(f"{where}: exists and is not a folder; composegen keeps its {where.name}/ folder there")
    for where in (folder, folder / "utils", folder / "data"):
        if not where.is_dir():
            continue
        try:
            fd, probe = tempfile.mkstemp(prefix=".composegen-probe.", dir=where)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            raise UserError(f"{where}: cannot write there ({exc.strerror})") from None


def unified_diff(path: Path, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{path.name}", tofile=f"b/{path.name}")
    out = []
    for line in lines:
        out.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def effective_options(request: PatchRequest, service: PostgresService) -> RuntimeOptions:
    """What was asked for, else what the service already runs with (a re-run keeps it), else the default."""
    def current(name: str, default: object) -> object:
        value = environment_value(service.mapping, name)
        return default if value in (None, "") else value

    from composegen import validate

    def option(name: str, asked: object, env: str, default: object, check) -> object:
        if asked is not None:
            return check(asked, "--" + name)
        value = current(env, default)
        # A value the runtime would refuse (hand-edited, or written by an older composegen) is not kept.
        try:
            check(value, env)
        except UserError as exc:
            raise UserError(f"service '{service.name}': {exc}; give --{name} to replace it") from None
        return value

    return RuntimeOptions(
        schedule=option("schedule", request.schedule, stack.ENV_SCHEDULE, stack.DEFAULT_SCHEDULE, validate.schedule),
        keep=option("keep", request.keep, stack.ENV_KEEP, stack.DEFAULT_KEEP, validate.keep),
        compression=option("compression", request.compression, stack.ENV_COMPRESSION, stack.DEFAULT_COMPRESSION,
                           validate.compression),
    )




def patch(request: PatchRequest) -> PatchResult:
    from composegen import validate

    path = compose_file_in(Path(request.path))
    if request.schedule is not None:
        validate.schedule(request.schedule)
    if request.keep is not None:
        validate.keep(request.keep)
    if request.migrate and request.fresh:
        raise UserError("--migrate and --fresh exclude each other: --migrate dumps existing data, --fresh says there is none")
    loaded = load_compose(path)
    service = choose_service(loaded, request.service)
    folder = path.parent if str(path.parent) else Path(".")

    options = effective_options(request, service)
    plan = plan_service(loaded.source, loaded.tree.get("services"), service, options,
                        remove_data_mounts=True, shared_anchors=frozenset(aliased_anchors(loaded.tree)))
    before = loaded.source.text()
    after = apply_edits(loaded.source, plan.edits).text()
    # Data the patched service would not start from: only asked while the setup is missing (and not by
    # --check, whose answer does not depend on it).
    risk = migrate.data_at_risk(service, folder) if after != before and not request.check else None
    utils = _changed_utils(folder)
    result = PatchResult(path, service.name, after != before, unified_diff(path, before, after), sorted(utils),
                         list(plan.notes))
    if request.check or request.dry_run:
        if risk is not None:
            how = "--migrate" if risk.containers else "--migrate (with the stack running) or --fresh"
            result.notes.append(f"service '{service.name}' keeps its data in {risk.description}: the real patch "
                                f"needs {how}")
        return result
    if after == before and not utils:
        return result

    container = None
    if risk is not None and not request.fresh:
        if not request.migrate:
            raise migrate.MigrationRequired(
                f"{path}: service '{service.name}' keeps its only copy of the data in {risk.description}: "
                f"after the patch it would start empty; nothing changed", migrate.migration_commands(path, service.name))
        container = migrate.running_container(risk, path, service.name)
    _check_writable(folder)

    data_dir = folder / "data"
    created_data = False
    if not data_dir.exists():
        data_dir.mkdir(mode=stack.DATA_DIR_MODE)
        created_data = True
    if container is not None:
        try:
            result.dump = migrate.take_dump(container.id, data_dir, options.compression)
        except BaseException:
            if created_data:
                data_dir.rmdir()
            raise
        result.notes.append(migrate.old_data_note(risk, service, container.id))
        result.notes.append("writes made after this dump are not in it: recreate the service now (`docker compose up "
                            "-d`); for a cut-over that loses no write, stop the services writing to it before "
                            "`patch --migrate`")
    elif risk is not None and request.fresh:
        result.notes.append(migrate.old_data_note(risk, service, None))
    if data_dir.stat().st_mode & 0o777 & ~stack.DATA_DIR_MODE:
        os.chmod(data_dir, stack.DATA_DIR_MODE)  # dumps are private (the seed's ./data is 0755)
    _write_utils(folder, utils)
    if after != before:
        # Through a symlink, the file it points to is replaced (the link stays a link).
        atomic_write(Path(os.path.realpath(path)), after.encode("utf-8"))
    result.written = True
    return result


def _write_utils(folder: Path, files: dict[str, str]) -> None:
    utils_dir = folder / "utils"
    if not utils_dir.exists():
        utils_dir.mkdir(mode=stack.UTILS_MODE)
        os.chmod(utils_dir, stack.UTILS_MODE)
    for name, content in files.items():
        atomic_write(utils_dir / name, content, mode=stack.UTILS_MODE)
