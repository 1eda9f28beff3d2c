"""Analysis profiles you can edit: the profiles file (TOML, ``EIOKU_PROFILES``, default
``$EIOKU_HOME/profiles.toml``) defines new profiles and overrides the built-in ones, on
top of each analyzer's own profile settings and the model registry.

A profile table names its analyzers' settings (what ``--set ANALYZER.KEY=VALUE`` takes);
a new profile starts from ``base`` (default ``fast``) for every analyzer it does not
mention, an override of a built-in profile from that profile."""

import logging
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.canonical import non_finite_key
from pipeline.settings import SettingsError

log = logging.getLogger(__name__)

BUILTIN_PROFILES = ("fast", "balanced", "high_quality")
DEFAULT_BASE = "fast"
PROFILE_KEYS = frozenset({"base", "description"})
MAX_PROFILE_NAME = 32  # characters: what the databases' profile columns hold


class ProfilesFileError(SettingsError):
    """The profiles file cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class ProfileDefinition:
    name: str
    base: str
    description: str | None
    settings: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class ProfileBook:
    """The profiles of the file; every other profile name is the analyzers' own."""

    definitions: Mapping[str, ProfileDefinition] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def load(cls, path: Path) -> "ProfileBook":
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ProfilesFileError(f"{path}: cannot read the profiles file: {exc}") from None
        except RecursionError:  # arrays or tables nested thousands deep
            raise ProfilesFileError(f"{path}: values nested too deeply") from None
        profiles = document.get("profiles", {})
        unknown = sorted(set(document) - {"profiles"})
        if unknown or not isinstance(profiles, dict):
            raise ProfilesFileError(f"{path}: only [profiles.NAME] tables are allowed")
        infinite = non_finite_key(profiles)
        if infinite is not None:  # no JSON, so no revision nor cache key, can hold it
            raise ProfilesFileError(f"{path}: profiles.{infinite} is not a finite number")
        definitions = {name: _definition(path, name, body) for name, body in profiles.items()}
        return cls(definitions, path)

    def names(self) -> list[str]:
        return sorted(set(BUILTIN_PROFILES) | set(self.definitions))

    def resolve(self, analyzer: str, profile: str) -> tuple[str, dict[str, Any]]:
        """The analyzer's own profile to start from, and the file's settings on top."""
        definition = self.definitions.get(profile)
        if definition is None:
            return profile, {}
        return definition.base, dict(definition.settings.get(analyzer, {}))


class ProfilesFile:
    """The profiles file of a long-lived process (server, worker): read again when it
    changes on disk; an edit that cannot be used keeps the last good profiles."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = self._stat()
        self._book = ProfileBook.load(path) if self._stamp else ProfileBook(path=path)

    def _stat(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def current(self) -> ProfileBook:
        stamp = self._stat()
        if stamp != self._stamp:
            try:
                self._book = ProfileBook.load(self.path) if stamp else ProfileBook(path=self.path)
            except ProfilesFileError as exc:
                log.warning("keeping the previous profiles: %s", exc)
            self._stamp = stamp
        return self._book


def _definition(path: Path, name: str, body: Any) -> ProfileDefinition:
    if not isinstance(body, dict):
        raise ProfilesFileError(f"{path}: profile {name!r} must be a table")
    if len(name) > MAX_PROFILE_NAME:
        raise ProfilesFileError(f"{path}: {too_long(name)}")
    default_base = name if name in BUILTIN_PROFILES else DEFAULT_BASE
    base = body.get("base", default_base)
    description = body.get("description")
    if not isinstance(base, str) or not isinstance(description, str | None):
        raise ProfilesFileError(f"{path}: profile {name!r}: base and description are text")
    if name in BUILTIN_PROFILES and base != name:
        raise ProfilesFileError(f"{path}: built-in profile {name!r} cannot have another base")
    settings = {key: value for key, value in body.items() if key not in PROFILE_KEYS}
    for analyzer, values in settings.items():
        if not isinstance(values, dict):
            raise ProfilesFileError(
                f"{path}: profile {name!r}: {analyzer!r} must be a table of analyzer settings"
            )
    return ProfileDefinition(name, base, description, settings)


def too_long(profile: str) -> str:
    """Why a profile name cannot be stored: the same words on every database."""
    start = profile[:MAX_PROFILE_NAME]
    return f"profile name {start!r}... is longer than {MAX_PROFILE_NAME} characters"
