"""Subcommands of the paygate CLI."""
