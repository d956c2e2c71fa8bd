import json
import os
import subprocess
from pathlib import Path

import pytest

from composegen.compose_binary import compose_command


@pytest.fixture(scope="session")
def compose_config():
    """`docker compose config` as JSON: the reference reading. Run with a clean environment plus `env`."""
    command = compose_command()

    def run(folder: Path, *args: str, env: dict | None = None) -> dict:
        base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
        result = subprocess.run([*command, *args, "config", "--format", "json"], cwd=folder, capture_output=True,
                                text=True, env={**base, **(env or {})}, timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    return run
