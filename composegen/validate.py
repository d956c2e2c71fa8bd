"""One check per fact about a value composegen writes: init (spec and flags), patch and the runtime agree.

Each check raises UserError("<where>: <what is wrong>") or returns the value. What JSON Schema can say
(the shape of a spec, its patterns) stays in schemas/service-spec.schema.json; the schedule's grammar,
which the runtime also reads, is composegen/contract.py's. What a pattern
cannot say (numeric ranges, the image's Postgres major, the size of an environment string, where a
bind mount points) is here.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from composegen import contract, stack
from composegen.errors import UserError

# Linux refuses to exec a process with one environment (or argument) string longer than
# MAX_ARG_STRLEN: 32 pages, 131072 bytes, counting "NAME=value" and its terminating NUL.
MAX_ENV_STRING = 128 * 1024
# What the stack folder holds for the Postgres service: an app's bind mount must not expose or shadow it.
RESERVED_PATHS = ("data", "utils", ".env")
# .env is read by Compose itself: these prefixes name its own settings (COMPOSE_PROJECT_NAME,
# COMPOSE_FILE, COMPOSE_PROFILES, DOCKER_HOST, ...), so a secret by such a name would reconfigure Compose.
RESERVED_ENV_PREFIXES = ("COMPOSE_", "DOCKER_")


def _options_schema() -> dict:
    return _defs()["options"]["properties"]


def _defs() -> dict:
    from composegen.spec import schema_document

    return schema_document()["$defs"]


def _image_pattern() -> re.Pattern:
    return re.compile(_defs()["image"]["pattern"])


# --- runtime options (the runtime scripts check the same, tests/runtime runs both on one table) ---


def schedule(value: object, where: str = "--schedule") -> str:
    """`0` (dumps on stop only) or <n>s|m|h|d, n of 1 to 9 digits without a leading zero; a bare <n> is
    seconds. The grammar is composegen.contract's, which the runtime reads too."""
    from composegen import contract

    text = str(value)
    if not isinstance(value, (str, int)) or isinstance(value, bool) or contract.schedule_seconds(text) is None:
        raise UserError(f"{where}: {text!r} is not an interval: use e.g. 1h, 30m, 90s, 1d, or 0 for dumps "
                        f"on stop only (at most 9 digits)")
    return text


def schedule_seconds(text: str) -> int:
    """The interval of a valid schedule, in seconds (what the runtime's cg_schedule_seconds prints)."""
    from composegen import contract

    return contract.schedule_seconds(text)


def keep(value: object, where: str = "--keep") -> int:
    bounds = _options_schema()["keep"]
    low, high = bounds["minimum"], bounds["maximum"]
    try:
        number = int(str(value), 10) if not isinstance(value, bool) else None
    except ValueError:
        number = None
    if number is None or not low <= number <= high or not re.fullmatch(r"[1-9][0-9]*", str(value)):
        raise UserError(f"{where}: {str(value)!r} is not a number of dumps to keep ({low} to {high})")
    return number


def compression(value: object, where: str = "--compression") -> str:
    allowed = _options_schema()["compression"]["enum"]
    if value not in allowed:
        raise UserError(f"{where}: {str(value)!r} is not one of {', '.join(allowed)}")
    return value


def service_user(value: object, where: str = "--user") -> str:
    """UID:GID a Postgres service runs as (rule 19): numbers, since init gives data/ to them; uid 0 is
    root, which is the image's default (no `user:` needed). Linux ids are 32-bit, (2^32 - 1) is "none"."""
    text = str(value)
    match = re.fullmatch(r"([0-9]{1,10}):([0-9]{1,10})", text) if isinstance(value, str) else None
    if match is None or any(int(part) >= 2**32 - 1 for part in match.groups()):
        raise UserError(f"{where}: {text!r} is not UID:GID (two numbers, e.g. 1000:1000)")
    if int(match.group(1)) == 0:
        raise UserError(f"{where}: {text!r} is root, which the image runs as without --user: leave it out")
    return text


# --- the Postgres image ------------------------------------------------------------------------


def postgres_version(value: object, where: str = "--postgres-version") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in stack.POSTGRES_VERSIONS:
        versions = stack.POSTGRES_VERSIONS
        raise UserError(f"{where}: {value!r} is not a Postgres major composegen supports "
                        f"({versions.start} to {versions.stop - 1})")
    return value


