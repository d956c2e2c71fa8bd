"""The core of `composegen init`: plan a stack folder from a spec, then write it.

`plan_init` decides everything (and refuses bad targets) before anything is written, so a refused
command changes nothing and `--dry-run` shows exactly what a real run writes. `write_plan` writes a
new folder all at once (built beside it, then renamed); with --force it rewrites the generated files
of an existing folder one by one (each atomically) and never touches data/ or an existing secret.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from composegen import contract, stack
from composegen.errors import UserError
from composegen.service_block import RuntimeOptions
from composegen.spec import (
    CACHE,
    DB_HOST,
    MIGRATION,
    PASSWORD_SECRET,
    ExtraService,
    ServiceSpec,
    compose_env_value,
    compose_literal,
    interpolation,
)

POSTGRES_SERVICE = DB_HOST
COMPOSE_FILE = "compose.yaml"
ENV_FILE = ".env"
GITIGNORE_FILE = ".gitignore"
FILE_MODE = 0o644
SECRET_BYTES = 48  # token_urlsafe(48): 64 characters of [A-Za-z0-9_-], safe in URLs, .env and shell
STATE_DIR_MODE = 0o755  # an app's bind-mounted folder; its owner is the app's uid:gid

# Actions of a planned file.
CREATE, OVERWRITE, KEEP, ADD_KEYS = "create", "overwrite", "keep", "add missing keys"
BACK_UP = "move the file there aside, then create"


@dataclass(frozen=True)
class Overrides:
    """Runtime options given on the command line; None means "the spec's, else the default"."""

    postgres_version: int | None = None
    postgres_image: str | None = None
    schedule: str | None = None
    keep: int | None = None
    compression: str | None = None
    url: str | None = None  # the public base URL (checked by spec.check_public_url)
    user: str | None = None  # UID:GID the Postgres service runs as (rule 19); None: the image's default

    def as_options(self) -> dict:
        return {key: value for key, value in self.__dict__.items()
                if value is not None and key not in ("url", "user")}


@dataclass(frozen=True)
class PlannedFile:
    path: str  # relative to the target, "/"-separated; a folder has content None
    content: str | None
    mode: int
    action: str
    owner: str = ""  # uid:gid a folder must belong to ("" = whoever runs init)
    destination: Path | None = None  # --force: the real path written (links inside the folder followed)
    backup: Path | None = None  # --force: a file composegen did not write there is moved here first


@dataclass(frozen=True)
class Plan:
    target: Path
    files: tuple[PlannedFile, ...]
    into_existing: bool  # True: --force over a non-empty folder
    url: str = ""  # the public URL the app's variables say
    url_given: bool = False  # False: the spec's default (localhost), which init says
    chown_pending: tuple[tuple[str, str], ...] = ()  # (folder, uid:gid) init cannot give away (not root)

    def chown_command(self) -> str:
        """The one command that gives the app's folders to its user ('' when init did it itself)."""
        from composegen.fsutil import chown_command

        return chown_command((self.target / path, owner) for path, owner in self.chown_pending)
    notes: tuple[str, ...] = ()  # what the user must know: links followed, files moved aside


def generate_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


# --- options -------------------------------------------------------------------------------------


def resolve_options(spec: ServiceSpec, overrides: Overrides) -> tuple[RuntimeOptions, str]:
    """(runtime options, Postgres image): command line over spec over defaults, each checked by
    composegen.validate (the spec's own options were checked with the spec)."""
    from composegen import validate

    checks = {"schedule": validate.schedule, "keep": validate.keep, "compression": validate.compression,
              "postgres_version": validate.postgres_version}
    cli_options = overrides.as_options()
    for name, value in cli_options.items():
        if name in checks:
            checks[name](value, "--" + name.replace("_", "-"))
    merged = {**spec.options, **cli_options}
    _check_postgres_version(spec, overrides, merged)
    if overrides.user is not None:
        validate.service_user(overrides.user)
    runtime = RuntimeOptions(
        user=overrides.user,
        schedule=merged.get("schedule", contract.DEFAULT_SCHEDULE),
        keep=merged.get("keep", contract.DEFAULT_KEEP),
        compression=merged.get("compression", contract.DEFAULT_COMPRESSION),
    )
    if overrides.postgres_version is not None and overrides.postgres_image is None:
        image = default_postgres_image(overrides.postgres_version)
    elif "postgres_image" in merged:
        image = merged["postgres_image"]
        where = "--postgres-image" if overrides.postgres_image is not None else "options.postgres_image"
        version_where = ("--postgres-version" if overrides.postgres_version is not None
                         else "options.postgres_version")
        validate.postgres_image(image, where, merged.get("postgres_version"), version_where)
    else:
        image = default_postgres_image(merged.get("postgres_version", default_postgres_version(spec)))
    return runtime, image


