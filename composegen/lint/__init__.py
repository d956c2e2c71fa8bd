"""`composegen lint`: check every compose file of an infrastructure repo for the dump/restore setup.

discovery finds the files, document parses each one once, rules/ hold one check per module,
engine runs them (honouring config and inline ignores), formatters/ turn findings into text.
"""
