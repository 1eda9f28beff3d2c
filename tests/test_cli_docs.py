"""docs/cli.md has a section for every `eioku` command that names each of its options, so
a command or option added without documenting it fails here."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from pipeline.cli.main import app

CLI_DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _commands() -> Iterator[tuple[str, Any]]:
    """(name, command) of every command that runs, subcommands as "group sub"."""
    root = typer.main.get_command(app)
    for name in root.list_commands(None):
        command = root.get_command(None, name)
        subcommands = getattr(command, "commands", {})
        if subcommands:
            yield from ((f"{name} {sub}", leaf) for sub, leaf in subcommands.items())
        else:
            yield name, command


def _section(document: str, command: str) -> str:
    """The section whose heading names `eioku COMMAND`, else that of its group."""
    sections = re.split(r"^(?=#{2,3} )", document, flags=re.MULTILINE)
    for name in (command, command.split()[0]):
        for section in sections:
            if f"`eioku {name}`" in section.partition("\n")[0]:
                return section
    raise AssertionError(f"docs/cli.md has no section for `eioku {command}`")


def test_every_command_and_option_is_documented() -> None:
    document = CLI_DOC.read_text(encoding="utf-8")
    missing = []
    for name, command in _commands():
        section = _section(document, name)
        missing += [
            f"eioku {name} {option}"
            for parameter in command.params
            for option in parameter.opts[:1]
            if option.startswith("--") and option != "--help" and option not in section
        ]
    assert missing == []
