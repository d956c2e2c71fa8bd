"""The patch command's core: read, choose the service, plan, check, and write (or only tell).

Nothing is written before every check has passed; utils/ and data/ are written before the compose
file, so a compose file never refers to scripts that are not there. Each file is written atomically.
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from composegen import contract, stack
from composegen.compose.detect import PostgresService, environment_value, find_postgres_services, interpolate_defaults
from composegen.errors import UserError
from composegen.fsutil import atomic_write
from composegen.compose.files import StackFiles, stack_files
from composegen import image_config as image
from composegen.patch import migrate
from composegen.patch.edit import plan_service
from composegen.patch.lines import apply_edits
from composegen.patch.locate import aliased_anchors, tree_from_events
from composegen.patch.source import SourceLines
from composegen.service_block import RuntimeOptions, missing_setup


@dataclass(frozen=True)
class PatchRequest:
    path: Path | None  # a compose file or its folder (None: the current folder, or `files` alone)
    service: str | None = None
    # Runtime options given on the command line; None keeps the service's current value (or the default).
    schedule: str | None = None
    keep: int | None = None
    compression: str | None = None
    dry_run: bool = False
    check: bool = False
    migrate: bool = False
    fresh: bool = False
    env_files: tuple[Path, ...] = ()  # --env-file: Compose's variables (default: .env beside the file)
    files: tuple[Path, ...] = ()  # -f/--file: the main file, then the files Compose merges over it


@dataclass
class PatchResult:
    path: Path
    services: list[str]  # the services patched (or checked), in file order
    changed_services: list[str]  # those whose setup needs (or got) changes
    compose_changed: bool  # the compose file needs (or got) changes
    diff: str  # unified diff of the compose file ("" when unchanged)
    utils_changed: list[str]  # utils/ files written (or that would be): new or different from today's
    notes: list[str] = field(default_factory=list)
    dumps: list[Path] = field(default_factory=list)  # the migration dumps taken before patching
    dumps_folders: dict[str, str] = field(default_factory=dict)  # service -> its dumps folder (rule 18)
    gitignore_added: list[str] = field(default_factory=list)  # lines added (or that would be) to .gitignore
    missing: dict[str, list[str]] = field(default_factory=dict)  # service -> what it lacks of the setup
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
    from composegen.compose.load import decode, parse_yaml, paused_gc, read_bytes

    raw = read_bytes(path, "compose file")
    text = decode(raw, path, keep_bom=True)
    events: list = []
    # One parse gives both the data and the node positions the edits use (the parse is most of the time).
    data = parse_yaml(text, path, preserve_quotes=True, events=events)  # copied values keep their quoting
    try:
        with paused_gc():
            tree = tree_from_events(events)
    except RecursionError:
        raise UserError(f"{path}: nested too deeply") from None
    services = data.get("services") if hasattr(data, "get") else None
    if not hasattr(services, "items") or tree is None or tree.kind != "map" or tree.get("services") is None:
        raise UserError(f"{path}: not a compose file (no `services:` mapping)")
    return LoadedCompose(path, raw, SourceLines.from_text(text), data, tree)


def compose_project(loaded: LoadedCompose, env_files: tuple[Path, ...] = (), stack: StackFiles | None = None,
                    main_data: object = None):
    """Compose's view of the file (variables, overrides, extends, include); None when Compose could not
    read it either (say, a required variable unset): the file alone is read then."""
    from composegen.compose.project import load_project

    stack = stack or StackFiles(loaded.path)
    try:
        return load_project(loaded.path, env_files=list(env_files) or None, overrides=list(stack.overrides),
                            main_data=loaded.data if main_data is None else main_data,
                            auto_override=stack.auto_override)
    except UserError:
        if env_files or stack.explicit:
            raise  # an env file or a compose file the user named must be readable
        return None


def check_overrides_keep_setup(loaded: LoadedCompose, after: str, changed: list[str], project,
                               env_files: tuple[Path, ...], stack: StackFiles) -> None:
    """patch edits the main file only: refuse when a file merged over it (-f, COMPOSE_FILE or
    compose.override.yaml) sets, for a patched service, what the edits write, so that Compose's merged
    view would lack part of the setup."""
    from composegen.compose.load import parse_yaml

    if project is None or len(project.files) < 2 or not changed:
        return
    patched = compose_project(loaded, env_files, stack, main_data=parse_yaml(after, loaded.path))
    for name in changed:
        merged = patched.services.get(name) if patched is not None else None
        lacking = missing_setup(merged) if merged is not None else []
        if lacking:
            over = [str(path) for path in project.files[1:] if _defines(path, name)]
            raise UserError(f"{loaded.path}: service '{name}' is also set in {', '.join(over) or 'a file merged over it'}, "
                            f"which overrides what patch writes ({'; '.join(lacking)}): move those keys of '{name}' "
                            f"into {loaded.path.name}, then patch; nothing changed")


def _defines(path: Path, name: str) -> bool:
    return _defines_key(path, name, None)


def _defines_key(path: Path, name: str, key: str | None) -> bool:
    """Whether the compose file at `path` itself defines service `name` (and in it `key`, when given)."""
    from composegen.compose.load import LoadError, load_yaml_file

    try:
        data = load_yaml_file(path, "compose file")
    except LoadError:
        return False
    services = data.get("services") if isinstance(data, dict) else None
    service = services.get(name) if isinstance(services, dict) else None
    if key is None:
        return isinstance(services, dict) and name in services
    return isinstance(service, dict) and key in service


def choose_services(loaded: LoadedCompose, name: str | None, project=None,
                    everything: list[PostgresService] | None = None) -> list[PostgresService]:
    """The services to patch: `name`, or every Postgres service composegen can patch (rule 18).
    `everything`: find_postgres_services of the file, when the caller has it already."""
    if everything is None:
        everything = find_postgres_services(loaded.data, project)
    elsewhere = {s.name: s for s in everything if s.defined_in is not None}
    found = [s for s in everything if s.defined_in is None]
    path = loaded.path
    if name is not None and name in elsewhere:
        raise UserError(f"{path}: service '{name}' is defined in {elsewhere[name].defined_in}, not in this file: "
                        f"patch that file")
    if name is not None:
        matches = [service for service in found if service.name == name]
        if not matches:
            if name not in loaded.data["services"]:
                raise UserError(f"{path}: no service '{name}'")
            matches = [_named_unknown_image(loaded, name, project)]
        chosen = matches
    else:
        chosen = [service for service in found if service.patchable]
        if not chosen:
            others = "; ".join(f"'{s.name}' ({s.image}): {s.reason}" for s in found)
            if others:
                raise UserError(f"{path}: no Postgres service composegen can patch: {others}")
            raise UserError(f"{path}: no Postgres service found")
    for service in chosen:
        if not service.patchable:
            raise UserError(f"{path}: service '{service.name}' ({service.image}) is not patched: {service.reason}")
        _refuse_incompatible(path, service)
    return chosen


def _named_unknown_image(loaded: LoadedCompose, name: str, project) -> PostgresService:
    """A service chosen by name whose image composegen does not know by name: accepted when the image's
    config shows the official contract (rule 16), else refused with the reason."""
    entry = loaded.data["services"][name]
    raw = entry.get("image") if hasattr(entry, "get") else None
    lookup = project.lookup if project is not None else None
    image_name = interpolate_defaults(str(raw).strip(), lookup=lookup) if isinstance(raw, str) else None
    if not image_name:
        raise UserError(f"{loaded.path}: service '{name}' does not run a Postgres image composegen knows: it names "
                        f"no image composegen can inspect ({'no `image:`' if raw is None else repr(raw)})")
    problem = image.contract_problem(image_name)
    if problem is not None:
        raise UserError(f"{loaded.path}: service '{name}' does not run a Postgres image composegen knows by name, "
                        f"and {problem}")
    reason = f"{image_name} keeps the official postgres image's contract (its config, as docker image inspect shows it)"
    found = [s for s in find_postgres_services(loaded.data, project, accepted={name: reason}) if s.name == name]
    if not found:
        raise UserError(f"{loaded.path}: service '{name}' runs only client tools (entrypoint `sh -c ...`): "
                        f"it holds no database")
    return found[0]


def refusal(service: PostgresService) -> str | None:
    """Why patch would refuse `service` as it is (what the user changes first), or None.
    lint's CG001 says the same instead of suggesting a patch that would be refused."""
    mapping = service.mapping
    if mapping.get("read_only") is True:
        return (f"service '{service.name}' has a read-only root filesystem: the live database would have to "
                f"live on a tmpfs instead of the container layer, and a crash (kill -9, out of memory, the "
                f"postmaster dying) would then lose every write since the last dump (rule 14: the live data "
                f"survives a crash), while a volume instead would keep a copy of PGDATA after `docker compose "
                f"down` (rule 14 too); remove `read_only`, then patch again")
    return None


