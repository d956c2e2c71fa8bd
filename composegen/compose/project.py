"""Compose's own view of a compose file: its variables, override files, `extends:`, `include:` and profiles.

What `docker compose config` prints is the reference (tests/compose/test_project_vs_compose.py compares
the two on every file of the corpus): services with their image, environment and volumes after
interpolation and merging. Commands read the Postgres services from this view; edits still go to the
user's own file, by position, so the view is plain data (no positions).

Compose's rules followed here (compose-spec, compose-go):
- variables: the process environment wins over the env files; the env files are `--env-file` (in
  order) or else `.env` in the project folder (the first file's folder);
- files: the first file, then `compose.override.y(a)ml` / `docker-compose.override.y(a)ml` beside it
  when it has one of Compose's default names, then the files given as overrides, merged in order;
- every string value is interpolated (keys are not), in each file before merging;
- `extends:` takes a service of the same file or of another file, and merges the service over it;
- `include:` adds the services of other compose files (their own folder and .env);
- relative bind-mount sources of services from another folder become absolute (as Compose does);
- profiles: every service is kept with its `profiles:` (commands look at every service the file
  defines; a profile only says when Compose starts it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from composegen.compose import dotenv, interpolate
from composegen.compose.load import LoadError, load_yaml_file, paused_gc
from composegen.compose.model import split_volume_spec
from composegen.errors import UserError

OVERRIDE_NAMES = ("compose.override.yml", "compose.override.yaml",
                  "docker-compose.override.yml", "docker-compose.override.yaml")
DEFAULT_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_MAX_NESTING = 20  # include/extends chains deeper than this are a loop in all but name

# Service keys whose lists are replaced (not appended to) by a later file, and those merged by key.
_REPLACED = {"command", "entrypoint", "test", "dns", "dns_search", "env_file", "profiles"}
_MAPPED = {"environment", "labels", "annotations", "sysctls", "extra_hosts", "depends_on", "build_args"}


class ProjectError(UserError):
    pass


@dataclass
class ComposeProject:
    main: Path  # the user's file: edits go there
    files: list[Path]  # main first, then the overrides merged over it
    environment: dict[str, str]  # what `${VAR}` resolves to
    services: dict[str, dict] = field(default_factory=dict)  # Compose's view of each service
    origin: dict[str, Path] = field(default_factory=dict)  # service -> the file that defines it first
    missing: set[str] = field(default_factory=set)  # variables used but set nowhere

    def lookup(self, name: str) -> str | None:
        return self.environment.get(name)


def project_environment(folder: Path, env_files: list[Path] | None = None,
                        environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """What `${VAR}` resolves to: the env files (`--env-file`s, else `folder/.env`), the environment over them."""
    environ = dict(os.environ if environ is None else environ)
    if env_files:
        paths = [Path(p) for p in env_files]
        for path in paths:
            if not path.is_file():
                raise ProjectError(f"{path}: no such env file")
    else:
        paths = [folder / ".env"] if (folder / ".env").is_file() else []
    from_files = dotenv.read_env_files(paths, environ)
    return {**from_files, **environ}


def override_files(main: Path) -> list[Path]:
    """The override file Compose merges over `main` on its own (only beside a file with a default name)."""
    if main.name not in DEFAULT_NAMES:
        return []
    for name in OVERRIDE_NAMES:
        if (main.parent / name).is_file():
            return [main.parent / name]
    return []


def load_project(main: Path, *, env_files: list[Path] | None = None, overrides: list[Path] | None = None,
                 environ: Mapping[str, str] | None = None, main_data: object = None,
                 auto_override: bool = True) -> ComposeProject:
    """Compose's view of `main` (plus its overrides). `main_data`: the file already parsed (any mapping)."""
    with paused_gc():  # a plain copy of every value: as for a parse, collections would find no garbage
        return _load_project(main, env_files, overrides, environ, main_data, auto_override)


def _load_project(main: Path, env_files: list[Path] | None, overrides: list[Path] | None,
                  environ: Mapping[str, str] | None, main_data: object, auto_override: bool) -> ComposeProject:
    main = Path(main)
    folder = main.parent
    environment = project_environment(folder, env_files, environ)
    files = [main, *(override_files(main) if auto_override else []), *[Path(p) for p in overrides or []]]
    project = ComposeProject(main, files, environment)
    reader = _Reader(project.missing)
    for index, path in enumerate(files):
        data = main_data if index == 0 and main_data is not None else reader.raw(path)
        services, origin = reader.services_of(path, data, environment, folder, depth=0)
        for name, service in services.items():
            if name in project.services:
                project.services[name] = merge_service(project.services[name], service)
            else:
                project.services[name] = service
                project.origin[name] = origin[name]
    return project


