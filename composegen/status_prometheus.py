"""`composegen status --format prometheus`: the status as metrics in Prometheus' text format, for
node_exporter's textfile collector (one file a cron job or timer rewrites).

Every metric is a gauge labelled `stack` (the compose file's folder name, Compose's default project
name) and `service`. A metric whose value is not known (no dump yet, never verified) is left out
rather than given a made-up value.
"""

from __future__ import annotations

from datetime import datetime

from composegen import contract, verify_record

_METRICS = (
    ("composegen_status_ok", "1 when composegen status finds nothing to attend to for the service, else 0."),
    ("composegen_last_good_dump_timestamp_seconds", "When the newest good dump was taken (Unix time)."),
    ("composegen_last_good_dump_age_seconds", "Age of the newest good dump, in seconds."),
    ("composegen_last_good_dump_current_seconds", "Unix time up to which the newest good dump is known to hold "
                                                  "the database (later than its own time when later dumps were "
                                                  "skipped as unchanged)."),
    ("composegen_last_good_dump_size_bytes", "Size of the newest good dump, compressed."),
    ("composegen_last_attempt_timestamp_seconds", "When the last dump attempt ended (Unix time)."),
    ("composegen_last_attempt_duration_seconds", "How long the last dump attempt took."),
    ("composegen_last_attempt_success", "1 when the last dump attempt wrote a dump or rightly skipped one, "
                                        "0 when it failed."),
    ("composegen_last_attempt_outcome", "1 for the outcome of the last dump attempt (written, skipped, failed)."),
    ("composegen_last_verify_timestamp_seconds", "When the newest good dump was last verified by a restore "
                                                 "(Unix time)."),
    ("composegen_last_verify_success", "1 when the last verification of the newest good dump passed, else 0."),
)


def escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _value(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def render(statuses: list, now: datetime) -> str:
    """The exposition text for `statuses` (composegen.status.ServiceStatus)."""
    samples: dict[str, list[str]] = {name: [] for name, _ in _METRICS}

    def add(name: str, status, value: float, **extra: str) -> None:
        labels = {"stack": status.compose_file.resolve().parent.name, "service": status.service, **extra}
        text = ",".join(f'{key}="{escape_label(str(val))}"' for key, val in labels.items())
        samples[name].append(f"{name}{{{text}}} {_value(value)}")

    for status in statuses:
        add("composegen_status_ok", status, 1 if status.ok else 0)
        newest, record = status.newest, status.record
        if newest is not None:
            add("composegen_last_good_dump_timestamp_seconds", status, newest.time.timestamp())
            add("composegen_last_good_dump_age_seconds", status, int((now - newest.time).total_seconds()))
            current = status.current_as_of or newest.time
            add("composegen_last_good_dump_current_seconds", status, current.timestamp())
            add("composegen_last_good_dump_size_bytes", status, newest.size)
            verified = verify_record.last_verification(status.data_dir, newest.path.name)
            if verified is not None:
                add("composegen_last_verify_timestamp_seconds", status, verified.time.timestamp())
                add("composegen_last_verify_success", status, 1 if verified.ok else 0)
        if record is not None:
            add("composegen_last_attempt_timestamp_seconds", status, record.time.timestamp())
            if record.duration_s is not None:
                add("composegen_last_attempt_duration_seconds", status, record.duration_s)
            add("composegen_last_attempt_success", status, 0 if record.outcome == "failed" else 1)
            for outcome in contract.OUTCOMES:
                add("composegen_last_attempt_outcome", status, 1 if record.outcome == outcome else 0, outcome=outcome)
    lines = []
    for name, help_text in _METRICS:
        if samples[name]:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge", *samples[name]]
    return "\n".join(lines) + "\n" if lines else ""
