"""The core of `composegen init`: plan a stack folder from a spec, then write it.

`plan_init` decides everything (and refuses bad targets) before anything is written, so a refused
command changes nothing and `--dry-run` shows exactly what a real run writes. `write_plan` writes a
new folder all at once (built beside it, then renamed); with --force it rewrites the generated files
of an existing folder one by one (each atomically) and never touches data/ or an existing secret.
"""

from __future__ import annotations

import os
import posixpath
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from composegen import stack
from composegen.errors import UserError
from composegen.service_block import RuntimeOptions
from composegen.spec import DB_HOST, PASSWORD_SECRET, ServiceSpec, compose_env_value, compose_literal, interpolation

POSTGRES_SERVICE = DB_HOST
POSTGRES_COMMAND = ["postgres"]  # the official entrypoint's argument; /utils/entrypoint passes it on
COMPOSE_FILE = "compose.yaml"
ENV_FILE = ".env"
GITIGNORE_FILE = ".gitignore"
FILE_MODE = 0o644
SECRET_BYTES = 48  # token_urlsafe(48): 64 characters of [A-Za-z0-9_-], safe in URLs, .env and shell

# Actions of a planned file.
CREATE, OVERWRITE, KEEP, ADD_KEYS = "create", "overwrite", "keep", "add missing keys"


@dataclass(frozen=True)
class Overrides:
    """Runtime options given on the command line; None means "the spec's, else the default"."""

    postgres_version: int | None = None
    postgres_image: str | None = None
    schedule: str | None = None
    keep: int | None = None
    compression: str | None = None

    def as_options(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if value is not None}


@dataclass(frozen=True)
class PlannedFile:
    path: str  # relative to the target, "/"-separated; a folder has content None
    content: str | None
    mode: int
    action: str


@dataclass(frozen=True)
class Plan:
    target: Path
    files: tuple[PlannedFile, ...]
    into_existing: bool  # True: --force over a non-empty folder


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
    runtime = RuntimeOptions(
        schedule=merged.get("schedule", stack.DEFAULT_SCHEDULE),
        keep=merged.get("keep", stack.DEFAULT_KEEP),
        compression=merged.get("compression", stack.DEFAULT_COMPRESSION),
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
        image = default_postgres_image(merged.get("postgres_version", stack.DEFAULT_POSTGRES_VERSION))
    return runtime, image


def default_postgres_image(version: int) -> str:
    return f"postgres:{version}-alpine"


# --- rendering -----------------------------------------------------------------------------------


def _quoted(text: str):
    """A string the emitter writes double-quoted: nothing a user wrote can turn into another YAML type."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(text)


def app_service(spec: ServiceSpec) -> dict[str, object]:
    """The app's service keys, every value quoted for Compose (`$` doubled, references interpolated)."""
    service: dict[str, object] = {"image": _quoted(spec.image), "restart": stack.RESTART}
    if spec.command:
        service["command"] = [_quoted(compose_literal(arg)) for arg in spec.command]
    service["depends_on"] = {POSTGRES_SERVICE: {"condition": "service_healthy"}}
    if spec.ports:
        service["ports"] = [_quoted(port) for port in spec.ports]
    if spec.volumes:
        service["volumes"] = [_quoted(compose_literal(volume)) for volume in spec.volumes]
    if spec.environment:
        service["environment"] = {
            name: _quoted(compose_env_value(value, spec, f"environment.{name}"))
            for name, value in spec.environment.items()
        }
    if spec.healthcheck:
        check = dict(spec.healthcheck)
        check["test"] = [_quoted(compose_literal(part)) for part in check["test"]]
        service["healthcheck"] = check
    return service


def postgres_service(spec: ServiceSpec, options: RuntimeOptions, image: str) -> dict[str, object]:
    """The Postgres service as docs/runtime.md shows it: the shared keys plus this stack's values."""
    from composegen.service_block import postgres_service_keys, runtime_environment

    environment = {
        "POSTGRES_USER": _quoted(spec.database_user),
        "POSTGRES_PASSWORD": _quoted(interpolation(PASSWORD_SECRET)),
        "POSTGRES_DB": _quoted(spec.database_name),
        **runtime_environment(options),
    }
    shared = postgres_service_keys()
    # docs/runtime.md's order: image, restart, entrypoint, command, environment, then the rest.
    return {
        "image": _quoted(image),
        "restart": shared.pop("restart"),
        "entrypoint": shared.pop("entrypoint"),
        "command": list(POSTGRES_COMMAND),
        "environment": environment,
        **shared,
    }


def render_compose(spec: ServiceSpec, options: RuntimeOptions, image: str) -> str:
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
        app_block=block(app_service(spec)),
        postgres_block=block(postgres_service(spec, options, image)),
    )


