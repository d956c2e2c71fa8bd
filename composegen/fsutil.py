"""Atomic file and folder writes: a failure half-way leaves nothing half-written."""

from __future__ import annotations

import errno
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable


def atomic_write(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Write `data` to `path` via a temporary file in the same folder and a rename.

    `mode` defaults to the existing file's mode (so a patch keeps it), else 0644.
    """
    path = Path(path)
    if mode is None:
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_tree(
    target: Path,
    files: dict[str, tuple[str | bytes | None, int]],
    *,
    replace: bool,
    owners: dict[str, tuple[int, int]] | None = None,
) -> None:
    """Create folder `target` holding `files` ({relative path: (content or None for a folder, mode)}).

    The tree is built in a sibling temporary folder and renamed into place, so either the whole
    folder appears or nothing does. Without `replace`, an existing empty `target` is replaced (the
    rename itself refuses a non-empty one, so nothing that appeared meanwhile is lost). With
    `replace`, an existing `target` is swapped out only after the new tree is complete. `owners`
    ({relative path: (uid, gid)}) gives those entries away before the rename (needs root).
    """
    target = Path(target).resolve()
    parent = target.parent
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".new", dir=parent))
    try:
        # The staging folder stays 0700 (mkdtemp's mode) until complete: no file is ever readable
        # by others under a looser mode than its own, e.g. a .env before its chmod.
        for rel, (content, mode) in sorted(files.items()):
            dest = staging / rel
            if content is None:
                dest.mkdir(parents=True, exist_ok=True)
                os.chmod(dest, mode)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            raw = content.encode("utf-8") if isinstance(content, str) else content
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode & 0o700)
            with os.fdopen(fd, "wb") as handle:
                handle.write(raw)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(dest, mode)
        for rel, (uid, gid) in sorted((owners or {}).items()):
            os.chown(staging / rel, uid, gid)
        os.chmod(staging, 0o755)
        if target.exists() and replace:
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.rmdir(old)
            os.rename(target, old)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        elif target.is_dir() and not target.is_symlink():
            os.rename(staging, target)  # POSIX: replaces an empty folder, fails on a non-empty one
        elif target.exists() or target.is_symlink():
            raise FileExistsError(errno.EEXIST, "exists", str(target))
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@dataclass(frozen=True)
class Replacement:
    path: Path  # the file to write (not a link: callers resolve links first)
    content: bytes
    mode: int
    backup: Path | None = None  # keep the file now at `path` under this name (a user's file)


def replace_files(folders: list[tuple[Path, int, tuple[int, int] | None]], files: list[Replacement]) -> None:
    """Create `folders` (path, mode, (uid, gid) or None) and write `files`, all or nothing.

    Every new content is first written and synced to a temporary file beside its destination; only
    when all of them are complete are they renamed into place, in the order given. The file each one
    replaces stays hard-linked under a second name until the end, so a failure on the way puts back
    every file already replaced and removes what was created: the folder is as it was.
    """
    created: list[Path] = []
    staged: list[tuple[Replacement, str]] = []
    swapped: list[tuple[Replacement, Path | None]] = []
    try:
        for folder, mode, owner in folders:
            missing = [Path(folder)]
            while not os.path.lexists(missing[-1].parent):
                missing.append(missing[-1].parent)
            for path in reversed(missing):
                os.mkdir(path, mode)
                created.append(path)
                os.chmod(path, mode)
                if owner is not None:
                    os.chown(path, *owner)
        for item in files:
            fd, tmp = tempfile.mkstemp(prefix=f".{item.path.name}.", suffix=".tmp", dir=item.path.parent)
            staged.append((item, tmp))
            with os.fdopen(fd, "wb") as handle:
                handle.write(item.content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, item.mode)
        for item, tmp in staged:
            old = None
            if os.path.lexists(item.path):
                old = item.backup or _unused_name(item.path)
                os.link(item.path, old)
            swapped.append((item, old))
            os.replace(tmp, item.path)
    except BaseException:
        for item, old in reversed(swapped):
            try:
                if old is not None and os.path.samefile(old, item.path):
                    os.unlink(old)  # not replaced yet (rename onto the same file would keep both names)
                elif old is not None:
                    os.replace(old, item.path)
                elif os.path.lexists(item.path):
                    os.unlink(item.path)
            except OSError:
                pass
        for _, tmp in staged:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        for folder in reversed(created):
            shutil.rmtree(folder, ignore_errors=True)
        raise
    for item, old in swapped:
        if old is not None and item.backup is None:
            try:
                os.unlink(old)
            except FileNotFoundError:
                pass


def _unused_name(path: Path) -> Path:
    """A name beside `path` that nothing uses, for the copy kept until a replacement is complete."""
    for _ in range(100):
        candidate = path.with_name(f".{path.name}.{secrets.token_hex(4)}.old")
        if not os.path.lexists(candidate):
            return candidate
    raise FileExistsError(errno.EEXIST, "no free name beside", str(path))


# --- folders a container's user must own (an app's state folders, a `user:` Postgres service's data/) ---


def can_own(owner: str) -> bool:
    """True when a folder can belong to `owner` ("uid:gid") without help: this process is root (it
    chowns), `owner` is this process's own uid:gid, or the owner is root (it can write anywhere)."""
    uid, gid = (int(part) for part in owner.split(":"))
    return os.geteuid() == 0 or uid == 0 or (uid, gid) == (os.geteuid(), os.getegid())


def chown_command(pending: Iterable[tuple[Path | str, str]], recursive: bool = False) -> str:
    """The one command that gives each (folder, "uid:gid") to its owner ('' for none), folders grouped
    by owner; `recursive`: with what they hold."""
    import shlex

    by_owner: dict[str, list[str]] = {}
    for path, owner in pending:
        by_owner.setdefault(owner, []).append(shlex.quote(str(path)))
    flag = "-R " if recursive else ""
    return " && ".join(f"sudo chown {flag}{owner} {' '.join(paths)}" for owner, paths in by_owner.items())
