"""The CLI's commands: each has help with an example, and README.md names each one."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from harvest.cli import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def commands(group=cli, prefix=("harvest",)):
    """(path, command) for every command and subcommand."""
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield path, command
        if hasattr(command, "commands"):
            yield from commands(command, path)


COMMANDS = list(commands())


def test_there_are_commands():
    names = {path[1] for path, _ in COMMANDS}
    assert {"refresh", "import", "retag", "status", "evaluate", "serve"} <= names


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_readme_names_every_command(path):
    assert " ".join(path) in README.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_every_command_has_help_with_an_example(path):
    result = CliRunner().invoke(cli, [*path[1:], "--help"], prog_name="harvest")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: {' '.join(path)} ")
    command = dict(COMMANDS)[path]
    if not hasattr(command, "commands"):
        assert "Example" in result.output, result.output
