"""The end-to-end harness: a Docker engine, the test images, and stacks built on them.

Tests use the fixtures of tests/e2e/conftest.py (`make_stack`, `engine`, `test_images`) and the
names re-exported here. tests/e2e/README.md explains how it fits together.
"""

from harness.data import (
    count_rows,
    create_database,
    create_role,
    create_rows,
    database_names,
    populate,
    role_names,
)
from harness.engine import Engine, EngineUnavailable
from harness.images import EXTENSION_IMAGE, FLAVOURS, IMAGES, MAJORS, image_tag
from harness.params import SETUPS, flavour_images, setups
from harness.stack import PsqlError, Stack, make_stack

__all__ = [
    "EXTENSION_IMAGE",
    "Engine",
    "EngineUnavailable",
    "FLAVOURS",
    "IMAGES",
    "MAJORS",
    "PsqlError",
    "SETUPS",
    "Stack",
    "count_rows",
    "create_database",
    "create_role",
    "create_rows",
    "database_names",
    "flavour_images",
    "image_tag",
    "make_stack",
    "populate",
    "role_names",
    "setups",
]
