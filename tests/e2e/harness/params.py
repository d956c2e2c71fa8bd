"""Parameter lists for rule tests: every flavour, and both setups with the seed expected to fail."""

from __future__ import annotations

import pytest

from harness.images import FLAVOURS, image_tag

SEED_REASON = "the article's seed setup breaks this rule (tests/e2e/seed/, article-baseline.md)"


def seed_mark(reason: str = SEED_REASON, raises=AssertionError):
    """The mark of a seed case: it must fail (strict), and by `raises` only (default: a failed
    assertion), so an error of the harness or a typo in the test is not mistaken for the seed's
    fault. Pass the exception the seed's failure really raises (e.g. TimeoutError, StackError)."""
    return pytest.mark.xfail(strict=True, reason=reason, raises=raises)


def setups(reason: str = SEED_REASON, seed_xfail: bool = True, raises=AssertionError) -> list:
    """["composegen", "seed"] for @pytest.mark.parametrize("setup", ...).

    The seed carries seed_mark(reason, raises): the test must fail on the seed (showing it catches
    the article's failure) and pass on composegen. `seed_xfail=False` for checks the seed also passes.
    """
    seed = pytest.param("seed", marks=seed_mark(reason, raises)) if seed_xfail else "seed"
    return ["composegen", seed]


SETUPS = setups()


def flavour_images(majors=(15,)) -> list:
    """Image tags for @pytest.mark.parametrize("image", ...): each flavour of the given majors
    (default: 15 only, to keep the run short), with readable ids ("15-dash")."""
    return [pytest.param(image_tag(m, f), id=f"{m}-{f}") for m in majors for f in FLAVOURS]
