"""Finds analyzers through the ``eioku.analyzers`` entry-point group, importing an
analyzer's module only when it is asked for by name."""

from importlib.metadata import entry_points

from pipeline.analysis.contract import Analyzer

ENTRY_POINT_GROUP = "eioku.analyzers"


class UnknownAnalyzerError(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown analyzer {name!r} (known: {', '.join(known) or 'none'})")
        self.name = name


class AnalyzerCatalog:
    def __init__(self) -> None:
        self._entry_points = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
        self._loaded: dict[str, Analyzer] = {}

    def names(self) -> list[str]:
        return sorted(set(self._entry_points) | set(self._loaded))

    def register(self, analyzer: Analyzer) -> None:
        self._loaded[analyzer.name] = analyzer

    def get(self, name: str) -> Analyzer:
        if name not in self._loaded:
            entry_point = self._entry_points.get(name)
            if entry_point is None:
                raise UnknownAnalyzerError(name, self.names())
            self._loaded[name] = entry_point.load()()
        return self._loaded[name]
