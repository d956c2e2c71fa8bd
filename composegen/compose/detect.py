"""Finding the Postgres services of a compose document, and what kind of image each one runs.

`find_postgres_services(doc)` is the one place that answers "which services are Postgres?" for
patch and lint. It reads the document the way Compose does: keys merged in with `<<:` count, and an
image written as `${VAR:-postgres:16}` is read as its default. Helper images whose names merely
contain "postgres" (exporters, pgadmin, pgbouncer, ...) are not Postgres services and are not listed.

Kinds:
- "official": the Docker Official Image `postgres`, from any registry, by any tag or digest.
- "compatible": an image built on it that keeps its contract (same entrypoint, env and data paths).
- "other-contract": a Postgres image with a different contract (other data path, env names or
  entrypoint): the setup does not apply, and `reason` says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from composegen.compose import interpolate
from composegen.compose.model import SHELLS, command_words, parse_volume, runs_composegen_entrypoint

OFFICIAL = "official"
COMPATIBLE = "compatible"
OTHER_CONTRACT = "other-contract"

# The official image's data directory before 18, and its VOLUME paths (<= 17 and 18+).
DEFAULT_PGDATA = "/var/lib/postgresql/data"
IMAGE_VOLUME_PATHS = ("/var/lib/postgresql", "/var/lib/postgresql/data")

# Repository paths (registry and tag removed, `library/` dropped) of images built on the official
# one that keep its contract.
_COMPATIBLE_REPOSITORIES = frozenset({
    "postgis/postgis",
    "pgvector/pgvector",
    "timescale/timescaledb",
    "timescale/timescaledb-postgis",
    "immich-app/postgres",
    "tensorchord/pgvecto-rs",
    "tensorchord/vchord-postgres",
    "pgautoupgrade/pgautoupgrade",
    "paradedb/paradedb",
    "apache/age",
    "citusdata/citus",
})

# Postgres images that keep a different contract: {repository path prefix: why the setup does not apply}.
_OTHER_CONTRACT_PREFIXES = {
    "bitnami/postgresql": "bitnami's image keeps its data under /bitnami/postgresql and reads POSTGRESQL_* variables",
    "bitnamilegacy/postgresql": "bitnami's image keeps its data under /bitnami/postgresql and reads POSTGRESQL_* variables",
    "bitnamisecure/postgresql": "bitnami's image keeps its data under /bitnami/postgresql and reads POSTGRESQL_* variables",
    "sourcegraph/postgresql": "sourcegraph's Postgres image keeps its data at /data and has its own entrypoint",
    "sourcegraph/codeinsights-db": "sourcegraph's Postgres image keeps its data at /data and has its own entrypoint",
    "sourcegraph/codeintel-db": "sourcegraph's Postgres image keeps its data at /data and has its own entrypoint",
    "timescale/timescaledb-ha": "timescaledb-ha keeps its data under /home/postgres/pgdata and runs Patroni's entrypoint",
    "crunchydata/crunchy-postgres": "Crunchy Data's image has its own entrypoint and data layout",
    "zalando/spilo": "Spilo runs Patroni with its own data layout",
    "cloudnative-pg/postgresql": "CloudNativePG's image is run by its Kubernetes operator, not by its own entrypoint",
    "cloudnative-pg/postgis": "CloudNativePG's image is run by its Kubernetes operator, not by its own entrypoint",
}

_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[^}]*)\}|(?P<bare>\w+))")


@dataclass(frozen=True)
class ImageRef:
    registry: str | None  # docker.io, ghcr.io, ... (None when not written)
    repository: str  # path without registry; `library/` dropped: "postgres", "pgvector/pgvector"
    tag: str | None
    digest: str | None

    @property
    def major(self) -> int | None:
        """The Postgres major in the tag (`16-alpine`, `17.3`, `pg18`, `2.8.1-pg14`), when it says one."""
        if not self.tag:
            return None
        match = re.search(r"(?:^|pg)(\d{2})(?:\b|[.-]|$)", self.tag)
        return int(match.group(1)) if match else None


@dataclass(frozen=True)
class DataMount:
    """A volume or bind mount that holds the service's database files (PGDATA or a parent of it)."""

    kind: str  # "volume" (named), "bind", "anonymous"
    source: str | None  # the volume name or host path as written; None for an anonymous volume
    target: str
    line: int  # 1-based line of the entry in `volumes:` (of the service, or of the anchor it comes from)
    index: int  # its index in the service's `volumes` list