class _Reader:
    def __init__(self, missing: set[str]):
        self.missing = missing
        self.cache: dict[Path, object] = {}

    def raw(self, path: Path) -> object:
        key = path.resolve()
        if key not in self.cache:
            self.cache[key] = load_yaml_file(path, "compose file")
        return self.cache[key]

    def interpolated(self, data: object, environment: Mapping[str, str], path: Path) -> object:
        try:
            return _interpolate(data, environment.get, self.missing)
        except interpolate.InterpolationError as exc:
            raise ProjectError(f"{path}: {exc}") from None

    def services_of(self, path: Path, data: object, environment: Mapping[str, str], project_folder: Path,
                    depth: int) -> tuple[dict[str, dict], dict[str, Path]]:
        """The services `path` defines (its includes and extends resolved), interpolated, as plain data."""
        if depth > _MAX_NESTING:
            raise ProjectError(f"{path}: include/extends nested more than {_MAX_NESTING} deep (a loop?)")
        if data is None:
            return {}, {}
        if not isinstance(data, Mapping):
            raise ProjectError(f"{path}: not a compose file (the top level is not a mapping)")
        data = self.interpolated(data, environment, path)
        services: dict[str, dict] = {}
        origin: dict[str, Path] = {}
        for entry in _include_entries(data.get("include")):
            for included, service_map in self._include(path, entry, environment, depth).items():
                if included in services:
                    raise ProjectError(f"{path}: service '{included}' is defined by two included files")
                services[included], origin[included] = service_map
        raw_services = data.get("services") or {}
        if not isinstance(raw_services, Mapping):
            raise ProjectError(f"{path}: `services` is not a mapping")
        elsewhere = path.parent.resolve() != project_folder.resolve()  # once: resolve() is a system call per part
        for name, service in raw_services.items():
            name = str(name)
            resolved = self._extends(path, data, name, environment, project_folder, depth, [])
            if elsewhere:
                resolved = _absolute_sources(resolved, path.parent)
            if name in services:
                raise ProjectError(f"{path}: service '{name}' is defined both here and in an included file")
            services[name] = resolved
            origin[name] = path
        return services, origin

    def _include(self, path: Path, entry: dict, environment: Mapping[str, str],
                 depth: int) -> dict[str, tuple[dict, Path]]:
        paths = entry.get("path")
        paths = [paths] if isinstance(paths, str) else list(paths or [])
        if not paths:
            raise ProjectError(f"{path}: an `include:` entry without a path")
        first = (path.parent / paths[0])
        folder = Path(entry["project_directory"]) if entry.get("project_directory") else first.parent
        if not folder.is_absolute():
            folder = path.parent / folder
        env_files = entry.get("env_file")
        env_files = [env_files] if isinstance(env_files, str) else list(env_files or [])
        # The included project's variables: its own .env (or env_file), under the including project's.
        own = project_environment(folder, [path.parent / p for p in env_files] or None, environ={})
        merged_env = {**own, **environment}
        out: dict[str, tuple[dict, Path]] = {}
        for index, rel in enumerate(paths):
            included = path.parent / rel
            try:
                data = self.raw(included)
            except LoadError as exc:
                raise ProjectError(f"{path}: include {rel}: {exc.message}") from None
            services, origin = self.services_of(included, data, merged_env, path.parent, depth + 1)
            for name, service in services.items():
                if name in out and index:
                    out[name] = (merge_service(out[name][0], service), out[name][1])
                else:
                    out[name] = (service, origin[name])
        return out

    def _extends(self, path: Path, data: Mapping, name: str, environment: Mapping[str, str],
                 project_folder: Path, depth: int, chain: list[tuple[Path, str]]) -> dict:
        services = data.get("services") or {}
        service = services.get(name)
        if not isinstance(service, Mapping):
            service = {}
        service = dict(service)
        extends = service.pop("extends", None)
        if extends is None:
            return service
        if (path.resolve(), name) in chain or len(chain) > _MAX_NESTING:
            raise ProjectError(f"{path}: service '{name}' extends itself (through {len(chain)} steps)")
        if isinstance(extends, str):
            base_name, base_file = extends, None
        elif isinstance(extends, Mapping) and extends.get("service"):
            base_name, base_file = str(extends["service"]), extends.get("file")
        else:
            raise ProjectError(f"{path}: service '{name}': `extends` needs a service")
        if base_file:
            base_path = path.parent / str(base_file)
            try:
                base_data = self.interpolated(self.raw(base_path), environment, base_path)
            except LoadError as exc:
                raise ProjectError(f"{path}: service '{name}' extends {base_file}: {exc.message}") from None
        else:
            base_path, base_data = path, data
        if not isinstance(base_data, Mapping) or base_name not in (base_data.get("services") or {}):
            raise ProjectError(f"{path}: service '{name}' extends '{base_name}', which "
                               f"{base_file or 'this file'} does not define")
        base = self._extends(base_path, base_data, base_name, environment, project_folder, depth + 1,
                             chain + [(path.resolve(), name)])
        if base_path.parent.resolve() != path.parent.resolve():
            base = _absolute_sources(base, base_path.parent)
        base.pop("depends_on", None)  # Compose does not inherit these from the base
        return merge_service(base, service)


