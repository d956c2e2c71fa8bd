"""CG006: a Postgres service stopped with SIGKILL."""

from composegen import stack
from composegen.compose.positions import value_position
from composegen.lint.finding import Severity
from composegen.lint.rule import Issue, Rule


_KILL = {"SIGKILL", "KILL", "9"}


def check(name, service, context):
    signal = service.get("stop_signal")
    if signal is not None and str(signal).strip().upper() in _KILL:
        yield Issue(*value_position(service, "stop_signal"), f"Postgres service '{name}' is stopped with {signal}: "
                    f"no stop-time dump, no clean shutdown; fix: stop_signal: {stack.STOP_SIGNAL}")


RULE = Rule(
    id="CG006",
    name="stop-signal-kill",
    severity=Severity.error,
    summary="stop_signal is SIGKILL.",
    explanation=(
        "SIGKILL cannot be caught: Postgres gets no chance to checkpoint and the entrypoint cannot take the "
        "stop-time dump, so every `docker compose stop` or `down` loses what was written since the last "
        "scheduled dump and the next start runs crash recovery. Fix: `stop_signal: SIGTERM` (the "
        "entrypoint turns it into a fast shutdown and a final dump)."
    ),
    check=check,
)