@dataclass(frozen=True)
class PostgresService:
    name: str
    image: str  # as Compose reads it: merges followed, `${VAR:-default}` replaced by its default
    # (as written when a variable without a default is in its tag: `postgres:${TAG}`)
    image_ref: ImageRef
    kind: str  # OFFICIAL | COMPATIBLE | OTHER_CONTRACT
    reason: str  # why it is that kind (for OTHER_CONTRACT: why the setup does not apply)
    pgdata: str  # the data directory the server uses
    data_mounts: tuple[DataMount, ...]  # mounts holding the only copy of its data
    line: int  # 1-based line of the service's key under `services:`
    image_line: int  # 1-based line of the `image:` value (in an anchor when it is merged in)
    mapping: object  # the service's ruamel mapping, for callers that read more keys
    # The file that defines the service when it is not the one read (an included or override file):
    # its keys cannot be edited in this file.
    defined_in: object = None

    @property
    def data_mount(self) -> DataMount | None:
        return self.data_mounts[0] if self.data_mounts else None

    @property
    def patchable(self) -> bool:
        return self.kind in (OFFICIAL, COMPATIBLE)


_UNKNOWN = "\ufffc"  # stands for a variable without a default while an image reference is parsed


def interpolate_defaults(text: str, unknown: str | None = None, lookup=None) -> str | None:
    """`text` with each `${VAR:-default}` / `${VAR-default}` replaced by its default and `$$` by `$`.

    None when a variable has no default (`${VAR}`, `$VAR`, `${VAR:?err}`): its value is not known here;
    with `unknown`, such a variable is replaced by that text instead.
    """
    missing = False

    def replace(match: re.Match) -> str:
        nonlocal missing
        braced = match.group("braced")
        if lookup is not None:  # a variable that is set (environment, .env): Compose's own substitution
            name = match.group("bare") or (re.match(r"\w+", braced or "") or [None])[0]
            if name and lookup(name) is not None:
                try:
                    return interpolate.substitute(match.group(0), lookup)
                except interpolate.InterpolationError:
                    pass
        default = re.fullmatch(r"\w+:?-(.*)", braced, re.S) if braced is not None else None
        if default is None:
            missing = True
            return unknown or ""
        inner = interpolate_defaults(default.group(1), unknown, lookup)
        if inner is None:
            missing = True
            return ""
        return inner

    pieces = text.split("$$")
    result = "$".join(_VARIABLE.sub(replace, piece) for piece in pieces)
    return None if missing and unknown is None else result


def parse_image(image: str) -> ImageRef:
    rest, _, digest = image.partition("@")
    registry = None
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, rest = first, remainder
    name, colon, tag = rest.rpartition(":") if ":" in rest.rsplit("/", 1)[-1] else (rest, "", "")
    repository = name.lower()
    if repository.startswith("library/"):
        repository = repository[len("library/"):]
    return ImageRef(registry, repository, tag or None, digest or None)


def classify(ref: ImageRef) -> tuple[str, str] | None:
    """(kind, reason) for a Postgres image; None for an image that is not a Postgres server."""
    repository = ref.repository
    if repository == "postgres":
        return OFFICIAL, "the official postgres image"
    for prefix, reason in _OTHER_CONTRACT_PREFIXES.items():
        if repository == prefix or repository.startswith(prefix + "-") or repository.startswith(prefix + "/"):
            return OTHER_CONTRACT, reason
    if repository in _COMPATIBLE_REPOSITORIES:
        return COMPATIBLE, f"{repository} is built on the official postgres image and keeps its contract"
    if repository.rsplit("/", 1)[-1] == "postgres":
        # `<namespace>/postgres` images (ghcr.io/immich-app/postgres, ...) are built on the official one.
        return COMPATIBLE, f"{repository} is named after the official postgres image it is built on"
    return None


def runs_client_only(service: object) -> bool:
    """The service runs a Postgres image only for its client tools (`entrypoint: sh -c "pg_dump ..."`:
    a backup or migration job, the e2e harness's stand-in app): it holds no data, needs no dump setup
    and has no dumps. Only an inline shell counts; a wrapper script may well start the server."""
    words = command_words(service.get("entrypoint") if hasattr(service, "get") else None)
    return len(words) >= 2 and words[0] in SHELLS and words[1] == "-c"


