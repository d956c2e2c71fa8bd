"""Every performance figure of composegen side by side with its baseline, in one command.

    python benchmarks/run.py            # ~1000 MB plain dump, 3 rounds (~11 min on 2 cores)
    python benchmarks/run.py --quick    # ~50 MB, fewer rounds (~3 min)

Prints a table (figure, ours, baseline, ratio, goal), notes, what could not be measured and why, and
ends with one line of name=value pairs. benchmarks/README.md explains each figure.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cli_figures  # noqa: E402
import docker_figures  # noqa: E402
import report  # noqa: E402
import run_options  # noqa: E402
from docker_figures import progress  # noqa: E402
from figures import Results  # noqa: E402
from measure import MeasureError  # noqa: E402


def _load() -> str:
    return "load average %.1f %.1f %.1f" % os.getloadavg()


def measure_cli(options, results: Results) -> None:
    try:
        with tempfile.TemporaryDirectory(prefix="cgbench-lint-") as tmp:
            progress(f"lint: generating {options.lint_stacks} stacks with init's core")
            cli_figures.generate_repo(Path(tmp) / "infra", options.lint_stacks)
            progress(f"lint: {options.lint_runs} runs")
            seconds, status = cli_figures.measure_lint(Path(tmp) / "infra", options.lint_runs)
        cli_figures.report_lint(seconds, status, options.lint_stacks, results)
    except Exception as exc:  # generating the stacks or running lint failed: not measured, say why
        results.skip(f"lint over {options.lint_stacks} stacks", f"{type(exc).__name__}: {exc}",
                     f"lint{options.lint_stacks}_s")
    try:
        progress(f"--help: {options.help_runs} runs, beside python -c pass")
        cli_figures.report_help(*cli_figures.measure_help(options.help_runs), results)
    except (MeasureError, OSError) as exc:
        results.skip("composegen --help", str(exc), "help_ms")
    try:
        progress(f"init {cli_figures.INIT_APP} --dry-run: {options.help_runs} runs, beside python -c pass")
        with tempfile.TemporaryDirectory(prefix="cgbench-init-") as tmp:
            figures = cli_figures.measure_init_dry_run(options.help_runs, Path(tmp))
        cli_figures.report_init_dry_run(*figures, results)
    except (MeasureError, OSError) as exc:
        results.skip(f"composegen init {cli_figures.INIT_APP} --dry-run", str(exc), "init_dry_run_ms")
    try:
        progress("patch --dry-run of a 1.6 MB compose file: 3 runs")
        with tempfile.TemporaryDirectory(prefix="cgbench-patch-") as tmp:
            figures = cli_figures.measure_patch_big(3, Path(tmp))
        cli_figures.report_patch_big(*figures, results)
    except (MeasureError, OSError) as exc:
        results.skip("patch --dry-run of a 1.6 MB compose file", str(exc), "patch_big_s")


def measure_large(options, results: Results) -> None:
    """Dump, stop and restore on a second, larger database: how the costs grow with the size. Its
    figures carry the size in their label and `_large` in their summary name."""
    large = dataclasses.replace(options, size_mb=options.large_mb, idle=False, restore_rounds=1,
                                dump_repeats=min(options.dump_repeats, 2))
    progress(f"larger database: ~{large.size_mb:.0f} MB plain dump (dump, stop, restore)")
    measured = Results()
    docker_figures.measure(large, measured)
    tag = f" [{large.size_mb:.0f} MB]"
    for figure in measured.figures:
        results.add(dataclasses.replace(figure, label=figure.label + tag,
                                        key=f"{figure.key}_large" if figure.key else None))
    for skipped in measured.unmeasured:
        if skipped.label.startswith("idle"):
            continue  # not measured on purpose in this pass
        results.skip(skipped.label + tag, skipped.reason, *(f"{key}_large" for key in skipped.keys))
    results.context.extend(f"{line}{tag}" for line in measured.context if line.startswith("database:"))


def main(argv: list[str] | None = None) -> int:
    options = run_options.parse(argv)
    results = Results()
    started = datetime.datetime.now(datetime.timezone.utc)
    results.say(f"composegen benchmarks, {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
                f"profile {options.profile} (~{options.size_mb:.0f} MB plain dump); {_load()} at start")
    docker_figures.measure(options, results)
    if options.docker and options.large_mb > 0:
        measure_large(options, results)
    measure_cli(options, results)
    took = datetime.datetime.now(datetime.timezone.utc) - started
    results.say(f"run took {took.total_seconds() / 60:.1f} min; {_load()} at the end "
                "(the machine is shared: every figure is a ratio against a baseline of the same run)")
    print(report.render(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