def default_postgres_version(spec: ServiceSpec) -> int:
    """composegen's default major, or the newest the app supports when that is older."""
    versions = spec.postgres_versions
    if versions is None or stack.DEFAULT_POSTGRES_VERSION in versions:
        return stack.DEFAULT_POSTGRES_VERSION
    return versions.max if stack.DEFAULT_POSTGRES_VERSION > versions.max else versions.min


def _check_postgres_version(spec: ServiceSpec, overrides: Overrides, merged: dict) -> None:
    """A major the app does not support is refused, saying where its range comes from."""
    versions = spec.postgres_versions
    version = overrides.postgres_version
    if version is None:
        return
    if versions is not None and version not in versions:
        raise UserError(
            f"--postgres-version {version}: {spec.name} supports PostgreSQL {versions.min} to {versions.max} "
            f"({versions.source})"
        )
    if overrides.postgres_image is None and "postgres_image" in spec.options:
        raise UserError(
            f"--postgres-version {version}: {spec.name} runs its own Postgres image "
            f"({spec.options['postgres_image']}); give the matching --postgres-image too"
        )


def default_postgres_image(version: int) -> str:
    return f"postgres:{version}-alpine"


# --- rendering -----------------------------------------------------------------------------------


def _quoted(text: str):
    """A string the emitter writes double-quoted: nothing a user wrote can turn into another YAML type."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(text)


def _environment(environment: dict, spec: ServiceSpec, where: str, url: str | None) -> dict[str, object]:
    return {
        name: _quoted(compose_env_value(value, spec, f"{where}.{name}", url))
        for name, value in environment.items()
    }


def _healthcheck(healthcheck: dict) -> dict[str, object]:
    check = dict(healthcheck)
    check["test"] = [_quoted(compose_literal(part)) for part in check["test"]]
    return check


def _depends_on(spec: ServiceSpec, role: str | None) -> dict[str, object]:
    """What a service waits for: Postgres healthy, caches up, and (app, workers, cron) the migrations done."""
    depends: dict[str, object] = {POSTGRES_SERVICE: {"condition": "service_healthy"}}
    for extra in spec.services:
        if extra.role == CACHE and role != CACHE:
            depends[extra.name] = {"condition": "service_healthy" if extra.healthcheck else "service_started"}
        elif extra.role == MIGRATION and role not in (CACHE, MIGRATION):
            depends[extra.name] = {"condition": "service_completed_successfully"}
    return depends


def app_service(spec: ServiceSpec, url: str | None = None) -> dict[str, object]:
    """The app's service keys, every value quoted for Compose (`$` doubled, references interpolated)."""
    service: dict[str, object] = {"image": _quoted(spec.image), "restart": stack.RESTART}
    if spec.command:
        service["command"] = [_quoted(compose_literal(arg)) for arg in spec.command]
    service["depends_on"] = _depends_on(spec, None)
    if spec.ports:
        service["ports"] = [_quoted(port) for port in spec.ports]
    if spec.volumes:
        service["volumes"] = [_quoted(compose_literal(volume)) for volume in spec.volumes]
    if spec.environment:
        service["environment"] = _environment(spec.environment, spec, "environment", url)
    if spec.healthcheck:
        service["healthcheck"] = _healthcheck(spec.healthcheck)
    return service


def extra_service(spec: ServiceSpec, extra: ExtraService, url: str | None = None) -> dict[str, object]:
    """An extra service's keys. A migration runs once (restart "no"); workers get the app's environment."""
    service: dict[str, object] = {
        "image": _quoted(extra.image or spec.image),
        "restart": _quoted("no") if extra.role == MIGRATION else stack.RESTART,
    }
    if extra.entrypoint:
        service["entrypoint"] = [_quoted(compose_literal(arg)) for arg in extra.entrypoint]
    if extra.command:
        service["command"] = [_quoted(compose_literal(arg)) for arg in extra.command]
    if extra.role != CACHE:
        service["depends_on"] = _depends_on(spec, extra.role)
    if extra.volumes:
        service["volumes"] = [_quoted(compose_literal(volume)) for volume in extra.volumes]
    environment = {**(spec.environment if extra.share_app_environment else {}), **extra.environment}
    if environment:
        service["environment"] = _environment(environment, spec, f"services.{extra.name}.environment", url)
    if extra.healthcheck:
        service["healthcheck"] = _healthcheck(extra.healthcheck)
    return service


