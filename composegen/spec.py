"""Service specs: load one from YAML, validate it against schemas/, resolve its references.

A spec is one app and its Postgres database (schemas/service-spec.schema.json). Catalog entries are
specs too, checked by schemas/catalog-entry.schema.json, which extends the spec schema.

Values in a spec are literal: they reach the generated files exactly as written. The only way to refer
to .env is structured, so a `$` or `{` a user writes is never mistaken for a reference:
`{secret: NAME}` and `{template: "postgres://{db.user}:{db.password}@{db.host}/{db.name}"}`.
Templates also take the public URL (`{url}`, `{url.host}`, ...): `init --url`, else the spec's base_url.
"""

from __future__ import annotations

import posixpath
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from composegen.errors import UserError

SPEC_SCHEMA = "service-spec.schema.json"
CATALOG_SCHEMA = "catalog-entry.schema.json"

DB_HOST = "postgres"  # the Postgres service's name, which is its host name on the stack's network
DB_PORT = 5432
PASSWORD_SECRET = "POSTGRES_PASSWORD"
# A spec is a few KB; this holds one environment value at Linux's 128 KiB cap, and parsing and
# checking a file this size stays within seconds (YAML parsing is pure Python).
MAX_SPEC_BYTES = 256 * 1024


# Roles of extra services (schemas/service-spec.schema.json, $defs/extra_service).
CACHE, WORKER, CRON, MIGRATION = "cache", "worker", "cron", "migration"


@dataclass(frozen=True)
class ExtraService:
    """A service beside the app. Values still as written, like the app's."""

    name: str
    role: str
    image: str = ""  # "" = the app's image
    runs_as: str = ""  # "" = the app's
    entrypoint: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    share_app_environment: bool = True
    volumes: tuple[str, ...] = ()
    environment: dict = field(default_factory=dict)
    healthcheck: dict = field(default_factory=dict)

    @classmethod
    def from_document(cls, name: str, doc: dict) -> ExtraService:
        return cls(
            name=name,
            role=doc["role"],
            image=doc.get("image", ""),
            runs_as=doc.get("runs_as", ""),
            entrypoint=tuple(doc.get("entrypoint", ())),
            command=tuple(doc.get("command", ())),
            share_app_environment=doc.get("share_app_environment", doc["role"] != CACHE),
            volumes=tuple(doc.get("volumes", ())),
            environment=dict(doc.get("environment", {})),
            healthcheck=dict(doc.get("healthcheck", {})),
        )


@dataclass(frozen=True)
class VersionRange:
    min: int
    max: int
    source: str

    def __contains__(self, version: int) -> bool:
        return self.min <= version <= self.max


@dataclass(frozen=True)
class ServiceSpec:
    """A validated spec. `environment` values are still as written (literal, {secret} or {template})."""

    name: str
    image: str
    database_name: str
    database_user: str
    description: str = ""
    homepage: str = ""
    command: tuple[str, ...] = ()
    ports: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    environment: dict = field(default_factory=dict)
    healthcheck: dict = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)
    runs_as: str = ""  # uid:gid of the app's process; "" = not known (a spec may omit it)
    base_url: str = ""
    postgres_versions: VersionRange | None = None
    checked_against: tuple[dict, ...] = ()
    created_by_app: bool = False  # the app creates its database itself (see the schema)
    initdb_args: str = ""
    services: tuple[ExtraService, ...] = ()

    def service_names(self) -> tuple[str, ...]:
        return (self.name, *(extra.name for extra in self.services))

    def state_folders(self) -> dict[str, str]:
        """{relative host folder of a bind mount: uid:gid it must belong to}, in mount order."""
        out: dict[str, str] = {}
        mounts = [(volume, self.runs_as) for volume in self.volumes]
        for extra in self.services:
            mounts += [(volume, extra.runs_as or self.runs_as) for volume in extra.volumes]
        for volume, owner in mounts:
            host = posixpath.normpath(volume.split(":", 1)[0])
            if not host.startswith(("/", "..")) and host != ".":
                out.setdefault(host, owner)
        return out

    @property
    def env_secrets(self) -> tuple[str, ...]:
        """Every name generated into .env, the database password first."""
        return (PASSWORD_SECRET, *self.secrets)

    @classmethod
    def from_document(cls, doc: dict) -> ServiceSpec:
        return cls(
            name=doc["name"],
            image=doc["image"],
            database_name=doc["database"]["name"],
            database_user=doc["database"]["user"],
            description=doc.get("description", ""),
            homepage=doc.get("homepage", ""),
            command=tuple(doc.get("command", ())),
            ports=tuple(doc.get("ports", ())),
            volumes=tuple(doc.get("volumes", ())),
            environment=dict(doc.get("environment", {})),
            healthcheck=dict(doc.get("healthcheck", {})),
            secrets=tuple(doc.get("secrets", ())),
            options=dict(doc.get("options", {})),
            runs_as=doc.get("runs_as", ""),
            base_url=doc.get("base_url", ""),
            postgres_versions=VersionRange(**doc["postgres_versions"]) if "postgres_versions" in doc else None,
            checked_against=tuple(doc.get("checked_against", ())),
            created_by_app=doc["database"].get("created_by_app", False),
            initdb_args=doc["database"].get("initdb_args", ""),
            services=tuple(ExtraService.from_document(k, v) for k, v in doc.get("services", {}).items()),
        )


