"""How big and how long a run is: the full profile, or --quick (a small database, few repeats)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace

from harness_bridge import DEFAULT_IMAGE


@dataclass(frozen=True)
class RunOptions:
    size_mb: float  # plain-dump size of the benchmark database
    dump_repeats: int
    restore_rounds: int
    idle_interval_s: int  # COMPOSEGEN_SCHEDULE of the idle measurement
    idle_intervals: int  # intervals in its measuring window
    lint_stacks: int
    lint_runs: int
    help_runs: int
    image: str
    profile: str  # "full", "quick", with "+ --size-mb" when the size was given
    app_connections: int = 2
    large_mb: float = 0  # a second, larger database for dump, stop and restore only (0: none)
    idle: bool = True  # measure the idle interval (not in the larger database's pass)
    docker: bool = True

    @property
    def start_timeout_s(self) -> float:
        """Long enough for a fresh start that restores the whole database on a loaded machine."""
        return 600 + 1.0 * self.size_mb


FULL = RunOptions(size_mb=1000, dump_repeats=3, restore_rounds=2, idle_interval_s=20, idle_intervals=5, lint_stacks=500,
                  lint_runs=5, help_runs=11, image=DEFAULT_IMAGE, profile="full", large_mb=4000)
QUICK = replace(FULL, size_mb=50, dump_repeats=2, restore_rounds=2, idle_interval_s=10, idle_intervals=3, lint_runs=3, help_runs=7,
                profile="quick", large_mb=0)


def parse(argv: list[str] | None = None) -> RunOptions:
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Measure every performance figure of composegen side by side with its baseline.")
    parser.add_argument("--quick", action="store_true",
                        help=f"small database (~{QUICK.size_mb:.0f} MB plain) and few repeats")
    parser.add_argument("--size-mb", type=float, help=f"plain-dump size of the database (default {FULL.size_mb:.0f}, "
                                                      f"--quick {QUICK.size_mb:.0f})")
    parser.add_argument("--image", default=DEFAULT_IMAGE,
                        help=f"test image of tests/e2e for both setups (default {DEFAULT_IMAGE})")
    parser.add_argument("--no-docker", action="store_true", help="only the figures that need no Docker engine")
    parser.add_argument("--large-mb", type=float,
                        help=f"then dump, stop and restore a second, larger database of this plain-dump size "
                             f"(default {FULL.large_mb:.0f} in the full run, none with --quick or --size-mb; 0: none)")
    args = parser.parse_args(argv)
    options = QUICK if args.quick else FULL
    if args.size_mb is not None:
        if args.size_mb <= 0:
            parser.error("--size-mb must be positive")
        options = replace(options, size_mb=args.size_mb, profile=f"{options.profile} + --size-mb", large_mb=0)
    if args.large_mb is not None:
        if args.large_mb < 0:
            parser.error("--large-mb must be 0 or positive")
        options = replace(options, large_mb=args.large_mb)
    return replace(options, image=args.image, docker=not args.no_docker)
