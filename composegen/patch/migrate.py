"""Where a service's data is before the patch, and the dump that carries it over.

A service that mounts a volume or a host folder at its PGDATA (or a parent of it) holds the only copy
of its data there; so does an existing container's anonymous volume. After the patch, the next `up`
starts from ./data: without a dump taken first, it would start empty. So patch refuses unless
`--migrate` (dump the running container now, then patch) or `--fresh` (the user says there is no data).
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from composegen import contract, row_counts
from composegen.compose.detect import PostgresService
from composegen.errors import UserError
from composegen.patch import docker

# Compression name -> (compress, decompress) commands in the container.
_COMPRESSORS = {"zstd": ("zstd -q -c", "zstd -q -d -c"), "gzip": ("gzip -c", "gzip -d -c")}


class MigrationRequired(UserError):
    """The patch would leave data behind: refused, with the commands that migrate it."""

    def __init__(self, message: str, commands: list[str]) -> None:
        super().__init__(message)
        self.commands = commands


@dataclass(frozen=True)
class DataAtRisk:
    description: str  # "volume 'db_data' at /var/lib/postgresql/data"
    containers: tuple[docker.Container, ...]  # the service's containers, when Docker answered
    docker_error: str | None = None  # why Docker could not be asked


def data_at_risk(service: PostgresService, folder: Path) -> DataAtRisk | None:
    """What holds the service's data today; None when nothing does.

    Without a mount the data is in the anonymous volume of an existing container, if there is one:
    when Docker cannot be asked (not installed, no permission), that cannot be ruled out.
    """
    try:
        containers = tuple(docker.service_containers(folder, service.name))
        error = None
    except docker.DockerUnavailable as exc:
        containers, error = (), _one_line(str(exc))
    if service.data_mounts:
        mount = service.data_mount
        what = {"volume": f"volume '{mount.source}'", "bind": f"folder '{mount.source}'",
                "anonymous": "an anonymous volume"}[mount.kind]
        return DataAtRisk(f"{what} at {mount.target}", containers, error)
    if containers:
        return DataAtRisk(f"the anonymous volume of its container at {service.pgdata}", containers)
    if error is not None:
        return DataAtRisk(f"the anonymous volume of a container Docker could not be asked about ({error})", (), error)
    return None


def migration_commands(compose_path: Path, service: str) -> list[str]:
    compose = shlex.quote(str(compose_path))
    return [
        "to migrate: start the stack as it is, dump it into data/ and patch, then recreate the service from the dump:",
        f"  docker compose -f {compose} up -d {shlex.quote(service)}",
        f"  composegen patch {compose} --migrate --service {shlex.quote(service)}",
        f"  docker compose -f {compose} up -d",
        f"if the database holds no data yet: composegen patch {compose} --fresh",
    ]


def running_container(risk: DataAtRisk, compose_path: Path, service: str) -> docker.Container:
    if risk.docker_error is not None:
        raise UserError(f"--migrate dumps the running database, but Docker did not answer ({risk.docker_error}): "
                        f"run patch where `docker ps` works (root or the docker group)")
    running = [container for container in risk.containers if container.running]
    if len(running) == 1:
        return running[0]
    compose = shlex.quote(str(compose_path))
    if not running:
        raise UserError(f"--migrate dumps the running database, but service '{service}' is not running: start it "
                        f"unpatched with `docker compose -f {compose} up -d {service}`, then run patch --migrate again")
    raise UserError(f"service '{service}' has {len(running)} running containers: scale it to one, then migrate")


# The container's credentials as the official entrypoint reads them: POSTGRES_USER or the file
# POSTGRES_USER_FILE names, the same for the password (needed where local connections ask for one).
# Run by `docker exec ... sh -c` (any image's sh); an unreadable file stops the script with its name
# (status 3) before pg_dumpall runs.
def _read_secret_sh(name: str, var: str) -> str:
    return (f'if [ -n "${{{name}_FILE:-}}" ]; then {var}=$(cat -- "${name}_FILE" 2>/dev/null) || '
            f'{{ echo "{name}_FILE=${name}_FILE is missing or unreadable" >&2; exit 3; }}; '
            f'else {var}=${{{name}:-}}; fi; ')


_CREDENTIALS_SH = (
    _read_secret_sh("POSTGRES_USER", "user") + _read_secret_sh("POSTGRES_PASSWORD", "password")
    + 'if [ -n "$password" ]; then PGPASSWORD=$password; export PGPASSWORD; fi; '
)


def dump_script(compress: str) -> str:
    """The shell script that writes the compressed dump to stdout."""
    return _CREDENTIALS_SH + f'pg_dumpall -U "${{user:-postgres}}" | {compress}'


# The check of the new dump also counts its rows, with the runtime's own check and counting (lib.sh's
# cg_dump_marks and cg_count_marks, rendered as utils/lib.sh is, run by the image's bash): the counts
# file `verify` reads beside every dump the runtime writes. Its output: this mark, then the counts.
# Exit status: 0 good, 3 incomplete (the trailer is not the dump's last marked line), else it does
# not decompress.
_COUNTS_MARK = "--- composegen row counts ---"
_INCOMPLETE = 3


def check_script(decompress: str) -> str:
    from composegen.utils_scripts import render_utils

    return (render_utils()["lib.sh"] + "\nCG_STATE=$(mktemp -d) || exit 4\n"
            f'{decompress} | cg_dump_marks | cg_count_marks "$CG_STATE/counts"\n'
            'st=("${PIPESTATUS[@]}")\n'
            f"echo '{_COUNTS_MARK}'\ncat \"$CG_STATE/counts\" 2>/dev/null\nrm -rf \"$CG_STATE\"\n"
            "if ((st[0] != 0 || st[1] > 1)); then exit 1; fi\n"
            f"exit \"${{st[2]}}\"\n")


def take_dump(container_id: str, data_dir: Path, compression: str) -> Path:
    """A verified whole-cluster dump of the running container in `data_dir`, named as the runtime names
    its dumps, mode 0600, owned by the image's postgres user (the restore runs as that user)."""
    compress, decompress = _COMPRESSORS[compression]
    name = contract.dump_file_name(compression)
    final = data_dir / name
    temp = data_dir / contract.temp_dump_name(name)
    temp_counts = data_dir / contract.temp_dump_name(row_counts.counts_path(final).name)
    dump = dump_script(compress)
    try:
        status, err = docker.exec_to_file(container_id, dump, temp)
        if status != 0:
            raise UserError(f"the dump failed in container {container_id[:12]} (exit {status}): {_one_line(err)}")
        status, out, err = docker.exec_with_input(container_id, check_script(decompress), temp, shell="bash")
        _, _, counts = out.partition(f"{_COUNTS_MARK}\n")
        if status == _INCOMPLETE:
            raise UserError(f"the dump is incomplete (no '{contract.TRAILER}' line at its end): nothing patched")
        if status != 0:
            raise UserError(f"the dump does not decompress ({_one_line(err)}): nothing patched")
        try:
            row_counts.parse_counts(counts)
        except row_counts.CountsError as exc:
            raise UserError(f"counting the dump's rows failed ({exc}; {_one_line(err)}): nothing patched") from None
        # As the runtime does: the counts go into place first, so a dump is never there without them.
        for path, content in ((temp_counts, counts.encode("utf-8")), (temp, None)):
            if content is not None:
                path.write_bytes(content)
            os.chmod(path, 0o600)
            _chown_to_postgres(container_id, path)
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(temp_counts, row_counts.counts_path(final))
        os.replace(temp, final)
        _fsync_dir(data_dir)
    except docker.DockerUnavailable as exc:
        raise UserError(f"the dump failed: docker did not answer ({_one_line(str(exc))}): nothing patched") from None
    finally:
        for path in (temp, temp_counts):
            if path.exists():
                path.unlink()
    return final


