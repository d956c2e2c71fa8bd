"""composegen: Postgres-in-a-folder for Docker Compose."""

__version__ = "0.1.0"