def postgres_service(spec: ServiceSpec, options: RuntimeOptions, image: str) -> dict[str, object]:
    """The Postgres service as docs/runtime.md shows it: the shared keys plus this stack's values."""
    from composegen.service_block import postgres_service_keys, runtime_environment

    environment = {
        "POSTGRES_USER": _quoted(spec.database_user),
        "POSTGRES_PASSWORD": _quoted(interpolation(PASSWORD_SECRET)),
        # An app that creates its own database (and installs only then) must not find it made.
        "POSTGRES_DB": _quoted(spec.database_user if spec.created_by_app else spec.database_name),
    }
    if spec.initdb_args:
        environment["POSTGRES_INITDB_ARGS"] = _quoted(compose_literal(spec.initdb_args))
    # Rule 16: what the image runs (the official ENTRYPOINT and CMD, or a well-known image's own).
    from dataclasses import replace

    from composegen.compose.detect import classify, parse_image
    from composegen.image_run import OFFICIAL, known_run

    ref = parse_image(image)
    run = known_run(ref)
    if run is None:
        if classify(ref) is None:
            # Accepted by validate.postgres_image from its own config: keep what it runs.
            from composegen.image_config import run_of

            run = run_of(image, ref, again="run init again")
        else:
            run = OFFICIAL
    options = replace(options, image_entrypoint=run.entrypoint_env, image_cmd=run.cmd or OFFICIAL.cmd)
    environment.update(runtime_environment(options))
    shared = postgres_service_keys()
    shared.pop("command")  # the official CMD: this image's own CMD replaces it (it came last, and won)
    # docs/runtime.md's order: image, restart, entrypoint, command, environment, then the rest.
    user = {"user": _quoted(options.user)} if options.user is not None else {}
    return {
        "image": _quoted(image),
        **user,
        "restart": shared.pop("restart"),
        "entrypoint": shared.pop("entrypoint"),
        "command": list(options.image_cmd),
        "environment": environment,
        **shared,
    }


def render_compose(spec: ServiceSpec, options: RuntimeOptions, image: str, url: str | None = None) -> str:
    from composegen import __version__
    from composegen.render import render
    from composegen.service_block import emit_key

    def block(service: dict[str, object]) -> str:
        return "".join(emit_key(key, value, indent=4) for key, value in service.items()).rstrip("\n")

    return render(
        "compose/compose.yaml.j2",
        version=__version__,
        app_name=spec.name,
        postgres_name=POSTGRES_SERVICE,
        schedule=options.schedule,
        app_block=block(app_service(spec, url)),
        extra_blocks=[(extra.name, extra.role, block(extra_service(spec, extra, url))) for extra in spec.services],
        postgres_block=block(postgres_service(spec, options, image)),
    )


def env_keys(text: str) -> set[str]:
    """The keys Compose reads from .env `text` (composegen.compose.dotenv's rules)."""
    from composegen.init_force import compose_env

    return set(compose_env(text, ENV_FILE))


def render_env(names: tuple[str, ...], existing: str | None, token: Callable[[], str],
               source: str = ENV_FILE) -> str | None:
    """The .env text: fresh secrets, or `existing` with only the keys Compose does not see in it added
    (None: nothing missing)."""
    from composegen.init_force import add_missing_keys
    from composegen.render import render

    def block(missing, fresh: bool) -> str:
        return render("env.j2", fresh=fresh, entries=[(name, token()) for name in missing])

    if existing is None:
        return block(names, True)
    return add_missing_keys(existing, names, lambda missing: block(missing, False), source)


def render_gitignore(spec: ServiceSpec) -> str:
    """.env, data/* and the app's bind mounts inside the folder (its state, often with secrets of its own)."""
    from composegen.render import render

    paths = [gitignore_pattern(f"/{host}/") for host in spec.state_folders()]
    return render("gitignore.j2", app_state_paths=paths)


