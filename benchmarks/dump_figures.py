"""Dump wall time, size and CPU: ours against the raw floor and the seed's pipeline, same database.

Every pipeline runs inside our Postgres container, round-robin for `repeats` rounds (so a burst of
load from elsewhere on the machine hits all of them), and each figure is the median of its rounds.
- floor: `pg_dumpall > /dev/null` (what ours dumps: the whole cluster) and `pg_dump > /dev/null`;
- ours: `/utils/dump`, the real script: fingerprint, pg_dumpall | zstd, verify, fsync, rename;
- seed: the article's `pg_dump --compress=9` into a file.
"""

from __future__ import annotations

from dataclasses import dataclass

from cgroup_cpu import CgroupUnavailable, ContainerCpu
from figures import Figure, Results, ratio
from measure import container_wall, median, shell_in_container

SEED_FILE = "/tmp/cgbench-seed-dump.sql.gz"
TIME_GOAL = 1.5  # x the floor


@dataclass(frozen=True)
class DumpMeasurement:
    ours_s: float  # median wall time of /utils/dump
    ours_cpu_s: float | None  # median container CPU seconds of one /utils/dump (None: no cgroup)
    ours_size: int
    seed_s: float
    seed_size: int
    floor_all_s: float
    floor_one_s: float
    plain_size: int
    compress_s: float  # pg_dumpall | zstd | verify (decompress, trailer in the last 4 KiB), no counting
    counted_s: float  # pg_dumpall | zstd | cg_check_and_count (verify and count), as /utils/dump runs it
    compress_cpu_s: float  # CPU seconds of the pipeline's processes (bash's `times`: its children)
    counted_cpu_s: float


def _newest_dump_size(stack) -> int:
    # The dump itself: not its `.counts` file, not a `.tmp` being written.
    dumps = [p for p in stack.data_files() if p.name.startswith("cluster-") and p.name.endswith((".sql.zst", ".sql.gz"))]
    if not dumps:
        raise RuntimeError(f"/utils/dump exited 0 but {stack.data_dir} holds no dump")
    return max(dumps, key=lambda p: p.name).stat().st_size


def _children_cpu(times_output: str) -> float:
    """User + system CPU seconds of the children, from the last line of bash's `times` ("0m0.80s 0m0.21s")."""
    import re

    last = times_output.strip().splitlines()[-1]
    return sum(int(m) * 60 + float(s) for m, s in re.findall(r"(\d+)m([\d.]+)s", last))


def measure(stack, repeats: int) -> tuple[DumpMeasurement, str | None]:
    """The dump measurements, and why CPU could not be measured (None when it was)."""
    user = stack.user
    cpu = ContainerCpu(stack)
    cpu_reason = None
    _, plain = shell_in_container(stack, f"pg_dumpall --username={user} | wc -c")
    plain_size = int(plain.stdout.split()[0])
    times = {"all": [], "one": [], "ours": [], "seed": [], "compress": [], "counted": []}
    cpu_times = {"compress": [], "counted": []}
    # The runtime's own functions (lib.sh), with its scratch files and counts under /tmp (not the stack's).
    lib = f"COMPOSEGEN_STATE_DIR=/tmp; . /utils/lib.sh; pg_dumpall --username={user} | zstd -q -3 -T0"
    ours_cpu, ours_sizes, seed_sizes = [], [], []
    for _ in range(repeats):
        times["all"].append(shell_in_container(stack, f"pg_dumpall --username={user} >/dev/null")[0])
        times["one"].append(shell_in_container(stack, f"pg_dump --username={user} --dbname={stack.db} >/dev/null")[0])
        for key, check in (("compress", "cg_verify_stream zst"), ("counted", "cg_check_and_count zst /tmp/cgbench.counts")):
            took, result = container_wall(stack, ["bash", "-c", f"{lib} | {check} >/dev/null; times"])
            times[key].append(took)
            cpu_times[key].append(_children_cpu(result.stdout))
        try:
            before = cpu.now()
        except CgroupUnavailable as exc:
            before, cpu_reason = None, str(exc)
        times["ours"].append(container_wall(stack, ["/utils/dump"])[0])
        if before is not None:
            ours_cpu.append(cpu.now() - before)
        ours_sizes.append(_newest_dump_size(stack))
        seed_s, seed_out = shell_in_container(
            stack, f"pg_dump --username={user} --file={SEED_FILE} --compress=9 && stat -c %s {SEED_FILE}; "
                   f"rc=$?; rm -f {SEED_FILE}; exit $rc")
        times["seed"].append(seed_s)
        seed_sizes.append(int(seed_out.stdout.split()[-1]))
    return DumpMeasurement(
        ours_s=median(times["ours"]), ours_cpu_s=median(ours_cpu) if ours_cpu else None,
        ours_size=int(median(ours_sizes)), seed_s=median(times["seed"]), seed_size=int(median(seed_sizes)),
        floor_all_s=median(times["all"]), floor_one_s=median(times["one"]), plain_size=plain_size,
        compress_s=median(times["compress"]), counted_s=median(times["counted"]),
        compress_cpu_s=median(cpu_times["compress"]), counted_cpu_s=median(cpu_times["counted"]),
    ), cpu_reason


