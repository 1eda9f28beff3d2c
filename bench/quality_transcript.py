"""Word error rate of the transcript against what was said, written down in
tests/data/README.md, per recording and profile; the segments' confidences beside it
(their spread tells whether they say anything about a segment)."""

import statistics
from pathlib import Path

from bench.quality_runs import DATA, analyze_file
from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.models import Resolution
from pipeline.settings import load_settings
from support.quality import MeasureUnavailable, QualityRow, word_error_rate

RECORDINGS: dict[str, tuple[Path, str]] = {
    "jfk.flac": (
        DATA / "jfk.flac",
        "And so my fellow Americans, ask not what your country can do for you, "
        "ask what you can do for your country.",
    ),
}


def measure(profile: str) -> list[QualityRow]:
    status = AnalyzerCatalog(load_settings()).get("transcript").model_status(profile)
    if status.resolution in (Resolution.MISSING, Resolution.HUB):
        raise MeasureUnavailable(f"no weights for {status.reference} on this machine")
    rows = []
    for media, (path, said) in RECORDINGS.items():
        segments = analyze_file("transcript", profile, path)
        heard = " ".join(segment.text for segment in segments)
        confidences = [segment.confidence for segment in segments]
        spread = statistics.pstdev(confidences) if len(confidences) > 1 else 0.0
        rows.append(
            QualityRow("transcript", profile, media, "WER", word_error_rate(said, heard), "lower")
        )
        rows.append(
            QualityRow(
                "transcript", profile, media, "confidence spread", spread,
                detail=f"{len(segments)} segments",
            )
        )  # fmt: skip
    return rows
