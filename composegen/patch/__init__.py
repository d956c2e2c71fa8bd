"""`composegen patch`: retrofit the dump/restore setup into an existing compose file.

- `source`: the file as lines with their own endings (byte-exact round trip).
- `locate`: where each node of the YAML sits (from ruamel's parser events, so aliases and merges
  keep their own positions).
- `edit`: the line edits that give the Postgres service the setup, leaving every other byte alone.
- `migrate`: whether the service holds data, the commands to migrate it, and the pre-patch dump.
- `run`: the command itself: choose the service, plan, check, write (atomically, compose file last).
"""