def report(m: DumpMeasurement, results: Results, repeats: int) -> None:
    mb = 1e6
    to_floor = ratio(m.ours_s, m.floor_all_s)
    results.add(Figure(
        "dump time vs floor", f"{m.ours_s:.2f} s", f"{m.floor_all_s:.2f} s pg_dumpall>/dev/null",
        to_floor, f"<= {TIME_GOAL}x floor", to_floor is not None and to_floor <= TIME_GOAL,
        key="dump_ratio", value=to_floor,
        note=f"median of {repeats}; ours = docker exec /utils/dump (fingerprint, zstd, verify, fsync, rename)",
    ))
    counting = ratio(m.counted_s, m.compress_s)
    results.add(Figure(
        "row counting: pipeline with vs without", f"{m.counted_s:.2f} s", f"{m.compress_s:.2f} s verify only",
        counting, "-", key="count_ratio", value=counting,
        note=f"median of {repeats}; pg_dumpall | zstd | cg_check_and_count (verify and count) against "
             f"pg_dumpall | zstd | cg_verify_stream (verify only: decompress, trailer in the last 4 KiB); "
             f"the counts are part of every /utils/dump above",
    ))
    counting_cpu = ratio(m.counted_cpu_s, m.compress_cpu_s)
    results.add(Figure(
        "row counting: CPU with vs without", f"{m.counted_cpu_s:.2f} CPU s", f"{m.compress_cpu_s:.2f} CPU s verify only",
        counting_cpu, "-", key="count_cpu_ratio", value=counting_cpu,
        note="CPU of the pipeline's own processes (bash's `times`), not the server's: less swayed by the machine's load",
    ))
    results.add(Figure("dump time vs pg_dump floor", f"{m.ours_s:.2f} s", f"{m.floor_one_s:.2f} s pg_dump>/dev/null",
                       ratio(m.ours_s, m.floor_one_s), "-"))
    to_seed = ratio(m.ours_s, m.seed_s)
    results.add(Figure("dump time vs seed", f"{m.ours_s:.2f} s", f"{m.seed_s:.2f} s seed --compress=9",
                       to_seed, "-", key="dump_vs_seed_ratio", value=to_seed))
    size = ratio(m.ours_size, m.seed_size)
    results.add(Figure(
        "dump size vs seed", f"{m.ours_size / mb:.1f} MB", f"{m.seed_size / mb:.1f} MB seed --compress=9",
        size, "<= seed", size is not None and size <= 1.0, key="size_ratio", value=size,
        note=f"plain dump (pg_dumpall) is {m.plain_size / mb:.0f} MB; ours holds the whole cluster, the seed one database",
    ))
