"""CG009: a password written literally in the compose file."""

import re

from composegen.compose import model as compose_model
from composegen.lint.finding import Severity
from composegen.lint.rule import SERVICE, Issue, Rule


# scheme://user:password@host: the credentials part of a connection URL.
_URL_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:([^@\s]+)@")


# Flags such as ALLOW_EMPTY_PASSWORD=yes or PASSWORD_RESET_DISABLED=1 name a password but hold none.
_FLAG_VALUES = {"yes", "no", "true", "false", "on", "off", "0", "1", "y", "n"}


def interpolated(value: str) -> bool:
    """The value comes from the environment (`${VAR}`, `$VAR`); `$$` is a literal dollar, not that."""
    return "$" in value.replace("$$", "")


def literal_secret(name: str, value: str | None) -> str | None:
    """What is written literally ('password' or 'URL password'), or None."""
    if not value or name.upper().endswith("_FILE"):
        return None
    url = _URL_PASSWORD.match(value)
    if url:
        return None if interpolated(url.group(1)) else "a password inside the URL"
    if "PASSWORD" in name.upper() and value.strip().lower() not in _FLAG_VALUES and not interpolated(value):
        return "a password"
    return None


def check(name, service, context):
    for entry in compose_model.env_entries(service):
        what = literal_secret(entry.name, entry.value)
        if what:
            line, column = entry.position
            yield Issue(line, column, f"service '{name}': {entry.name} holds {what} written in the "
                        f"file; fix: {entry.name}: ${{{entry.name}}} with the value in .env "
                        f"(git-ignored), or a *_FILE variable with a secret")


RULE = Rule(
    id="CG009",
    name="literal-password",
    severity=Severity.error,
    summary="A password is written literally in the compose file.",
    explanation=(
        "Compose files are committed and shared; a password written in one is readable by everyone with "
        "the repository and its history. This covers POSTGRES_PASSWORD and any *PASSWORD* variable, and "
        "connection URLs such as DATABASE_URL whose user:password part is literal. Fix: interpolate it, "
        "`POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it in .env}`, and keep the value in a git-ignored "
        ".env (mode 0600), or use `POSTGRES_PASSWORD_FILE` with a Compose secret."
    ),
    check=check,
    scope=SERVICE,
)