def gitignore_pattern(path: str) -> str:
    """A .gitignore line matching exactly `path` (anchored by its leading /): wildcards escaped."""
    return re.sub(r"([\\*?\[\]!#])", r"\\\1", path)


# --- planning ------------------------------------------------------------------------------------


def default_target(spec: ServiceSpec) -> Path:
    return Path(spec.name)


def plan_init(
    spec: ServiceSpec,
    target: Path,
    overrides: Overrides = Overrides(),
    *,
    force: bool = False,
    token: Callable[[], str] = generate_secret,
) -> Plan:
    """Everything init would write into `target`, or a UserError if it must not."""
    from composegen import validate
    from composegen.fsutil import can_own
    from composegen.spec import check_public_url
    from composegen.utils_scripts import render_utils

    target = Path(target)
    url = check_public_url(overrides.url) if overrides.url is not None else None
    options, image = resolve_options(spec, overrides)
    for index, volume in enumerate(spec.volumes):
        validate.app_mount(volume, f"volumes[{index}]", target)
    for extra in spec.services:
        for index, volume in enumerate(extra.volumes):
            validate.app_mount(volume, f"services.{extra.name}.volumes[{index}]", target)
    into_existing = _check_target(target, force)
    contents = [
        (COMPOSE_FILE, render_compose(spec, options, image, url), FILE_MODE),
        (GITIGNORE_FILE, render_gitignore(spec), FILE_MODE),
        *((f"utils/{name}", content, stack.UTILS_MODE) for name, content in render_utils().items()),
    ]
    # data/ belongs to the uid the Postgres service runs as: its dumps are written there (rule 19).
    data_owner = options.user or ""
    if into_existing:
        plan = _plan_into_existing(spec, target, contents, token, data_owner)
    else:
        plan = _plan_new(spec, target, contents, token, data_owner)
    pending = tuple((f.path, f.owner) for f in plan.files
                    if f.owner and f.action == CREATE and not can_own(f.owner))
    return dataclasses.replace(plan, url=url if url is not None else spec.base_url, url_given=url is not None,
                               chown_pending=pending)


def _plan_new(spec: ServiceSpec, target: Path, contents: list, token: Callable[[], str],
              data_owner: str = "") -> Plan:
    files = [
        PlannedFile(COMPOSE_FILE, contents[0][1], FILE_MODE, CREATE),
        PlannedFile(ENV_FILE, render_env(spec.env_secrets, None, token), stack.ENV_FILE_MODE, CREATE),
        PlannedFile(GITIGNORE_FILE, contents[1][1], FILE_MODE, CREATE),
        PlannedFile("utils", None, stack.UTILS_MODE, CREATE),
        *(PlannedFile(rel, content, mode, CREATE) for rel, content, mode in contents[2:]),
        PlannedFile("data", None, stack.DATA_DIR_MODE, CREATE, data_owner),
        *(PlannedFile(path, None, STATE_DIR_MODE, CREATE, owner) for path, owner in spec.state_folders().items()),
    ]
    notes = (f"{target} is a link to {os.path.realpath(target)}: writing there",) if target.is_symlink() else ()
    return Plan(target=target, files=tuple(files), into_existing=False, notes=notes)


