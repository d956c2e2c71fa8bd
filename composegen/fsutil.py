"""Atomic file and folder writes: a failure half-way leaves nothing half-written."""

from __future__ import annotations

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


def write_tree(target: Path, files: dict[str, tuple[str | bytes | None, int]], *, replace: bool) -> None:
    """Create folder `target` holding `files` ({relative path: (content or None for a folder, mode)}).

    The tree is built in a sibling temporary folder and renamed into place, so either the whole
    folder appears or nothing does. With `replace`, an existing `target` is swapped out only after
    the new tree is complete.
    """
    target = Path(target).resolve()
    parent = target.parent
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".new", dir=parent))
    try:
        os.chmod(staging, 0o755)
        for rel, (content, mode) in sorted(files.items()):
            dest = staging / rel
            if content is None:
                dest.mkdir(parents=True, exist_ok=True)
                os.chmod(dest, mode)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            raw = content.encode("utf-8") if isinstance(content, str) else content
            dest.write_bytes(raw)
            os.chmod(dest, mode)
        if target.exists():
            if not replace:
                raise FileExistsError(str(target))
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.rmdir(old)
            os.rename(target, old)
            os.rename(staging, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