def _refuse_incompatible(path: Path, service: PostgresService) -> None:
    reason = refusal(service)
    if reason is not None:
        raise UserError(f"{path}: {reason}")


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


def _utils_link(folder: Path) -> str | None:
    """A note when utils/ is a link inside the folder (followed); a link out of it, or to nothing, is
    refused: the scripts would land in a folder the stack does not own."""
    utils = folder / "utils"
    if not utils.is_symlink():
        return None
    root, real = Path(os.path.realpath(folder)), Path(os.path.realpath(utils))
    if not real.is_relative_to(root) or not real.is_dir():
        where = f"outside {folder}/" if real.is_dir() else "which does not exist"
        raise UserError(f"{utils} is a link to {os.readlink(utils)}, {where}: composegen does not write its "
                        f"scripts through it; replace the link with the folder itself")
    return f"utils is a link to {real.relative_to(root)}: writing there"


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
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    out = [f"--- a/{path.name}\n", f"+++ b/{path.name}\n"]
    for group in _TrimmedMatcher(a, b).get_grouped_opcodes(3):
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in a[i1:i2])
                continue
            out.extend("-" + line for line in a[i1:i2])
            out.extend("+" + line for line in b[j1:j2])
    if len(out) == 2:
        return ""
    return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
                   for line in out)