def _services(doc: object) -> dict:
    data = getattr(doc, "data", doc)  # a ruamel mapping, or an object holding one as .data
    services = data.get("services") if hasattr(data, "get") else None
    return services if hasattr(services, "items") else {}


def _merged_line(mapping: object, key: str, where: str) -> int:
    """1-based line of `key`'s key or value (`where`) in `mapping`; for a key merged in with `<<:`,
    its line in the anchor."""
    try:
        return getattr(mapping.lc, where)(key)[0] + 1
    except (AttributeError, KeyError, TypeError):
        pass
    for source in _merge_sources(mapping):
        line = _merged_line(source, key, where)
        if line:
            return line
    return 0


def _line_of_key(mapping: object, key: str) -> int:
    return _merged_line(mapping, key, "key")


def _line_of_value(mapping: object, key: str) -> int:
    return _merged_line(mapping, key, "value")


def _merge_sources(mapping: object) -> list:
    """The mappings merged into `mapping` with `<<:`, in priority order (ruamel keeps them as `.merge`)."""
    merged = getattr(mapping, "merge", None)
    if not merged:
        return []
    # ruamel 0.19: a list of mappings; older versions: [(position, mapping), ...].
    return [entry[1] if isinstance(entry, tuple) else entry for entry in merged]


def environment_value(service: object, name: str) -> str | None:
    """The value of variable `name` in the service's `environment` (map or list syntax)."""
    environment = service.get("environment") if hasattr(service, "get") else None
    if hasattr(environment, "items"):
        value = environment.get(name)
        return None if value is None else str(value)
    if isinstance(environment, list):
        for item in environment:
            if isinstance(item, str):
                key, sep, value = item.partition("=")
                if key.strip() == name and sep:
                    return value
    return None


def _normalise_path(path: str) -> str:
    path = re.sub(r"/+", "/", path.strip())
    return path.rstrip("/") or "/"


def pgdata_of(service: object, lookup=None) -> str:
    value = environment_value(service, "PGDATA")
    if value:
        resolved = interpolate_defaults(value, lookup=lookup)
        if resolved:
            return _normalise_path(resolved)
    return DEFAULT_PGDATA


def _holds_data(target: str, pgdata: str) -> bool:
    """A mount at `target` holds the database: it is PGDATA, a parent of it, or the image's VOLUME path."""
    if target in IMAGE_VOLUME_PATHS or target == pgdata:
        return True
    return target != "/" and pgdata.startswith(target + "/")


def _volume_line(volumes: object, index: int) -> int:
    try:
        return volumes.lc.item(index)[0] + 1
    except (AttributeError, KeyError, TypeError, IndexError):
        return 0


def data_mounts(service: object, pgdata: str, lookup=None) -> tuple[DataMount, ...]:
    volumes = service.get("volumes") if hasattr(service, "get") else None
    if not isinstance(volumes, list):
        return ()
    found = []
    for index, item in enumerate(volumes):
        parsed = parse_volume(item)
        if parsed is None:
            continue
        source, target, long_kind = parsed
        if lookup is not None and source is not None and "$" in source:  # as Compose resolves it (`${DB_DATA_LOCATION}`), when it can
            source = interpolate_defaults(source, lookup=lookup) or source
        if isinstance(item, str):
            kind = "anonymous" if source is None else "bind" if source.startswith((".", "/", "~", "$")) else "volume"
        else:
            kind = long_kind or "volume"
            if kind not in ("volume", "bind"):
                continue  # tmpfs, npipe, cluster: nothing persists there
            if kind == "volume" and source is None:
                kind = "anonymous"
        target = _normalise_path(interpolate_defaults(target, lookup=lookup) or target)
        if _holds_data(target, pgdata):
            found.append(DataMount(kind, source, target, _volume_line(volumes, index), index))
    return tuple(found)


SETUP = "composegen-setup"  # the reason given for a service recognized by its setup alone


def carries_setup(service: object) -> bool:
    """composegen's own setup: its entrypoint and a dumps mount. Such a service is a Postgres service that
    keeps the official image's contract, whatever its image is called (`init --postgres-image any/name`)."""
    from composegen.compose.model import volume_entries
    from composegen.contract import DUMPS_DIR

    return runs_composegen_entrypoint(service) and any(entry.target == DUMPS_DIR for entry in volume_entries(service))


