"""Failures any command can meet, turned into one `error:` line: a bad or missing option
value (exit 2), an unusable setting in the environment or the database server not answering
(exit 1)."""

from typing import Any

import typer
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from pipeline.cli.common import EXIT_FAILED, EXIT_USAGE, fail
from pipeline.db.availability import database_location, is_unavailable
from pipeline.settings import SettingsError, load_settings


class GuardedGroup(TyperGroup):
    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except typer.BadParameter as exc:  # a value or a missing option; Typer draws a box
            raise fail(" ".join(exc.format_message().split()), EXIT_USAGE) from None
        except SettingsError as exc:
            raise fail(str(exc), EXIT_FAILED) from None
        except SQLAlchemyError as exc:
            if not is_unavailable(exc):
                raise
            location = database_location(load_settings().database_url)
            raise fail(f"database unavailable: {location}", EXIT_FAILED) from None
