"""The test images: built locally once per machine, reused while their build inputs are unchanged.

Each image carries the hash of its build inputs in the label `composegen.test.inputs-hash`; a build
happens only when `docker image inspect` shows a different (or no) hash. The debootstrapped rootfs is
cached as a tarball under /var/cache/composegen-test/, keyed by the hash of its own inputs, so editing
the entrypoint rebuilds only the thin `docker build` layer (seconds), not the rootfs (minutes).

Run `python -m harness` from tests/e2e/ to build them ahead of a test run (`--force` rebuilds).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

INPUTS_DIR = Path(__file__).resolve().parent.parent / "images"
CACHE_DIR = Path(os.environ.get("COMPOSEGEN_TEST_CACHE", "/var/cache/composegen-test"))
HASH_LABEL = "composegen.test.inputs-hash"
# Test-only names, never a real image's. COMPOSEGEN_TEST_REPOSITORY ("NAMESPACE/NAME") moves the test
# images (and the rootfs images, NAMESPACE/rootfs) elsewhere: the tags are fixed names, so someone
# changing the build inputs on a shared engine would otherwise replace the images other runs use.
REPOSITORY = os.environ.get("COMPOSEGEN_TEST_REPOSITORY") or "composegen-test/postgres"
ROOTFS_REPOSITORY = f"{REPOSITORY.rsplit('/', 1)[0]}/rootfs" if "/" in REPOSITORY else f"{REPOSITORY}-rootfs"

# The Debian release that packages each major (forky is testing: debootstrapped with the sid script).
SUITES = {13: "bullseye", 15: "bookworm", 17: "trixie", 18: "forky"}
MAJORS = tuple(SUITES)
# dash: the official Debian-based images (dash /bin/sh, GNU userland, postgres 999:999, gosu, no ps).
# busybox: Alpine-like (busybox ash /bin/sh and busybox's applets ahead of the GNU tools on PATH,
# postgres 70:70, gosu). tests/e2e/images/flavour.sh builds both on one rootfs.
FLAVOURS = ("dash", "busybox")
EXTENSION_MAJOR = 17  # the extension-like image is built FROM this major's dash image


@dataclass(frozen=True)
class ImageSpec:
    name: str  # short name, also the tag: "15-dash"
    major: int
    flavour: str
    extension: bool = False  # the extension-like image: a wrapper ENTRYPOINT and its own CMD

    @property
    def tag(self) -> str:
        return f"{REPOSITORY}:{self.name}"

    @property
    def suite(self) -> str:
        return SUITES[self.major]

    @property
    def pgdata(self) -> str:
        # The official layout of each major (../shared/postgres-image-contract.md).
        return f"/var/lib/postgresql/{self.major}/docker" if self.major >= 18 else "/var/lib/postgresql/data"

    @property
    def volume(self) -> str:
        return "/var/lib/postgresql" if self.major >= 18 else "/var/lib/postgresql/data"

    @property
    def base(self) -> "ImageSpec | None":
        """The test image an extension-like image is built FROM (None: built on the rootfs)."""
        return ImageSpec(f"{self.major}-{self.flavour}", self.major, self.flavour) if self.extension else None


SPECS = [ImageSpec(f"{major}-{flavour}", major, flavour) for major in MAJORS for flavour in FLAVOURS]
# Like immich's Postgres image: FROM an official one, its own ENTRYPOINT wrapper that writes a config
# file preloading a library and then runs docker-entrypoint.sh "$@", and its own CMD pointing at it.
SPECS.append(ImageSpec(f"{EXTENSION_MAJOR}-extension", EXTENSION_MAJOR, "dash", extension=True))

IMAGES = {spec.name: spec.tag for spec in SPECS}
EXTENSION_IMAGE = IMAGES[f"{EXTENSION_MAJOR}-extension"]
# What the extension-like image preloads (its wrapper writes it into its config file).
EXTENSION_PRELOAD = "pg_stat_statements"
EXTENSION_CONFIG_FILE = "/etc/postgresql/postgresql.conf"


def app_image(image: str) -> str:
    """The image of a stack's stand-in app: the rootfs of the test image's major (psql; no VOLUME,
    entrypoint or CMD of its own), always present once that test image is built."""
    return rootfs_image(spec_for(image).major)


def image_tag(major: int, flavour: str) -> str:
    return IMAGES[f"{major}-{flavour}"]


def spec_for(image: str) -> ImageSpec:
    """The spec of a test image, by short name ("15-dash") or full tag."""
    for spec in SPECS:
        if image in (spec.name, spec.tag):
            return spec
    raise KeyError(f"not a test image: {image!r} (known: {', '.join(IMAGES)})")


class ImagesUnavailable(Exception):
    """The test images are missing and cannot be built here."""


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:16]


def rootfs_hash(major: int) -> str:
    return _digest("rootfs-v1", (INPUTS_DIR / "build-rootfs.sh").read_bytes(), SUITES[major], str(major))


IMAGE_FILES = ("Dockerfile", "flavour.sh", "docker-entrypoint.sh")
EXTENSION_FILES = ("Dockerfile.extension", "extension-entrypoint.sh")


def inputs_hash(spec: ImageSpec) -> str:
    if spec.base is not None:
        files = [(INPUTS_DIR / name).read_bytes() for name in EXTENSION_FILES]
        return _digest("extension-v1", inputs_hash(spec.base), *files, EXTENSION_PRELOAD, EXTENSION_CONFIG_FILE)
    files = [(INPUTS_DIR / name).read_bytes() for name in IMAGE_FILES]
    return _digest("image-v1", rootfs_hash(spec.major), *files, spec.flavour, spec.pgdata, spec.volume)


def build_args(spec: ImageSpec) -> list[str]:
    """`docker build` arguments (before the context) for one image."""
    if spec.base is not None:
        args = {"BASE": spec.base.tag, "PRELOAD": EXTENSION_PRELOAD, "CONFIG_FILE": EXTENSION_CONFIG_FILE}
        dockerfile = ["-f", str(INPUTS_DIR / "Dockerfile.extension")]
    else:
        args = {"BASE": rootfs_image(spec.major), "PG_MAJOR": spec.major, "FLAVOUR": spec.flavour,
                "PGDATA_PATH": spec.pgdata, "VOLUME_PATH": spec.volume}
        dockerfile = []
    args["INPUTS_HASH"] = inputs_hash(spec)
    return dockerfile + [item for key, value in args.items() for item in ("--build-arg", f"{key}={value}")]


def rootfs_image(major: int) -> str:
    return f"{ROOTFS_REPOSITORY}:{SUITES[major]}-pg{major}-{rootfs_hash(major)}"


def rootfs_tarball(major: int) -> Path:
    return CACHE_DIR / f"rootfs-{SUITES[major]}-pg{major}-{rootfs_hash(major)}.tar"


def debian_mirror(apt_dir: Path = Path("/etc/apt")) -> str:
    """The Debian mirror this machine's apt uses (read at run time: no host name lives in the repo)."""
    override = os.environ.get("COMPOSEGEN_TEST_MIRROR")
    if override:
        return override
    candidates: list[tuple[str, list[str]]] = []
    for path in sorted((apt_dir / "sources.list.d").glob("*.sources")):
        for stanza in re.split(r"\n\s*\n", path.read_text()):
            fields = dict(re.findall(r"^([A-Za-z-]+):[ \t]*(.*)$", stanza, re.M))
            if "deb" in fields.get("Types", "").split():
                for uri in fields.get("URIs", "").split():
                    candidates.append((uri, fields.get("Suites", "").split()))
    for path in [apt_dir / "sources.list", *sorted((apt_dir / "sources.list.d").glob("*.list"))]:
        if path.is_file():
            for line in path.read_text().splitlines():
                m = re.match(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
                if m:
                    candidates.append((m.group(1), [m.group(2)]))
    for uri, suites in candidates:
        # The main archive: a plain release suite, not -security/-updates.
        if "security" not in uri and any(re.fullmatch(r"[a-z]+", s) for s in suites):
            return uri.rstrip("/")
    raise ImagesUnavailable(f"no Debian mirror found in {apt_dir}/sources* (set COMPOSEGEN_TEST_MIRROR)")


def _image_label(docker: str, image: str) -> str | None:
    result = subprocess.run([docker, "image", "inspect", "--format", f'{{{{index .Config.Labels "{HASH_LABEL}"}}}}',
                             image], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def _image_exists(docker: str, image: str) -> bool:
    return subprocess.run([docker, "image", "inspect", image], capture_output=True).returncode == 0


def _image_id(docker: str, image: str) -> str | None:
    result = subprocess.run([docker, "image", "inspect", "--format", "{{.Id}}", image], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def _remove_quietly(docker: str, *images: str) -> None:
    """`docker rmi` (never forced) of images this module built and has replaced: one still in use by
    a container stays, and no other image is ever touched."""
    if images:
        subprocess.run([docker, "rmi", *images], capture_output=True)


def _say(message: str) -> None:
    # Past pytest's capture: a first build takes minutes and should not look like a hang.
    print(f"[composegen e2e images] {message}", file=sys.__stderr__, flush=True)


def _run_logged(cmd: list[str], log: Path, env: dict | None = None) -> None:
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        result = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    if result.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"{' '.join(cmd[:3])}... failed (exit {result.returncode}); log {log}:\n{tail}")


def _build_rootfs_tarballs(majors: list[int], log_dir: Path) -> None:
    """debootstrap the missing rootfs tarballs, in parallel (mostly download and dpkg: I/O bound)."""
    if os.geteuid() != 0 or shutil.which("debootstrap") is None:
        raise ImagesUnavailable("the test images must be built, which needs root and debootstrap "
                                "(apt-get install debootstrap)")
    mirror = debian_mirror()
    running = []
    for major in majors:
        tarball = rootfs_tarball(major)
        log = log_dir / f"rootfs-{SUITES[major]}.log"
        _say(f"debootstrap {SUITES[major]} + postgresql-{major} -> {tarball} (log {log})")
        out = open(log, "wb")
        proc = subprocess.Popen(["sh", str(INPUTS_DIR / "build-rootfs.sh"), SUITES[major], str(major), mirror,
                                 str(tarball)], stdout=out, stderr=subprocess.STDOUT)
        running.append((major, proc, out, log))
    failed = []
    started = time.monotonic()
    for major, proc, out, log in running:
        proc.wait()
        out.close()
        if proc.returncode != 0:
            failed.append(f"{SUITES[major]} (exit {proc.returncode}, log {log})")
        else:
            _say(f"rootfs {SUITES[major]} ready after {time.monotonic() - started:.0f} s")
    if failed:
        raise RuntimeError(f"rootfs build failed: {', '.join(failed)}")
    for major in majors:  # older tarballs of the same suite are stale now
        for old in CACHE_DIR.glob(f"rootfs-{SUITES[major]}-pg{major}-*.tar"):
            if old != rootfs_tarball(major):
                old.unlink(missing_ok=True)


def _in_parallel(job, items: list, workers: int = 3) -> None:
    """job(item) for every item, `workers` at a time; the first error is raised once all are done."""
    with ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(job, item) for item in items]:
            future.result()


def ensure_images(docker: str, specs: list[ImageSpec] | None = None, force: bool = False) -> list[str]:
    """Build whichever of `specs` (default: all) is missing or stale; returns the tags built.

    Holds a file lock, so concurrent test runs on one machine wait for one build instead of racing.
    """
    specs = list(SPECS if specs is None else specs)
    # An extension-like image needs its base current first.
    specs += [s.base for s in specs if s.base is not None and s.base not in specs]
    specs.sort(key=lambda s: s.base is not None)
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stale = [s for s in specs if force or _image_label(docker, s.tag) != inputs_hash(s)]
        # The rootfs images are also the stacks' app image (app_image()): present for every major.
        majors = sorted({s.major for s in specs})
        missing_rootfs = [m for m in majors if force or not _image_exists(docker, rootfs_image(m))]
        if not stale and not missing_rootfs:
            return []
        started = time.monotonic()
        log_dir = CACHE_DIR / "logs"
        log_dir.mkdir(exist_ok=True)
        to_debootstrap = [m for m in missing_rootfs if force or not rootfs_tarball(m).is_file()]
        if to_debootstrap:
            _build_rootfs_tarballs(to_debootstrap, log_dir)

        def import_rootfs(major: int) -> None:
            _say(f"docker import {rootfs_tarball(major).name} -> {rootfs_image(major)}")
            _run_logged([docker, "import", str(rootfs_tarball(major)), rootfs_image(major)],
                        log_dir / f"import-{SUITES[major]}.log")

        replaced = [image_id for image_id in (_image_id(docker, s.tag) for s in stale) if image_id]
        env = dict(os.environ, DOCKER_BUILDKIT="0")  # the engine (20.10) predates the client's default

        def build(spec: ImageSpec) -> None:
            _say(f"docker build {spec.tag}")
            began = time.monotonic()
            _run_logged([docker, "build", "--pull=false", "-t", spec.tag, *build_args(spec), str(INPUTS_DIR)],
                        log_dir / f"build-{spec.name}.log", env=env)
            _say(f"built {spec.tag} in {time.monotonic() - began:.0f} s")

        # The imports, then the images on the rootfs, then the extension-like ones (FROM a test image):
        # a few at a time (each is a few seconds of disk and one process, the engine does the rest).
        _in_parallel(import_rootfs, missing_rootfs)
        _in_parallel(build, [s for s in stale if s.base is None])
        _in_parallel(build, [s for s in stale if s.base is not None])
        # The images these replace, and rootfs images of older recipes (tags of this module only).
        prefix = f"{ROOTFS_REPOSITORY}:"
        listed = subprocess.run([docker, "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", ROOTFS_REPOSITORY],
                                capture_output=True, text=True).stdout.split()
        current = {rootfs_image(m) for m in MAJORS}
        built_ids = {_image_id(docker, s.tag) for s in stale}  # a cached rebuild can keep its old id
        _remove_quietly(docker, *[i for i in replaced if i not in built_ids],
                        *[t for t in listed if t.startswith(prefix) and t not in current])
        _say(f"built {len(stale)} image(s) in {time.monotonic() - started:.0f} s")
        return [s.tag for s in stale]

