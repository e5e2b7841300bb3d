"""`python -m harvest` runs the CLI."""

from .cli import cli

cli()
