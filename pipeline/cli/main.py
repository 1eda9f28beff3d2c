"""`eioku`: analyze videos, run workers, read artifacts (README.md documents every command)."""

import typer

from pipeline.cli import (
    analysis_commands,
    cache_commands,
    frames_commands,
    models_commands,
    navigation_commands,
    operator_commands,
    profile_commands,
    query_commands,
    screenshots_command,
    serve_command,
)
from pipeline.cli.guard import GuardedGroup

app = typer.Typer(
    cls=GuardedGroup,
    help="Eioku: turn videos into searchable, time-stamped artifacts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for command in (analysis_commands.analyze, analysis_commands.submit):
    app.command()(command)
for command in (
    query_commands.status,
    query_commands.runs,
    query_commands.artifacts,
    query_commands.select,
):
    app.command()(command)
app.command("jump")(navigation_commands.jump_command)
app.command("find")(navigation_commands.find_command)
app.command("export")(navigation_commands.export)
app.command("screenshots")(screenshots_command.screenshots)
for command in (
    operator_commands.worker,
    operator_commands.flower,
    operator_commands.cancel,
    operator_commands.reconcile,
):
    app.command()(command)

app.command("serve")(serve_command.serve)

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
db_app.command("upgrade")(operator_commands.db_upgrade)
app.add_typer(db_app, name="db")
app.add_typer(frames_commands.frames_app, name="frames")
app.add_typer(models_commands.models_app, name="models")
app.add_typer(profile_commands.profiles_app, name="profiles")
app.add_typer(profile_commands.intents_app, name="intents")
app.add_typer(cache_commands.cache_app, name="cache")
app.command("regenerate")(cache_commands.regenerate)
app.command("history")(cache_commands.history)


def main() -> None:
    app(prog_name="eioku")


if __name__ == "__main__":
    main()
