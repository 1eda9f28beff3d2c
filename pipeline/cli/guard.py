"""Failures any command can meet, turned into one `error:` line: a usage error such as a
bad or missing option value (exit 2), any Eioku error (exit 2 for an invalid parameter,
1 for the others: its kind says which), or the database server not answering (exit 1).
What the handlers need beyond the errors' base is imported when a failure happens, so
that a command that needs no database does not pay for importing one."""

from typing import Any

import typer
from typer._click.exceptions import UsageError  # Typer's own Click; typer.BadParameter's base
from typer.core import TyperGroup

from pipeline.errors import EiokuError, ErrorKind


class GuardedGroup(TyperGroup):
    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:  # a bad value, a missing option or value; Typer draws a box
            from pipeline.cli.flags import EXIT_USAGE, fail

            raise fail(" ".join(exc.format_message().split()), EXIT_USAGE) from None
        except (typer.Exit, typer.Abort):
            raise
        except EiokuError as exc:
            from pipeline.cli.flags import fail

            raise fail(str(exc), exit_code(exc)) from None
        except Exception as exc:
            message = _database_unavailable(exc)
            if message is None:
                raise
            from pipeline.cli.flags import EXIT_FAILED, fail

            raise fail(message, EXIT_FAILED) from None


def exit_code(error: EiokuError) -> int:
    """2, a usage error, for a parameter that cannot apply; 1 for every other failure."""
    from pipeline.cli.flags import EXIT_FAILED, EXIT_USAGE

    return EXIT_USAGE if error.kind is ErrorKind.INVALID_PARAMETER else EXIT_FAILED


def _database_unavailable(exc: Exception) -> str | None:
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.cli.context import current_settings
    from pipeline.db.availability import database_location, is_unavailable

    if isinstance(exc, SQLAlchemyError) and is_unavailable(exc):
        return f"database unavailable: {database_location(current_settings().database_url)}"
    return None