def postgres_image(image: str, where: str = "--postgres-image", version: int | None = None,
                   version_where: str = "--postgres-version") -> str:
    """An image that keeps the official image's contract, of a supported major, and of `version` when
    both are given (its tag naming another major would silently win over `version`)."""
    from composegen.compose.detect import OTHER_CONTRACT, classify, parse_image

    pattern = _image_pattern()
    if not isinstance(image, str) or not pattern.search(image):
        raise UserError(f"{where}: {str(image)!r} is not valid ({_defs()['image']['description']})")
    ref = parse_image(image)
    kind = classify(ref)
    if kind is None:
        # Not known by name (a locally built image, a private registry's copy): its own config decides,
        # as for `patch --service` (rule 16).
        from composegen.image_config import contract_problem

        problem = contract_problem(image, again="run init again")
        if problem is not None:
            raise UserError(f"{where}: {image!r} is not a Postgres image composegen knows by name (the official "
                            f"postgres image, or one built on it that keeps its entrypoint, environment and data "
                            f"path), and {problem}")
    elif kind[0] == OTHER_CONTRACT:
        raise UserError(f"{where}: {image!r} does not keep the official image's contract: {kind[1]}")
    major = ref.major
    if major is not None and major not in stack.POSTGRES_VERSIONS:
        postgres_version(major, f"{where}: {image!r}")
    if major is not None and version is not None and major != version:
        raise UserError(f"{where}: {image!r} is Postgres {major}, but {version_where} says {version}; "
                        f"give one of them, or both naming the same major")
    return image


# --- the app's service -------------------------------------------------------------------------

_PORT = re.compile(
    r"(?:(?P<ip>\d{1,3}(?:\.\d{1,3}){3}):)?(?:(?P<host>\d+(?:-\d+)?):)?(?P<container>\d+(?:-\d+)?)(?:/(?:tcp|udp))?")


def port(text: str, where: str) -> str:
    """`[IP:][HOST:]CONTAINER[/PROTO]`, each side a port or a range of ports in 1-65535."""
    match = _PORT.fullmatch(text)
    if match is None:
        raise UserError(f"{where}: {text!r} is not a port mapping ([IP:][HOST:]CONTAINER[/tcp|udp])")
    if match.group("ip") and any(int(octet) > 255 for octet in match.group("ip").split(".")):
        raise UserError(f"{where}: {text!r}: {match.group('ip')} is not an IPv4 address")
    spans = []
    for side in ("host", "container"):
        if match.group(side) is None:
            continue
        low, _, high = match.group(side).partition("-")
        first, last = int(low), int(high or low)
        for number in (first, last):
            if not 1 <= number <= 65535:
                raise UserError(f"{where}: {text!r}: port {number} is out of range (1 to 65535)")
        if last < first:
            raise UserError(f"{where}: {text!r}: the range {match.group(side)} ends before it starts")
        spans.append(last - first)
    if len(spans) == 2 and spans[0] != spans[1] and spans[1] != 0:  # HOST range:PORT picks one host port
        raise UserError(f"{where}: {text!r}: the host and container ranges have different lengths")
    return text


def environment_string(name: str, value: str, where: str) -> None:
    """One `NAME=value` string of a process environment (or one argument: the same limit) fits Linux's cap."""
    size = len(name.encode("utf-8")) + 1 + len(value.encode("utf-8")) + 1
    if size > MAX_ENV_STRING:
        raise UserError(f"{where}: {size} bytes, more than the {MAX_ENV_STRING} Linux allows one "
                        f"environment string or argument (the container would not start)")


def app_mount(volume: str, where: str, stack_dir: Path | None = None) -> None:
    """Refuse an app bind mount that exposes or shadows the folder's data/, utils/ or .env.

    The host side is resolved the way Compose resolves it, against the stack folder, so
    `../<folder>/data`, `../` and an absolute path to the folder are caught as well as `./data`.
    Without `stack_dir` (a spec on its own) only what the relative path itself says can be checked.
    """
    host = volume.split(":", 1)[0]
    message = (f"{where}: {volume!r} would expose or shadow the folder's {', '.join(RESERVED_PATHS)} "
               f"(they belong to the Postgres service)")
    if stack_dir is None:
        relative = posixpath.normpath(host)
        parts = relative.split("/")
        if not relative.startswith("/") and (relative == "." or all(part == ".." for part in parts)
                                             or parts[0] in RESERVED_PATHS):
            raise UserError(message)
        return
    base = Path(os.path.realpath(stack_dir))
    source = Path(os.path.realpath(base / host))
    reserved = [Path(os.path.realpath(base / name)) for name in RESERVED_PATHS]
    if source == base or base.is_relative_to(source) or any(
            source == path or source.is_relative_to(path) for path in reserved):
        raise UserError(message)


def secret_name(name: str, where: str) -> str:
    if name.startswith(RESERVED_ENV_PREFIXES):
        raise UserError(f"{where}: {name!r} is reserved: Compose reads .env itself, and "
                        f"{'/'.join(p + '*' for p in RESERVED_ENV_PREFIXES)} variables change how it runs")
    return name


def database_user(name: str, where: str) -> str:
    if name.startswith("pg_"):
        raise UserError(f"{where}: {name!r} is reserved: Postgres refuses role names that begin with pg_")
    return name
