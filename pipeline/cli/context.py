"""The settings of one `eioku` invocation: read from the environment once, by the root
command (pipeline/cli/main.py), and handed from there to the command that runs."""

from contextvars import ContextVar

from pipeline.settings import Settings

_settings: ContextVar[Settings | None] = ContextVar("eioku_settings", default=None)


def use_settings(settings: Settings) -> None:
    _settings.set(settings)


def current_settings() -> Settings:
    settings = _settings.get()
    if settings is None:
        raise RuntimeError("no settings: the command ran outside the `eioku` root command")
    return settings
