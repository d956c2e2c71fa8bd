"""Errors a user can cause: the CLI prints them as one line and exits 2."""


class UserError(Exception):
    """A problem with the user's input or environment, reported without a traceback."""

    exit_code = 2