_ENV_KEY = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


def env_keys(text: str) -> set[str]:
    return {match.group(1) for match in map(_ENV_KEY.match, text.splitlines()) if match}


def render_env(names: tuple[str, ...], existing: str | None, token: Callable[[], str]) -> str | None:
    """The .env text: fresh secrets, or `existing` with only its missing keys added (None: nothing missing)."""
    from composegen.render import render

    missing = [name for name in names if existing is None or name not in env_keys(existing)]
    if existing is not None and not missing:
        return None
    added = render("env.j2", fresh=existing is None, entries=[(name, token()) for name in missing])
    if existing is None:
        return added
    return existing + ("" if existing.endswith("\n") or not existing else "\n") + added


def render_gitignore(spec: ServiceSpec) -> str:
    """.env, data/* and the app's bind mounts inside the folder (its state, often with secrets of its own)."""
    from composegen.render import render

    paths = []
    for volume in spec.volumes:
        host = posixpath.normpath(volume.split(":", 1)[0])
        if not host.startswith(("/", "..")) and host != ".":
            paths.append(gitignore_pattern(f"/{host}/"))
    return render("gitignore.j2", app_state_paths=list(dict.fromkeys(paths)))


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
    from composegen.utils_scripts import render_utils

    from composegen import validate

    target = Path(target)
    options, image = resolve_options(spec, overrides)
    for index, volume in enumerate(spec.volumes):
        validate.app_mount(volume, f"volumes[{index}]", target)
    into_existing = _check_target(target, force)

    existing_env = _read_existing_env(target) if into_existing else None
    env_text = render_env(spec.env_secrets, existing_env, token)

    def action(rel: str) -> str:
        return OVERWRITE if into_existing and (target / rel).exists() else CREATE

    files = [
        PlannedFile(COMPOSE_FILE, render_compose(spec, options, image), FILE_MODE, action(COMPOSE_FILE)),
        PlannedFile(
            ENV_FILE,
            env_text if env_text is not None else existing_env,
            stack.ENV_FILE_MODE,
            KEEP if env_text is None else (ADD_KEYS if existing_env is not None else CREATE),
        ),
        PlannedFile(GITIGNORE_FILE, render_gitignore(spec), FILE_MODE, action(GITIGNORE_FILE)),
        PlannedFile("utils", None, stack.UTILS_MODE, action("utils")),
    ]
    for name, content in render_utils().items():
        files.append(PlannedFile(f"utils/{name}", content, stack.UTILS_MODE, action(f"utils/{name}")))
    data_exists = into_existing and (target / "data").exists()
    files.append(PlannedFile("data", None, stack.DATA_DIR_MODE, KEEP if data_exists else CREATE))
    return Plan(target=target, files=tuple(files), into_existing=into_existing)


def _check_target(target: Path, force: bool) -> bool:
    """Refuse a target init must not write into; True when --force goes into a non-empty folder."""
    if target.exists() and not target.is_dir():
        raise UserError(f"{target} exists and is not a folder")
    parent = target.absolute().parent
    if not parent.is_dir():
        raise UserError(f"cannot create {target}: its parent folder {parent} does not exist")
    if not target.exists() or not any(target.iterdir()):
        return False
    if not force:
        raise UserError(
            f"{target} already exists and is not empty; --force rewrites the generated files "
            "(data/ and existing .env values are kept)"
        )
    for folder in ("utils", "data"):
        if (target / folder).exists() and not (target / folder).is_dir():
            raise UserError(f"{target / folder} exists and is not a folder")
    for name in (COMPOSE_FILE, ENV_FILE, GITIGNORE_FILE):
        if (target / name).is_dir():
            raise UserError(f"{target / name} is a folder")
    return True


def _read_existing_env(target: Path) -> str | None:
    path = target / ENV_FILE
    if not path.exists():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UserError(f"cannot read {path}: {reason}") from None


# --- writing -------------------------------------------------------------------------------------


def write_plan(plan: Plan) -> None:
    """Write `plan`; an OSError becomes a UserError naming the target (nothing half-written)."""
    from composegen.fsutil import atomic_write, write_tree

    try:
        if not plan.into_existing:
            tree = {f.path: (f.content, f.mode) for f in plan.files}
            write_tree(plan.target, tree, replace=False)
            return
        for planned in plan.files:
            path = plan.target / planned.path
            if planned.action == KEEP:
                continue
            if planned.content is None:
                if not path.is_dir():
                    os.mkdir(path, planned.mode)
                    os.chmod(path, planned.mode)
                continue
            atomic_write(path, planned.content, planned.mode)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UserError(f"cannot write {plan.target}: {reason}") from None
