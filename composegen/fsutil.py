"""Atomic file and folder writes: a failure half-way leaves nothing half-written."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path


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