def _range(start: int, stop: int) -> str:
    """A hunk's range as unified diffs write it (difflib's own format)."""
    length = stop - start
    if length == 1:
        return f"{start + 1}"
    return f"{start + 1 if length else start},{length}"


class _TrimmedMatcher(difflib.SequenceMatcher):
    """difflib's matcher on what lies between the common first and last lines only: the lines of a big
    compose file repeat (`restart: always` in every service), and difflib's search for the longest match
    grows with the file times the repeats (4 s of a 1.6 MB file's patch). An edit touches one region."""

    def __init__(self, a: list[str], b: list[str]) -> None:
        super().__init__(None, [], [])  # not a, b: difflib would index every line of b (a second per MB)
        self._a, self._b = a, b

    def get_opcodes(self):
        a, b = self._a, self._b
        head, most = 0, min(len(a), len(b))
        while head < most and a[head] == b[head]:
            head += 1
        tail = 0
        while tail < most - head and a[len(a) - 1 - tail] == b[len(b) - 1 - tail]:
            tail += 1
        inner = difflib.SequenceMatcher(None, a[head:len(a) - tail], b[head:len(b) - tail]).get_opcodes()
        codes = [("equal", 0, head, 0, head)] if head else []
        codes += [(tag, i1 + head, i2 + head, j1 + head, j2 + head) for tag, i1, i2, j1, j2 in inner]
        if tail:
            codes.append(("equal", len(a) - tail, len(a), len(b) - tail, len(b)))
        return codes


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

    try:
        run = image.run_of(service.image, service.image_ref)
        entrypoint_env = run.entrypoint_env
    except UserError:
        from composegen.compose.detect import carries_setup

        if not carries_setup(service.mapping):
            raise
        # Already patched (or written by init), image not here to inspect: what the service runs stays.
        run = image.ImageRun((), tuple(stack.OFFICIAL_CMD), "the service as it is")
        entrypoint_env = environment_value(service.mapping, stack.ENV_ENTRYPOINT) or None
    user = service.mapping.get("user")
    return RuntimeOptions(
        user=None if user is None else str(user),
        image_entrypoint=entrypoint_env,
        image_cmd=run.cmd or tuple(stack.OFFICIAL_CMD),
        schedule=option("schedule", request.schedule, contract.ENV_SCHEDULE, contract.DEFAULT_SCHEDULE, validate.schedule),
        keep=option("keep", request.keep, contract.ENV_KEEP, contract.DEFAULT_KEEP, validate.keep),
        compression=option("compression", request.compression, contract.ENV_COMPRESSION, contract.DEFAULT_COMPRESSION,
                           validate.compression),
    )




