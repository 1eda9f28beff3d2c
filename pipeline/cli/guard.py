"""Failures any command can meet, turned into one `error:` line and exit status 1: an
unusable setting in the environment, the database server not answering."""

from typing import Any

import click
from sqlalchemy.exc import SQLAlchemyError
from typer.core import TyperGroup

from pipeline.cli.common import EXIT_FAILED, fail
from pipeline.db.availability import database_location, is_unavailable
from pipeline.settings import SettingsError, load_settings


class GuardedGroup(TyperGroup):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SettingsError as exc:
            raise fail(str(exc), EXIT_FAILED) from None
        except SQLAlchemyError as exc:
            if not is_unavailable(exc):
                raise
            location = database_location(load_settings().database_url)
            raise fail(f"database unavailable: {location}", EXIT_FAILED) from None