# --- loading -------------------------------------------------------------------------------------


def load_yaml(text: str, source: str) -> object:
    """Parse YAML 1.2 (so `yes`, `on`, `0777` stay what YAML 1.2 says) within the bounds of
    composegen.compose.load (aliases, nesting); one-line errors."""
    from composegen.compose.load import parse_yaml

    return parse_yaml(text, source, round_trip=False)


def load_spec_file(path: Path) -> ServiceSpec:
    """A spec from a regular file of bounded size (a FIFO, a device or /dev/zero is refused at once)."""
    from composegen.compose.load import decode, read_bytes

    raw = read_bytes(path, "spec")
    if len(raw) > MAX_SPEC_BYTES:
        raise UserError(f"{path}: is {len(raw)} bytes, more than the {MAX_SPEC_BYTES} a spec may have")
    return parse_spec(decode(raw, path), str(path))


def parse_spec(text: str, source: str, schema: str | None = SPEC_SCHEMA) -> ServiceSpec:
    """`schema=None` skips the JSON Schema check: only for the package's own catalog, whose entries
    tests/test_catalog.py validates (importing jsonschema costs more than the rest of an init)."""
    doc = load_yaml(text, source)
    if schema is not None:
        validate(doc, source, schema)
    spec = ServiceSpec.from_document(doc)
    check_references(spec, source)
    return spec


# --- validation ----------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _schemas() -> dict[str, dict]:
    """{file name: document} of every schema in schemas/ (they refer to each other by file name)."""
    import json

    from composegen.resources import schemas_dir

    return {path.name: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(schemas_dir().glob("*.schema.json"))}


