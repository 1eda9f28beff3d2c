"""`eioku`: analyze videos, run workers, read artifacts (docs/cli.md documents every command).

Each command's module is imported only when that command runs, so `eioku --help` and a
cached `eioku analyze` do not pay for the API stack, Celery or the query layer; the
command list shows each command's docstring, read from its module's source."""

import ast
import importlib
import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

from pipeline.cli.guard import GuardedGroup

# command name -> "module:attribute": a command function, or a typer.Typer of subcommands;
# in the order of the help (the commands, then the groups)
COMMANDS = {
    "analyze": "pipeline.cli.analysis_commands:analyze",
    "submit": "pipeline.cli.analysis_commands:submit",
    "status": "pipeline.cli.query_commands:status",
    "runs": "pipeline.cli.query_commands:runs",
    "artifacts": "pipeline.cli.query_commands:artifacts",
    "select": "pipeline.cli.query_commands:select",
    "jump": "pipeline.cli.navigation_commands:jump_command",
    "find": "pipeline.cli.navigation_commands:find_command",
    "export": "pipeline.cli.navigation_commands:export",
    "screenshots": "pipeline.cli.screenshots_command:screenshots",
    "worker": "pipeline.cli.operator_commands:worker",
    "flower": "pipeline.cli.operator_commands:flower",
    "cancel": "pipeline.cli.operator_commands:cancel",
    "reconcile": "pipeline.cli.operator_commands:reconcile",
    "serve": "pipeline.cli.serve_command:serve",
    "regenerate": "pipeline.cli.cache_commands:regenerate",
    "history": "pipeline.cli.cache_commands:history",
    "db": "pipeline.cli.operator_commands:db_app",
    "frames": "pipeline.cli.frames_commands:frames_app",
    "models": "pipeline.cli.models_commands:models_app",
    "profiles": "pipeline.cli.profile_commands:profiles_app",
    "intents": "pipeline.cli.profile_commands:intents_app",
    "cache": "pipeline.cli.cache_commands:cache_app",
}


class LazyGroup(GuardedGroup):
    """Builds a command from its module on first use; listing the commands in the help
    reads their descriptions without importing anything."""

    listing_only = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        if cmd_name not in self.commands:
            if self.listing_only:
                return TyperCommand(cmd_name, help=command_summary(COMMANDS[cmd_name]))
            self.commands[cmd_name] = _load(cmd_name, COMMANDS[cmd_name])
        return self.commands[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.listing_only = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self.listing_only = False


def _load(name: str, target: str) -> Any:
    module, _, attribute = target.partition(":")
    found = getattr(importlib.import_module(module), attribute)
    if isinstance(found, typer.Typer):
        command = typer.main.get_group(found)
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(found)
        command = typer.main.get_command(single)
    command.name = name
    return command


@cache
def command_summary(target: str) -> str:
    """The help of a command function (its docstring) or of a typer.Typer (its ``help=``),
    read from the module's source."""
    module, _, attribute = target.partition(":")
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, f"no module {module}"
    for node in ast.parse(Path(spec.origin).read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.name == attribute:
            return ast.get_docstring(node) or ""
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == attribute for t in node.targets)
            and isinstance(node.value, ast.Call)
        ):
            for keyword in node.value.keywords:
                if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    raise LookupError(f"{target} is neither a documented function nor a typer.Typer")


app = typer.Typer(
    cls=LazyGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def eioku() -> None:
    """Eioku: turn videos into searchable, time-stamped artifacts."""
    from pipeline.cli.context import use_settings
    from pipeline.settings import load_settings

    use_settings(load_settings())  # the one read of the environment


def main() -> None:
    app(prog_name="eioku")


if __name__ == "__main__":
    main()