def patch(request: PatchRequest) -> PatchResult:
    from composegen import validate
    from composegen.compose import dumps_layout

    stack = stack_files(request.path, request.files, request.env_files)
    path = stack.main
    if request.schedule is not None:
        validate.schedule(request.schedule)
    if request.keep is not None:
        validate.keep(request.keep)
    if request.migrate and request.fresh:
        raise UserError("--migrate and --fresh exclude each other: --migrate dumps existing data, --fresh says there is none")
    loaded = load_compose(path)
    project = compose_project(loaded, request.env_files, stack)
    everything = find_postgres_services(loaded.data, project)  # once: it walks every service of the file
    services = choose_services(loaded, request.service, project, everything)
    folder = path.parent if str(path.parent) else Path(".")
    # Rule 18: the layout is decided over every Postgres service of the file, so patching one at a
    # time (--service) gives the same folders as patching all at once.
    every = [s for s in everything if s.patchable and s.defined_in is None]
    every += [s for s in services if s.name not in {known.name for known in every}]  # --service, rule 16
    layout = dumps_layout.assign([(s.name, s.mapping) for s in every])

    shared_anchors = frozenset(aliased_anchors(loaded.tree))
    edits, notes, changed, options_of = [], [], [], {}
    before = loaded.source.text()
    for service in services:
        options_of[service.name] = options = effective_options(request, service)
        plan = plan_service(loaded.source, loaded.tree.get("services"), service, options, remove_data_mounts=True,
                            shared_anchors=shared_anchors, dumps_folder=layout[service.name].folder)
        if plan.edits:
            changed.append(service.name)
        edits.extend(plan.edits)
        notes.extend(plan.notes)
    after = apply_edits(loaded.source, edits).text()
    check_overrides_keep_setup(loaded, after, changed, project, request.env_files, stack)
    notes.extend(_moved_dumps_notes([layout[s.name] for s in services], path))
    # Data the patched services would not start from: only asked while the setup is missing (and not by
    # --check, whose answer does not depend on it).
    risks = {}
    if not request.check:
        for service in services:
            if service.name in changed:
                risk = migrate.data_at_risk(service, folder)
                if risk is not None:
                    risks[service.name] = risk
    utils = _changed_utils(folder)
    from composegen.patch import gitignore

    ignore_lines = gitignore.lines_to_add(folder)
    result = PatchResult(path, [s.name for s in services], changed, after != before,
                         unified_diff(path, before, after), sorted(utils), notes,
                         dumps_folders={s.name: layout[s.name].folder for s in services},
                         gitignore_added=ignore_lines,
                         missing={s.name: missing_setup(s.mapping) for s in services if s.name in changed})
    if request.check or request.dry_run:
        for name, risk in risks.items():
            how = "--migrate" if risk.containers else "--migrate (with the stack running) or --fresh"
            result.notes.append(f"service '{name}' keeps its data in {risk.description}: the real patch needs {how}")
        return result
    if after == before and not utils and not ignore_lines:
        return result

    containers = {}
    if risks and not request.fresh:
        if not request.migrate:
            name, risk = next(iter(risks.items()))
            raise migrate.MigrationRequired(
                f"{path}: service '{name}' keeps its only copy of the data in {risk.description}: "
                f"after the patch it would start empty; nothing changed", migrate.migration_commands(path, name))
        containers = {name: migrate.running_container(risk, path, name) for name, risk in risks.items()}
    link_note = _utils_link(folder) if utils else None
    if link_note:
        result.notes.append(link_note)
    _check_writable(folder)

    created: list[Path] = []
    try:
        for service in services:
            data_dir = _dumps_dir(folder, layout[service.name].folder, created)
            container = containers.get(service.name)
            if container is not None:
                result.dumps.append(migrate.take_dump(container.id, data_dir, options_of[service.name].compression))
                result.notes.append(migrate.old_data_note(risks[service.name], service, container.id))
                result.notes.append(f"writes made to '{service.name}' after this dump are not in it: recreate the "
                                    f"service now (`docker compose up -d`); for a cut-over that loses no write, stop "
                                    f"the services writing to it before `patch --migrate`")
            elif service.name in risks and request.fresh:
                result.notes.append(migrate.old_data_note(risks[service.name], service, None))
            owner_note = _give_dumps_dir(data_dir, service)
            if owner_note:
                result.notes.append(owner_note)
    except BaseException:
        for made in reversed(created):
            try:
                made.rmdir()
            except OSError:
                pass
        raise
    _write_utils(folder, utils)
    if ignore_lines:
        atomic_write(Path(os.path.realpath(folder / ".gitignore")), gitignore.with_lines(folder, ignore_lines))
    if after != before:
        # Through a symlink, the file it points to is replaced (the link stays a link).
        atomic_write(Path(os.path.realpath(path)), after.encode("utf-8"))
    result.written = True
    return result


