"""Running one analyzer on one file the way a worker does (the profile's effective
settings, the real weights), for bench/quality.py's measures."""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.contract import ArtifactOutput
from pipeline.settings import load_settings
from support.sources import probe_source

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
DEMO = Path(__file__).resolve().parents[1] / "pipeline" / "demo" / "sample.mp4"


def _silent(_: float) -> None:
    pass


def analyze_file(
    name: str, profile: str, path: Path, overrides: Mapping[str, Any] | None = None
) -> list[BaseModel]:
    """The payloads ``name`` yields for ``path`` under ``profile`` (without the embeddings
    an analyzer keeps beside them)."""
    catalog = AnalyzerCatalog(load_settings())
    analyzer = catalog.get(name)
    config = catalog.effective_config(name, profile, overrides or {})
    outputs = analyzer.analyze(probe_source(str(path)), config, _silent)
    return [output.payload if isinstance(output, ArtifactOutput) else output for output in outputs]
