"""The figures that need a Docker engine, in the order one database lets them run.

1. ours (composegen stack, no schedule yet): fill the database, dump figures;
2. stop with the app's connections open: after a write, then unchanged;
3. the seed stack (same image) comes up empty;
4. restore rounds, back to back: ours recreated (`down`, `up`, with a short schedule and no
   healthcheck probes from now on) restores its newest dump; `psql -f` of that dump, uncompressed,
   into the seed's reset cluster (which also gives the seed the same database);
5. idle: CPU of one scheduled interval of ours;
6. the seed: one of its scheduled intervals (a full dump), its stop (grace capped).
A figure whose step fails is reported as not measured, with the error, and the run goes on.
"""

from __future__ import annotations

import sys
import traceback

import bench_data
import dump_figures
import idle_figures
import restore_figures
import stop_figures
from figures import Results
from harness_bridge import SEED_GRACE_S, NoDocker, bench_stack, edit_postgres_service, engine_with_images, workdir

GROUPS = {
    "dump time and size": ("dump_ratio", "dump_vs_seed_ratio", "size_ratio"),
    "stop with clients": ("stop_clients_s", "stop_unchanged_s"),
    "restore": ("restore_ratio", "restore_up_ratio"),
    "idle interval CPU": ("idle_cpu_ratio",),
}
NO_HEALTHCHECK_PROBES = "1h"  # the idle window must hold scheduled ticks only


def progress(message: str) -> None:
    print(f"[cgbench] {message}", file=sys.stderr, flush=True)


def _failed(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1]
    return f"{type(exc).__name__}: {str(exc).strip()[:400]} (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno})"


def skip_all(results: Results, reason: str) -> None:
    for label, keys in GROUPS.items():
        results.skip(label, reason, *keys)


def measure(options, results: Results) -> None:
    if not options.docker:
        skip_all(results, "--no-docker given")
        return
    progress(f"engine and test image {options.image}")
    try:
        engine = engine_with_images(options.image)
    except NoDocker as exc:
        skip_all(results, str(exc))
        return
    results.say(f"Docker Engine {engine.server_version}; image {options.image} for both setups")
    with workdir() as tmp:
        try:
            _measure(engine, tmp, options, results)
        except Exception as exc:  # a step every figure needs (up, filling the database) failed
            done = {f.key for f in results.figures} | {k for u in results.unmeasured for k in u.keys}
            for label, keys in GROUPS.items():
                if not set(keys) & done:
                    results.skip(label, _failed(exc), *keys)


def _measure(engine, tmp, options, results: Results) -> None:
    common = dict(image=options.image, app_connections=options.app_connections)
    seed_reason = "the seed stack did not run"
    with bench_stack(engine, tmp, "ours", setup="composegen", schedule="0", **common) as ours, \
            bench_stack(engine, tmp, "seed", setup="seed", stop_grace_period=f"{SEED_GRACE_S}s", **common) as seed:
        progress(f"ours ({ours.project}): up, fill ~{options.size_mb:.0f} MB")
        ours.up(timeout=options.start_timeout_s)
        rows = bench_data.fill(ours, options.size_mb)
        results.say(f"database: {rows:,} rows in {bench_data.TABLE}, each ending in 32 random hex characters")

        dump, cpu_reason = _dumps(ours, options, results)
        stops = _stops(ours, results)
        seed_up = _seed_up(seed, options)
        if seed_up is not True:
            seed_reason = seed_up
        restores = _restores(ours, seed if seed_up is True else None, options, results)
        idle = None
        if not options.idle:
            pass  # the larger database's pass: dump, stop and restore only (run.py)
        elif restores:
            idle = _idle(ours, options, results)
        else:
            results.skip("idle interval CPU", "needs the recreated stack of the restore step", "idle_cpu_ratio")
        seed_cpu = seed_stop = None
        if seed_up is True:
            try:
                if options.idle:
                    progress("seed: one scheduled interval (its healthcheck: a full dump)")
                    seed_cpu = idle_figures.seed_interval_cpu(seed)
                progress(f"seed: stop with the app connected (grace capped at {SEED_GRACE_S} s)")
                seed_stop = stop_figures.measure_seed(seed)
            except Exception as exc:
                seed_reason = _failed(exc)

    if stops is not None and dump is not None:
        stop_figures.report(*stops, seed_stop, seed_reason, dump.ours_s, results, SEED_GRACE_S,
                            options.app_connections)
    elif stops is not None:
        results.skip("stop with clients", "its goal needs the dump time, which was not measured",
                     *GROUPS["stop with clients"])
    if restores and all(psql_s is not None for _, psql_s, _ in restores):
        restore_figures.report(restores, results)
    if idle is not None:
        if dump is not None and dump.ours_cpu_s is not None:
            idle_figures.report(idle, dump.ours_cpu_s, seed_cpu, seed_reason, results)
        else:
            results.skip("idle interval CPU", f"no CPU of a full dump: {cpu_reason}", "idle_cpu_ratio")


def _dumps(ours, options, results):
    try:
        progress(f"dumps: {options.dump_repeats} rounds of floor, ours, seed pipeline")
        dump, cpu_reason = dump_figures.measure(ours, options.dump_repeats)
        dump_figures.report(dump, results, options.dump_repeats)
        return dump, cpu_reason
    except Exception as exc:
        results.skip("dump time and size", _failed(exc), *GROUPS["dump time and size"])
        return None, "no dump measured"


def _stops(ours, results):
    try:
        progress("stop with the app connected: changed, then unchanged")
        return stop_figures.measure_ours(ours)
    except Exception as exc:
        results.skip("stop with clients", _failed(exc), *GROUPS["stop with clients"])
        return None


def _seed_up(seed, options):
    """True, or why the seed stack could not start."""
    try:
        progress(f"seed ({seed.project}): up (empty: the restore baseline loads the database into it)")
        seed.up(timeout=options.start_timeout_s)
        return True
    except Exception as exc:
        return _failed(exc)


def _restores(ours, seed, options, results):
    """Rounds of (ours' fresh start, psql -f seconds into the seed or None, its errors), back to back;
    the rounds measured before a failure (then the restore figure is reported as not measured)."""
    def idle_settings(service):
        service["environment"]["COMPOSEGEN_SCHEDULE"] = f"{options.idle_interval_s}s"
        service["healthcheck"]["interval"] = NO_HEALTHCHECK_PROBES

    rounds = []
    try:
        edit_postgres_service(ours, idle_settings)
        for n in range(options.restore_rounds):
            progress(f"restore round {n + 1}/{options.restore_rounds}: ours (recreated, schedule "
                     f"{options.idle_interval_s}s), then psql -f into the seed")
            mine = restore_figures.measure_ours(ours, options.start_timeout_s)
            if seed is None:
                rounds.append((mine, None, 0))
                continue
            rounds.append((mine, *restore_figures.measure_psql_f(seed, mine.dump_file)))
    except Exception as exc:
        results.skip("restore", _failed(exc), *GROUPS["restore"])
        # Already reported as not measured; ours may still be recreated, which the idle step needs.
        return [(mine, None, 0) for mine, _, _ in rounds]
    if seed is None:
        results.skip("restore", "no psql -f baseline: the seed stack did not start", *GROUPS["restore"])
    return rounds


def _idle(ours, options, results):
    try:
        progress(f"idle: {options.idle_intervals} intervals of {options.idle_interval_s} s, then as long paused")
        return idle_figures.measure(ours, options.idle_interval_s, options.idle_intervals)
    except Exception as exc:
        results.skip("idle interval CPU", _failed(exc), *GROUPS["idle interval CPU"])
        return None