@lru_cache(maxsize=None)
def _validator(schema: str):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    registry = Registry().with_resources(
        (name, Resource.from_contents(contents)) for name, contents in _schemas().items())
    root = registry.contents(schema)
    return Draft202012Validator(root, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_document(schema: str = SPEC_SCHEMA) -> dict:
    """The schema as a plain document (composegen.validate reads its patterns): no validator built."""
    return _schemas()[schema]


def validate(doc: object, source: str, schema: str = SPEC_SCHEMA) -> None:
    """Raise UserError naming the bad field's path and the schema's message."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator(schema).iter_errors(doc))
    if error is not None:
        raise UserError(f"{source}: {field_path(error.absolute_path)}: {schema_message(error)}")


def validate_option(name: str, value: object, source: str) -> None:
    """Check one runtime option (e.g. a command-line flag) with the spec schema's own rule for it."""
    from jsonschema.exceptions import best_match

    doc = {"name": "x", "image": "x", "database": {"name": "x", "user": "x"}, "options": {name: value}}
    error = best_match(_validator(SPEC_SCHEMA).iter_errors(doc))
    if error is not None:
        raise UserError(f"{source}: {schema_message(error)}")


def field_path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def schema_message(error) -> str:
    """The validator's message; a failed pattern says what the field is instead of printing the regex."""
    # oneOf failures: the most relevant branch's message is the useful one.
    if error.validator in ("oneOf", "anyOf") and error.context:
        from jsonschema.exceptions import best_match

        inner = best_match(error.context)
        if inner is not None and inner.validator != "type":
            return schema_message(inner)
        return f"{_short(error.instance)} is not a string, an integer, a boolean, {{secret: NAME}} or {{template: TEXT}}"
    if error.validator == "pattern":
        what = error.schema.get("description")
        return f"{_short(error.instance)} is not valid" + (f" ({what})" if what else "")
    if error.validator == "not" and isinstance(error.schema.get("not"), dict) and "const" in error.schema["not"]:
        return f"{_short(error.instance)} is reserved"
    return error.message


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# --- references ----------------------------------------------------------------------------------

_DB_FIELDS = ("db.user", "db.name", "db.host", "db.port", "db.password")


def _check_environment(environment: dict, spec: "ServiceSpec", where: str) -> None:
    """Each value renders for Compose and fits in one environment string (the app's and each extra
    service's environment alike)."""
    from composegen import validate

    for key, value in environment.items():
        compose_env_value(value, spec, f"{where}.{key}")
        text = value.get("template", "") if isinstance(value, dict) else str(value)
        validate.environment_string(key, text, f"{where}.{key}")

def check_references(spec: ServiceSpec, source: str) -> None:
    """Every {secret: NAME} and {template} placeholder must name something the spec generates, and
    every value must be one the container can start with (composegen.validate)."""
    from composegen import validate

    validate.database_user(spec.database_user, f"{source}: database.user")
    for index, name in enumerate(spec.secrets):
        validate.secret_name(name, f"{source}: secrets[{index}]")
    _check_environment(spec.environment, spec, f"{source}: environment")
    for index, arg in enumerate(spec.command):
        validate.environment_string("", arg, f"{source}: command[{index}]")
    for index, port in enumerate(spec.ports):
        validate.port(port, f"{source}: ports[{index}]")
    for index, volume in enumerate(spec.volumes):
        validate.app_mount(volume, f"{source}: volumes[{index}]")
    for extra in spec.services:
        where = f"{source}: services.{extra.name}"
        if extra.name == spec.name:
            raise UserError(f"{where}: is the app's own name")
        _check_environment(extra.environment, spec, f"{where}.environment")
        for index, arg in enumerate(extra.entrypoint):
            validate.environment_string("", arg, f"{where}.entrypoint[{index}]")
        for index, arg in enumerate(extra.command):
            validate.environment_string("", arg, f"{where}.command[{index}]")
        for index, volume in enumerate(extra.volumes):
            validate.app_mount(volume, f"{where}.volumes[{index}]")
    versions = spec.postgres_versions
    if versions is not None:
        if versions.min > versions.max:
            raise UserError(f"{source}: postgres_versions: min {versions.min} is above max {versions.max}")
        wanted = spec.options.get("postgres_version")
        if wanted is not None and wanted not in versions:
            raise UserError(f"{source}: options.postgres_version: {wanted} is outside postgres_versions")
    if spec.created_by_app and spec.database_name == spec.database_user:
        raise UserError(f"{source}: database: created_by_app needs a name other than the user's "
                        "(Postgres creates only the user's own database)")


def interpolation(name: str) -> str:
    """Compose interpolation of a .env entry: a missing .env fails loudly instead of passing ''."""
    return "${" + name + ":?set " + name + " in .env}"


def compose_literal(text: str) -> str:
    """Text that Compose reads back as exactly `text` (`$` doubled: Compose interpolates every string)."""
    return text.replace("$", "$$")


def compose_env_value(value: object, spec: ServiceSpec, where: str = "environment", url: str | None = None) -> str:
    """An environment value as Compose text: literals escaped, references turned into interpolation.

    `url` is the public base URL (`init --url`); None means the spec's base_url."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return compose_literal(value)
    if "secret" in value:
        return _secret(value["secret"], spec, where)
    return _template(value["template"], spec, where, url)


def _secret(name: str, spec: ServiceSpec, where: str) -> str:
    if name not in spec.env_secrets:
        known = ", ".join(spec.env_secrets)
        raise UserError(f"{where}: secret {name!r} is not declared under secrets: (known: {known})")
    return interpolation(name)


def _template(text: str, spec: ServiceSpec, where: str, url: str | None = None) -> str:
    try:
        pieces = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise UserError(f"{where}: bad template {_short(text)}: {exc} (write {{{{ or }}}} for a literal brace)") from None
    out = []
    for literal, name, spec_part, conversion in pieces:
        out.append(compose_literal(literal))
        if name is None:
            continue
        if spec_part or conversion:
            raise UserError(f"{where}: placeholder {{{name}}} takes no format or conversion")
        out.append(_placeholder(name, spec, where, url))
    return "".join(out)


def _placeholder(name: str, spec: ServiceSpec, where: str, url: str | None = None) -> str:
    values = {
        "db.user": spec.database_user,
        "db.name": spec.database_name,
        "db.host": DB_HOST,
        "db.port": str(DB_PORT),
    }
    if name in values:
        return values[name]
    if name == "db.password":
        return interpolation(PASSWORD_SECRET)
    if name.startswith("secret."):
        return _secret(name[len("secret."):], spec, where)
    if name in URL_FIELDS:
        base = url if url is not None else spec.base_url
        if not base:
            raise UserError(f"{where}: {{{name}}} needs base_url: (the public URL without --url)")
        return compose_literal(url_parts(base)[name])
    known = ", ".join("{" + n + "}" for n in (*_DB_FIELDS, *URL_FIELDS, "secret.NAME"))
    raise UserError(f"{where}: unknown placeholder {{{name}}} (known: {known})")


URL_FIELDS = ("url", "url.host", "url.hostname", "url.scheme", "url.https")


def url_parts(url: str) -> dict[str, str]:
    """The pieces of a public base URL the templates can use ({url} has no trailing slash)."""
    parts = urlsplit(url)
    return {
        "url": url.rstrip("/"),
        "url.host": parts.netloc,
        "url.hostname": parts.hostname or "",
        "url.scheme": parts.scheme,
        "url.https": "true" if parts.scheme == "https" else "false",
    }


def check_public_url(url: str, source: str = "--url") -> str:
    """An absolute http(s) URL with a host and nothing after its path; returned without a trailing slash."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    ok = (
        parts is not None
        and parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.username
        and not parts.password
        and not parts.query
        and not parts.fragment
        and not url.endswith("?")
        and not url.endswith("#")
        and not any(c.isspace() or ord(c) < 32 or c in "\"'`{}<>^|\\" for c in url)
        and (port is None or 0 < port)
    )
    if not ok:
        raise UserError(f"{source}: {_short(url)} is not an absolute http(s) URL (e.g. https://app.example.com)")
    return url.rstrip("/") or url