def _dumps_dir(folder: Path, written: str, created: list[Path]) -> Path:
    """The service's dumps folder on the host, made private (dumps hold the whole database)."""
    data_dir = folder / written if not written.startswith("/") else Path(written)
    for part in reversed([data_dir, *data_dir.parents]):
        if part == folder or part in folder.parents or part.exists():
            continue
        part.mkdir(mode=stack.DATA_DIR_MODE)
        created.append(part)
    if data_dir.stat().st_mode & 0o777 & ~stack.DATA_DIR_MODE:
        os.chmod(data_dir, stack.DATA_DIR_MODE)  # dumps are private (the seed's ./data is 0755)
    return data_dir


def _give_dumps_dir(data_dir: Path, service: PostgresService) -> str | None:
    """Rule 19: a service with `user:` writes and reads its dumps as that uid. Root gives it the folder
    and what it holds (a migration dump); otherwise the note says the one command to run."""
    from composegen.fsutil import chown_command

    user = service.mapping.get("user")
    if stack.runs_as_root(user):
        return None
    text = str(user).strip()
    match = re.fullmatch(r"([0-9]{1,10})(?::([0-9]{1,10}))?", text)
    if match is None:
        return (f"service '{service.name}' runs as '{text}', a name composegen cannot resolve on this host: "
                f"{data_dir} must belong to that user of the image (its dumps are written there), or the "
                f"container refuses to start")
    uid, gid = int(match.group(1)), int(match.group(2)) if match.group(2) else -1
    paths = [data_dir, *sorted(data_dir.iterdir())]
    if all(p.lstat().st_uid == uid and gid in (-1, p.lstat().st_gid) for p in paths):
        return None
    if os.geteuid() == 0:
        for p in paths:
            os.lchown(p, uid, gid)
        return None
    return (f"service '{service.name}' runs as {text} and writes its dumps into {data_dir}, which must belong "
            f"to it; not running as root, so run: {chown_command([(data_dir, text)], recursive=True)}")


def _moved_dumps_notes(assignments: list, path: Path) -> list[str]:
    """What the user does so that each service's dumps end up in its own folder (nothing is moved or
    deleted here: which dump belongs to which service is known only to the running containers)."""
    notes = []
    for assignment in assignments:
        if not assignment.moves:
            continue
        name, old, new = assignment.service, assignment.previous, assignment.folder
        if assignment.shared_with:
            others = ", ".join(f"'{other}'" for other in assignment.shared_with)
            notes.append(f"service '{name}' shared its dumps folder {old} with {others}: its dumps now go to {new}; "
                         f"the dumps in {old} are left as they are (they mix services)")
        else:
            notes.append(f"service '{name}' now keeps its dumps in {new} (it was {old}, which is now the parent of "
                         f"every service's folder); its dumps in {old} are left as they are")
        notes.append(f"before recreating '{name}', give it a fresh dump in its folder: `docker compose -f {path} stop "
                     f"{name}` (its last dump goes to {old}), move the newest cluster-*.sql.* of {old} that "
                     f"stop wrote into {new}/, then `docker compose -f {path} up -d {name}`; do one service at a time")
    return notes


def _write_utils(folder: Path, files: dict[str, str]) -> None:
    utils_dir = folder / "utils"
    if not utils_dir.exists():
        utils_dir.mkdir(mode=stack.UTILS_MODE)
        os.chmod(utils_dir, stack.UTILS_MODE)
    for name, content in files.items():
        atomic_write(utils_dir / name, content, mode=stack.UTILS_MODE)
