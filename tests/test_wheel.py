"""The built wheel carries everything init needs: installed into a fresh venv, `composegen init miniflux` works.

Offline by design: the wheel is installed with --no-deps, and the fresh venv sees the test environment's
site-packages for its dependencies through a plain path line (which does not activate this checkout's editable
install). The wheel's declared dependencies are checked separately.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from composegen import stack

REPO = Path(__file__).resolve().parents[1]


def run(*args, **kwargs):
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    dist = tmp_path_factory.mktemp("dist")
    try:
        import hatchling  # noqa: F401  (the build backend, in the test extras: build without network)

        isolation = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q", "-w", dist, REPO)
    (built,) = dist.glob("composegen-*.whl")
    return built


@pytest.fixture(scope="module")
def fresh_venv(wheel, tmp_path_factory) -> Path:
    env = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env)
    run(sys.executable, "-m", "pip", "--python", env / "bin" / "python", "install", "-q", "--no-deps", "--no-index", wheel)
    fresh_site = Path(run(env / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    (fresh_site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return env


def test_the_wheel_ships_templates_schemas_and_the_catalog(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "composegen/_data/schemas/service-spec.schema.json",
        "composegen/_data/schemas/catalog-entry.schema.json",
        "composegen/_data/templates/compose/compose.yaml.j2",
        "composegen/_data/templates/env.j2",
        "composegen/_data/templates/gitignore.j2",
        "composegen/_data/docs/runtime.md",
        "composegen/catalog/miniflux.yaml",
        *(f"composegen/_data/templates/utils/{n}.j2" for n in stack.UTILS_SCRIPTS),
    ):
        assert required in names


def test_the_wheel_declares_its_dependencies(wheel):
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        requires = [line.split(":", 1)[1].strip().lower() for line in archive.read(metadata).decode().splitlines()
                    if line.startswith("Requires-Dist:") and "extra ==" not in line]
    normalized = [re.sub(r"[-_.]+", "-", r) for r in requires]  # PEP 503: ruamel.yaml is ruamel-yaml
    for dependency in ("click", "jinja2", "ruamel-yaml", "ruamel-yaml-clib", "jsonschema"):
        assert any(r.startswith(dependency) for r in normalized), requires


def test_init_miniflux_from_the_installed_wheel(fresh_venv, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = run(fresh_venv / "bin" / "python", "-c",
                "import composegen, composegen.resources as r; print(composegen.__file__); print(r.templates_dir())",
                cwd=tmp_path, env=env).stdout.splitlines()
    assert all(line.startswith(str(fresh_venv)) for line in where), where

    run(fresh_venv / "bin" / "composegen", "init", "miniflux", cwd=tmp_path, env=env)
    stack_dir = tmp_path / "miniflux"
    assert sorted(os.listdir(stack_dir)) == [".env", ".gitignore", "compose.yaml", "data", "utils"]
    assert sorted(os.listdir(stack_dir / "utils")) == sorted(stack.UTILS_SCRIPTS)
    assert (stack_dir / ".env").stat().st_mode & 0o777 == 0o600
    assert (stack_dir / "data").stat().st_mode & 0o777 == 0o700
    assert "miniflux/miniflux:" in (stack_dir / "compose.yaml").read_text()
    listed = run(fresh_venv / "bin" / "composegen", "catalog", "list", cwd=tmp_path, env=env).stdout
    assert "miniflux" in listed
    # The generated compose.yaml sends its reader to `composegen docs`: the rules ship with the package.
    assert "How it works: `composegen docs`" in (stack_dir / "compose.yaml").read_text()
    docs = run(fresh_venv / "bin" / "composegen", "docs", cwd=tmp_path, env=env).stdout
    assert docs == (REPO / "docs" / "runtime.md").read_text()
