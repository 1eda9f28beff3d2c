"""Parsing WebVTT and SRT documents back into cues, to check what the subtitle writers
produced."""

import html
import re

from pipeline.cli.subtitles import Cue

_TIMING = re.compile(
    r"^(\d{2,}):(\d{2}):(\d{2})[.,](\d{3}) --> (\d{2,}):(\d{2}):(\d{2})[.,](\d{3})"
)


def _ms(hours: str, minutes: str, seconds: str, millis: str) -> int:
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def parse_cues(document: str) -> list[Cue]:
    """Cues of a WebVTT or SRT document as written by ``pipeline.cli.subtitles`` (header,
    cue numbers and identifiers skipped; WebVTT entities decoded)."""
    webvtt = document.startswith("WEBVTT")
    cues = []
    for block in document.split("\n\n"):
        lines = block.split("\n")
        at = next((i for i, line in enumerate(lines) if _TIMING.match(line)), None)
        if at is None:
            continue
        times = _TIMING.match(lines[at]).groups()  # type: ignore[union-attr]
        text = "\n".join(lines[at + 1 :])
        cues.append(Cue(_ms(*times[:4]), _ms(*times[4:]), html.unescape(text) if webvtt else text))
    return cues
