"""`python -m harness [--force]` (from tests/e2e/): build the test images now, not at the first test."""

import sys

from harness.engine import find_engine
from harness.images import ensure_images

built = ensure_images(find_engine().docker, force="--force" in sys.argv[1:])
print("\n".join(built) if built else "all test images are up to date")