def _image_of(raw: object, effective: dict | None, project) -> str | None:
    """The image text to classify: the user's file's, resolved with the project's variables; the
    merged view's when an override, `extends:` or `include:` sets or changes it."""
    lookup = project.lookup if project is not None else None
    raw_image = raw.get("image") if hasattr(raw, "get") else None
    own = raw_image.strip() if isinstance(raw_image, str) else None
    merged = effective.get("image") if effective else None
    if isinstance(merged, str) and merged.strip():
        resolved_own = interpolate_defaults(own, lookup=lookup) if own else None
        uses_missing = project is not None and own and interpolate.references(own) & project.missing
        if own is None or (resolved_own is not None and merged != resolved_own and not uses_missing):
            return merged.strip()
    return own


def find_postgres_services(doc: object, project=None, accepted: dict[str, str] | None = None) -> list[PostgresService]:
    """Every Postgres service of `doc` (a ruamel round-trip mapping, or an object with it as `.data`),
    in file order, with its kind. Services whose image is not known (`${IMAGE}` without a default,
    `build:` only) or is not a Postgres server, and services that run a Postgres image only for its
    client tools (`runs_client_only`), are not listed. A service carrying composegen's setup is listed
    whatever its image.

    `project` (composegen.compose.project.ComposeProject): Compose's view of the file; variables come
    from it, and so do services and keys that override files, `extends:` and `include:` add. Such a
    service not written in `doc` has a plain dict as `mapping` and line 0.

    `accepted`: {service name: reason} of services whose image keeps the official contract though
    composegen does not know it by name (the caller read the image's config: patch --service, rule 16).
    """
    found = []
    services = _services(doc)
    lookup = project.lookup if project is not None else None
    names = list(services)
    if project is not None:
        names += [name for name in project.services if name not in services]
    for name in names:
        raw = services.get(name)
        effective = project.services.get(str(name)) if project is not None else None
        service = raw if hasattr(raw, "get") else effective
        if not hasattr(service, "get"):
            continue
        view = effective if effective is not None else service  # what Compose runs
        if runs_client_only(view):
            continue
        raw_image = _image_of(service, effective, project)
        ref = None
        image = None
        if isinstance(raw_image, str):
            image = interpolate_defaults(raw_image, lookup=lookup)
            if image:
                ref = parse_image(image)
            else:
                # `postgres:${TAG}`: the tag is not known here, the repository is; `${IMAGE}` says nothing.
                ref = parse_image(interpolate_defaults(raw_image, unknown=_UNKNOWN, lookup=lookup) or "")
                image = raw_image
                if not ref.repository or _UNKNOWN in ref.repository or _UNKNOWN in (ref.registry or ""):
                    ref = None
                else:
                    ref = ImageRef(ref.registry, ref.repository, None if _UNKNOWN in (ref.tag or "") else ref.tag,
                                   None if _UNKNOWN in (ref.digest or "") else ref.digest)
        kind_reason = classify(ref) if ref is not None else None
        if kind_reason is None and ref is not None and accepted and str(name) in accepted:
            kind_reason = (COMPATIBLE, accepted[str(name)])
        if (kind_reason is None or kind_reason[0] != OTHER_CONTRACT) and carries_setup(view):
            kind_reason = kind_reason or (COMPATIBLE, f"{SETUP}: it runs composegen's entrypoint with a dumps folder")
            ref = ref or parse_image(image or "")
        if kind_reason is None:
            continue
        kind, reason = kind_reason
        pgdata = pgdata_of(service, lookup)
        if pgdata == DEFAULT_PGDATA and effective is not None and service is not effective:
            pgdata = pgdata_of(effective)
        found.append(PostgresService(
            name=str(name),
            image=image or "",
            image_ref=ref,
            kind=kind,
            reason=reason,
            pgdata=pgdata,
            data_mounts=data_mounts(service, pgdata, lookup) if kind != OTHER_CONTRACT else (),
            line=_line_of_key(services, name) if raw is not None else 0,
            image_line=_line_of_value(service, "image") if raw is not None else 0,
            mapping=service,
            defined_in=None if raw is not None else (project.origin.get(str(name)) if project else None),
        ))
    return found


__all__ = [
    "OFFICIAL", "COMPATIBLE", "OTHER_CONTRACT", "DEFAULT_PGDATA", "IMAGE_VOLUME_PATHS",
    "ImageRef", "DataMount", "PostgresService",
    "find_postgres_services", "classify", "parse_image", "interpolate_defaults", "environment_value",
    "pgdata_of", "data_mounts", "runs_client_only", "carries_setup",
]
