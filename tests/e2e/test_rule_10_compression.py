"""Rule 10: zstd by default, gzip as a choice; both round-trip through down/up."""

from __future__ import annotations

import pytest

from harness import populate
from harness.data import snapshot
from harness.params import seed_mark
from rules_common import RULE_IMAGES, SEED_IMAGES, _short, dump_files

MAGIC = {"zstd": b"\x28\xb5\x2f\xfd", "gzip": b"\x1f\x8b"}


@pytest.mark.parametrize("compression, setup, image", [
    pytest.param("zstd", "composegen", RULE_IMAGES[0], id=f"zstd-composegen-{_short(RULE_IMAGES[0])}"),
    pytest.param("gzip", "composegen", RULE_IMAGES[1], id=f"gzip-composegen-{_short(RULE_IMAGES[1])}"),
    pytest.param("zstd", "seed", SEED_IMAGES[0], id=f"zstd-seed-{_short(SEED_IMAGES[0])}", marks=seed_mark(
        "the seed always writes gzip -9 (5x the cost of zstd -3)")),
])
def test_rule10_compression_round_trip(make_stack, compression, setup, image):
    stack = make_stack(image=image, setup=setup, compression=compression)
    stack.up()
    before = populate(stack)
    stack.down()
    files = dump_files(stack)
    assert files and all(p.read_bytes()[:4].startswith(MAGIC[compression]) for p in files), \
        [(p.name, p.read_bytes()[:4]) for p in files]
    if setup == "composegen":
        assert all(p.name.endswith({"zstd": ".sql.zst", "gzip": ".sql.gz"}[compression]) for p in files)
    stack.up()
    assert snapshot(stack) == before