def _plan_into_existing(spec: ServiceSpec, target: Path, contents: list, token: Callable[[], str],
                        data_owner: str = "") -> Plan:
    """--force: every destination checked (ownership, links) before anything is written."""
    from composegen.compose.load import read_text
    from composegen.init_force import StackFolder

    folder = StackFolder(target)
    files = []

    def planned(rel: str, content: str, mode: int) -> PlannedFile:
        where = folder.file(rel, ours_only=rel == COMPOSE_FILE)
        action = BACK_UP if where.backup else (OVERWRITE if where.exists else CREATE)
        return PlannedFile(rel, content, mode, action, destination=where.path, backup=where.backup)

    files.append(planned(*contents[0]))
    # .env is never replaced, only appended to: a link to it is followed even out of the folder (secrets
    # kept elsewhere) as long as nothing has to be written there.
    env_path, env_inside = target / ENV_FILE, True
    if env_path.is_symlink():
        real = Path(os.path.realpath(env_path))
        if not real.exists():
            raise UserError(f"{env_path} is a link to {os.readlink(env_path)}, which does not exist")
        env_inside = real.is_relative_to(folder.root)
        folder.notes.append(f"{ENV_FILE} is a link to {real}: reading it there")
        env_path = real
    existing = read_text(env_path, "env file", keep_bom=True) if os.path.lexists(env_path) else None
    env_text = render_env(spec.env_secrets, existing, token, str(target / ENV_FILE))
    if env_text is None:
        files.append(PlannedFile(ENV_FILE, existing, stack.ENV_FILE_MODE, KEEP, destination=env_path))
    else:
        if not env_inside:
            missing = sorted(set(spec.env_secrets) - env_keys(existing))
            raise UserError(f"{target / ENV_FILE} is a link to {env_path}, outside {target}/: composegen does not "
                            f"write there; add {', '.join(missing)} to it yourself, then run init --force again")
        files.append(PlannedFile(ENV_FILE, env_text, stack.ENV_FILE_MODE,
                                 ADD_KEYS if existing is not None else CREATE, destination=env_path))
    files.append(planned(*contents[1]))
    utils = folder.folder("utils")
    files.append(PlannedFile("utils", None, stack.UTILS_MODE, KEEP if utils.is_dir() else CREATE, destination=utils))
    files.extend(planned(rel, content, mode) for rel, content, mode in contents[2:])
    data = folder.folder("data")
    files.append(PlannedFile("data", None, stack.DATA_DIR_MODE, KEEP if data.is_dir() else CREATE, data_owner,
                             destination=data))
    for path, owner in spec.state_folders().items():
        if (target / path).is_dir():  # the app's own state: kept wherever a link takes it
            files.append(PlannedFile(path, None, STATE_DIR_MODE, KEEP, owner, destination=target / path))
        else:
            files.append(PlannedFile(path, None, STATE_DIR_MODE, CREATE, owner, destination=folder.folder(path)))
    return Plan(target=target, files=tuple(files), into_existing=True, notes=tuple(dict.fromkeys(folder.notes)))


def _check_target(target: Path, force: bool) -> bool:
    """Refuse a target init must not write into; True when --force goes into a non-empty folder."""
    from composegen.init_force import why_not_force

    if target.is_symlink() and not target.exists():
        raise UserError(f"{target} is a link to {os.readlink(target)}, which does not exist: composegen does "
                        f"not create a link's target; create the folder, or give its own path with --dir")
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} exists and is not a folder")
    parent = target.absolute().parent
    if not parent.is_dir():
        raise UserError(f"cannot create {target}: its parent folder {parent} does not exist")
    if not target.exists() or not any(target.iterdir()):
        return False
    refusal = why_not_force(target)
    if refusal is not None:
        raise UserError(f"{target} already exists and is not empty, and composegen may not rewrite it: {refusal}; "
                        f"give a new or empty folder with --dir")
    if not force:
        raise UserError(f"{target} already exists and is not empty; --force rewrites the generated files "
                        "(data/ and existing .env values are kept)")
    return True


# --- writing -------------------------------------------------------------------------------------


def write_plan(plan: Plan) -> None:
    """Write `plan` all or nothing; an OSError becomes a UserError naming the target.

    A new folder is built beside the target and renamed into place. With --force every new file is
    first written next to its destination; only then are they swapped in, the scripts before the
    compose file that runs them, and a failure on the way puts back every file already swapped.
    """
    from composegen.fsutil import Replacement, replace_files, write_tree

    try:
        owners = _owners(plan) if os.geteuid() == 0 else {}
        if not plan.into_existing:
            tree = {f.path: (f.content, f.mode) for f in plan.files}
            write_tree(plan.target, tree, replace=False, owners=owners)
            return
        folders = [(f.destination, f.mode, owners.get(f.path)) for f in plan.files
                   if f.content is None and f.action == CREATE]
        order = sorted((f for f in plan.files if f.content is not None and f.action != KEEP),
                       key=lambda f: (not f.path.startswith("utils/"), f.path == COMPOSE_FILE))
        replace_files(folders, [Replacement(f.destination, f.content.encode("utf-8"), f.mode, f.backup)
                                for f in order])
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UserError(f"cannot write {plan.target}: {reason}") from None


def _owners(plan: Plan) -> dict[str, tuple[int, int]]:
    return {
        f.path: tuple(int(part) for part in f.owner.split(":"))
        for f in plan.files
        if f.owner and f.action == CREATE
    }
