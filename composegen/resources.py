"""Where the shipped data (templates, schemas, docs) lives.

In a built wheel they are packaged under composegen/_data/; in a source checkout (or an editable
install) they are the repository's top-level templates/, schemas/ and docs/ folders.
"""

from functools import lru_cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"composegen is installed without its {name}/ folder")


def templates_dir() -> Path:
    return data_dir("templates")


def schemas_dir() -> Path:
    return data_dir("schemas")


def runtime_docs() -> Path:
    """docs/runtime.md: the runtime's rules, which `composegen docs` prints and generated files cite."""
    return data_dir("docs") / "runtime.md"
