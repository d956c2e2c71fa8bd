"""The catalog probe image: psql and tests/e2e/probe/probe.sh on the harness's cached Debian rootfs.

It stands in for every catalog app (and its workers, cron sidecars, migration jobs and caches) in
tests/e2e/test_catalog_apps.py: app images cannot be pulled here. Built like the test images: on the
rootfs image images.py imports (from its cached tarball), with DOCKER_BUILDKIT=0, and only when the hash
of its inputs (the label) differs.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from harness import images

PROBE_DIR = Path(__file__).resolve().parent.parent / "probe"
MAJOR = 17  # the rootfs whose psql the probe uses
PROBE_IMAGE = (f"{images.REPOSITORY.rsplit('/', 1)[0]}/catalog-probe:latest" if "/" in images.REPOSITORY
               else f"{images.REPOSITORY}-catalog-probe:latest")


def inputs_hash() -> str:
    files = [(PROBE_DIR / name).read_bytes() for name in ("Dockerfile", "probe.sh")]
    return images._digest("probe-v1", images.rootfs_hash(MAJOR), *files)


def ensure_probe_image(docker: str) -> str:
    """The probe's tag, built first when missing or stale (needs the test images' rootfs)."""
    images.ensure_images(docker, [images.spec_for(f"{MAJOR}-busybox")])
    with open(images.CACHE_DIR / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if images._image_label(docker, PROBE_IMAGE) == inputs_hash():
            return PROBE_IMAGE
        base = images.rootfs_image(MAJOR)
        log_dir = images.CACHE_DIR / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        if not images._image_exists(docker, base):
            tarball = images.rootfs_tarball(MAJOR)
            if not tarball.is_file():
                raise images.ImagesUnavailable(f"no rootfs image {base} nor its tarball {tarball}")
            images._run_logged([docker, "import", str(tarball), base], log_dir / "import.log")
        old = images._image_id(docker, PROBE_IMAGE)
        images._say(f"docker build {PROBE_IMAGE}")
        images._run_logged([docker, "build", "--pull=false", "-t", PROBE_IMAGE, "--build-arg", f"BASE={base}",
                            "--build-arg", f"INPUTS_HASH={inputs_hash()}", str(PROBE_DIR)],
                           log_dir / "build-catalog-probe.log", env=dict(os.environ, DOCKER_BUILDKIT="0"))
        if old and old != images._image_id(docker, PROBE_IMAGE):
            images._remove_quietly(docker, old)
        return PROBE_IMAGE


def main() -> None:  # pragma: no cover - a convenience: python -m harness.probe
    from harness.engine import find_engine

    print(ensure_probe_image(find_engine().docker))


if __name__ == "__main__":  # pragma: no cover
    main()