def _include_entries(value: object) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProjectError("`include` is not a list")
    entries = []
    for item in value:
        if isinstance(item, str):
            entries.append({"path": item})
        elif isinstance(item, Mapping):
            entries.append(dict(item))
        else:
            raise ProjectError(f"an `include` entry is neither a path nor a mapping: {item!r}")
    return entries


def _interpolate(value: object, lookup, missing: set[str]) -> object:
    """A plain copy of `value` with every string value interpolated (mapping keys are not)."""
    if isinstance(value, str):
        return interpolate.substitute(value, lookup, missing)
    if isinstance(value, Mapping):
        return {str(key): _interpolate(item, lookup, missing) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_interpolate(item, lookup, missing) for item in value]
    return value


def _absolute_sources(service: dict, folder: Path) -> dict:
    """Relative bind sources (and env_file paths) made absolute against the folder of the file they come from."""
    service = dict(service)
    volumes = service.get("volumes")
    if isinstance(volumes, list):
        fixed = []
        for item in volumes:
            if isinstance(item, str):
                parts = split_volume_spec(item)
                if len(parts) > 1 and parts[0].startswith("."):
                    parts[0] = os.path.normpath(str(folder.resolve() / parts[0]))
                    item = ":".join(parts)
            elif isinstance(item, Mapping) and str(item.get("source", "")).startswith("."):
                item = {**item, "source": os.path.normpath(str(folder.resolve() / str(item["source"])))}
            fixed.append(item)
        service["volumes"] = fixed
    return service


def _as_mapping(value: object) -> dict | None:
    """`environment`/`labels`/... in list syntax (`- K=V`, `- K`) as a mapping; a mapping as it is."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, list):
        out = {}
        for item in value:
            key, sep, val = str(item).partition("=")
            out[key.strip()] = val if sep else None
        return out
    return None


def _volume_key(item: object) -> str:
    if isinstance(item, str):
        parts = split_volume_spec(item)
        return (parts[1] if len(parts) > 1 else parts[0]).rstrip("/") or "/"
    if isinstance(item, Mapping):
        return str(item.get("target", "")).rstrip("/") or "/"
    return repr(item)


def merge_service(base: dict, over: dict) -> dict:
    """`over` merged onto `base` with Compose's rules for services."""
    out = dict(base)
    for key, value in over.items():
        if key not in out or out[key] is None:
            out[key] = value
        elif key in _MAPPED and _as_mapping(out[key]) is not None and _as_mapping(value) is not None:
            out[key] = {**_as_mapping(out[key]), **_as_mapping(value)}
        elif key in ("volumes", "devices", "secrets", "configs") and isinstance(out[key], list) and isinstance(value, list):
            merged = {_volume_key(item): item for item in out[key]}
            merged.update({_volume_key(item): item for item in value})
            out[key] = list(merged.values())
        else:
            out[key] = _merge_value(key, out[key], value)
    return out


def _merge_value(key: str, base: object, over: object) -> object:
    if isinstance(base, Mapping) and isinstance(over, Mapping):
        merged = dict(base)
        for sub, value in over.items():
            merged[sub] = _merge_value(sub, merged[sub], value) if sub in merged else value
        return merged
    if isinstance(base, list) and isinstance(over, list) and key not in _REPLACED:
        return base + [item for item in over if item not in base]
    return over
