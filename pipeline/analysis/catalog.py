"""Finds analyzers through the ``eioku.analyzers`` entry-point group, importing an
analyzer's module only when it is asked for by name, plus plugins named as
``module:Class`` (setting EIOKU_ANALYZER_PLUGINS), which are imported at once."""

from collections.abc import Mapping
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel

from pipeline.analysis.contract import Analyzer
from pipeline.analysis.declarations import Produces
from pipeline.analysis.profiles import ProfileBook, ProfilesFile
from pipeline.analysis.vocabulary import Vocabulary
from pipeline.errors import EiokuError, ErrorKind
from pipeline.settings import PLUGINS_VARIABLE, Settings, SettingsError

ENTRY_POINT_GROUP = "eioku.analyzers"


class UnknownAnalyzerError(EiokuError, LookupError):
    code = "invalid_parameter"
    kind = ErrorKind.INVALID_PARAMETER

    def __init__(self, name: str, known: list[str]) -> None:
        message = f"unknown analyzer {name!r} (known: {', '.join(known) or 'none'})"
        super().__init__(message, "analyzers")
        self.name = name


class AnalyzerCatalog:
    """The analyzers of the ``eioku.analyzers`` entry points and the configured plugins,
    each instantiated with ``settings`` when first asked for, and the profiles: those of
    ``profiles`` when given, else the settings' profiles file, read again whenever it
    changes (ProfilesFileError when it cannot be used now)."""

    def __init__(self, settings: Settings, profiles: ProfileBook | None = None) -> None:
        self.settings = settings
        self._entry_points = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
        self._loaded: dict[str, Analyzer] = {}
        self._vocabulary: Vocabulary | None = None
        self._profiles = profiles or ProfilesFile(settings.profiles_path)
        for plugin in settings.analyzer_plugins:
            self.register(_instantiate(plugin, settings))

    @property
    def profiles(self) -> ProfileBook:
        if isinstance(self._profiles, ProfilesFile):
            return self._profiles.current()
        return self._profiles

    def effective_config(self, name: str, profile: str, overrides: Mapping[str, Any]) -> BaseModel:
        """The analyzer's config for ``profile``: the profiles file's settings over the
        analyzer's own profile, the request's overrides over both."""
        base, settings = self.profiles.resolve(name, profile)
        return self.get(name).effective_config(base, {**settings, **overrides})

    def names(self) -> list[str]:
        return sorted(set(self._entry_points) | set(self._loaded))

    def register(self, analyzer: Analyzer) -> None:
        self._loaded[analyzer.name] = analyzer
        self._vocabulary = None

    def analyzer_class(self, name: str) -> Any:
        """The analyzer's class (or a registered instance): its declarations, without
        instantiating it."""
        if name in self._loaded:
            return self._loaded[name]
        entry_point = self._entry_points.get(name)
        if entry_point is None:
            raise UnknownAnalyzerError(name, self.names())
        return entry_point.load()

    def profiles_of(self, name: str) -> list[str]:
        """The analyzer's own profiles and those of the profiles file built on them."""
        own = set(self.analyzer_class(name).profiles)
        book = self.profiles
        extra = {profile for profile in book.definitions if book.resolve(name, profile)[0] in own}
        return sorted(own | extra)

    def declarations(self) -> dict[str, Produces]:
        """What every analyzer produces, by analyzer name (those that write no artifacts
        left out). Reads the classes' declarations: no analyzer is instantiated and no
        model library imported."""
        declared: dict[str, Produces] = {}
        for name in self.names():
            produces = self.analyzer_class(name).produces
            if produces is not None:
                declared[name] = produces
        return declared

    def vocabulary(self) -> Vocabulary:
        """The artifact types, jump kinds and schemas of every analyzer, built once."""
        if self._vocabulary is None:
            self._vocabulary = Vocabulary(self.declarations())
        return self._vocabulary

    def get(self, name: str) -> Analyzer:
        if name not in self._loaded:
            self._loaded[name] = self.analyzer_class(name)(self.settings)
        return self._loaded[name]


def _instantiate(plugin: str, settings: Settings) -> Analyzer:
    """The plugin's analyzer; SettingsError naming the variable when ``module:Class``
    (checked for its form by load_settings) names no class."""
    module_name, _, class_name = plugin.partition(":")
    try:
        analyzer_class = getattr(import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise SettingsError(f"{PLUGINS_VARIABLE}: {plugin!r} cannot be loaded: {exc}") from None
    if not isinstance(analyzer_class, type):
        raise SettingsError(f"{PLUGINS_VARIABLE}: {plugin!r} is not a class")
    return analyzer_class(settings)  # type: ignore[no-any-return]
