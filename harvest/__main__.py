"""`python -m harvest` runs the CLI."""

from harvest.cli import cli

cli()
