"""The compose layer: reading compose files the way Docker Compose does, for every command.

load: bounded safe YAML loading; dotenv and interpolate: Compose's variables.
Nothing here prints; errors are composegen.errors.UserError subclasses (one line, exit 2).
"""