def _chown_to_postgres(container_id: str, path: Path) -> None:
    try:
        ids = docker.exec_output(container_id, "id -u postgres && id -g postgres").split()
        os.chown(path, int(ids[0]), int(ids[1]))
    except (docker.DockerUnavailable, ValueError, IndexError, PermissionError):
        pass  # not root here, or no postgres user: the runtime's entrypoint hands /dumps to its user


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


def old_data_note(risk: DataAtRisk, service: PostgresService, container_id: str | None) -> str:
    """What is left where the data was, for the user to remove once satisfied."""
    names = {}
    if container_id:
        try:
            names = docker.mount_names(container_id)
        except docker.DockerUnavailable:
            names = {}
    mount = service.data_mount
    if mount is None:
        return ("the old anonymous volume stays with the old container until it is removed; "
                "`docker volume ls -f dangling=true` lists it afterwards")
    actual = names.get(mount.target)
    if mount.kind == "bind":
        return f"the old data folder {actual or mount.source} is left in place: remove it once you are satisfied"
    label = f"'{actual}'" if actual else f"'{mount.source}' (prefixed with the project name)" if mount.source else "(anonymous)"
    command = f"docker volume rm {actual}" if actual else "docker volume rm <name>"
    return f"the old volume {label} is left in place: remove it once you are satisfied ({command})"


__all__ = ["MigrationRequired", "DataAtRisk", "data_at_risk", "migration_commands", "running_container",
           "take_dump", "old_data_note"]
