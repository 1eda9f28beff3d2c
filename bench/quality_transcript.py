"""Word error rate of the transcript against what was said, written down in
tests/data/README.md, per recording and profile; the segments' confidences beside it
(their spread tells whether they say anything about a segment). The English and Spanish
recording joins JFK and a synthetic Spanish sentence (espeak-ng): the language switch,
not the voice, is what it measures."""

import statistics
from pathlib import Path
from tempfile import TemporaryDirectory

from bench.quality_runs import DATA, analyze_file
from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.models import Resolution
from pipeline.settings import load_settings
from support.quality import MeasureUnavailable, QualityRow, word_error_rate
from support.synthetic import write_joined_speech

JFK_SAID = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)
CASTELLANO_SAID = "Hablo castellano. El castellano es la lengua de España."
RECORDINGS: dict[str, tuple[Path, str]] = {
    "jfk.flac": (DATA / "jfk.flac", JFK_SAID),
    "austen.flac": (
        DATA / "austen.flac",
        "and mister john dashwood had then leisure to consider how much there might be "
        "prudently in his power to do for them "
        "he was not an ill disposed young man "
        "unless to be rather cold hearted and rather selfish is to be ill disposed "
        "had he married a more a amiable woman he might have been made still more "
        "respectable than he was "
        "he might even have been made amiable himself",
    ),
}


def measure(profile: str) -> list[QualityRow]:
    status = AnalyzerCatalog(load_settings()).get("transcript").model_status(profile)
    if status.resolution in (Resolution.MISSING, Resolution.HUB):
        raise MeasureUnavailable(f"no weights for {status.reference} on this machine")
    with TemporaryDirectory(prefix="eioku-quality-speech-") as directory:
        mixed = write_joined_speech(
            Path(directory) / "mixed.flac", [DATA / "jfk.flac", DATA / "castellano-espeak.flac"]
        )
        recordings = {
            **RECORDINGS,
            "jfk + castellano (es synthetic)": (mixed, f"{JFK_SAID} {CASTELLANO_SAID}"),
        }
        return [row for media, case in recordings.items() for row in _rows(profile, media, *case)]


def _rows(profile: str, media: str, path: Path, said: str) -> list[QualityRow]:
    segments = analyze_file("transcript", profile, path)
    heard = " ".join(segment.text for segment in segments)
    confidences = [segment.confidence for segment in segments]
    spread = statistics.pstdev(confidences) if len(confidences) > 1 else 0.0
    return [
        QualityRow("transcript", profile, media, "WER", word_error_rate(said, heard), "lower"),
        QualityRow(
            "transcript", profile, media, "confidence spread", spread, "info",
            detail=f"{len(segments)} segments",
        ),
    ]  # fmt: skip
