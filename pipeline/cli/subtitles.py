"""Transcript segments as subtitles: WebVTT and SubRip (SRT). Pure functions.

Cue text is normalised the same way for both formats: every kind of line break becomes
``\\n``, lines are stripped and blank lines dropped (a blank line ends a cue in both
formats), and a cue left without text is not written. A zero-length segment is shown for
one millisecond, since both formats need the end after the start.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


def normalize_text(text: str) -> str:
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def timestamp(ms: int, fraction_separator: str) -> str:
    """``HH:MM:SS.mmm`` (WebVTT) or ``HH:MM:SS,mmm`` (SRT); hours grow past two digits."""
    if ms < 0:
        raise ValueError(f"negative time {ms} ms")
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{fraction_separator}{millis:03d}"


def displayable(cues: Iterable[Cue]) -> list[Cue]:
    """The cues as written: in time order, text normalised, empty ones dropped, end > start."""
    shown = []
    for cue in sorted(cues, key=lambda cue: (cue.start_ms, cue.end_ms)):
        text = normalize_text(cue.text)
        if text:
            shown.append(Cue(cue.start_ms, max(cue.end_ms, cue.start_ms + 1), text))
    return shown


def escape_vtt(text: str) -> str:
    # `&` and `<` start entities and tags in WebVTT cue text; `>` is escaped so that
    # "-->" can never appear in a cue.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_webvtt(cues: Iterable[Cue]) -> str:
    blocks = [
        f"{timestamp(cue.start_ms, '.')} --> {timestamp(cue.end_ms, '.')}\n{escape_vtt(cue.text)}"
        for cue in displayable(cues)
    ]
    return "WEBVTT\n\n" + "".join(f"{block}\n\n" for block in blocks)


_ARROW = re.compile(r"-{2,}>")


def escape_srt(text: str) -> str:
    # SRT has no escapes; a "-->" in the text is what parsers take for a timing line.
    return _ARROW.sub("->", text)


def to_srt(cues: Iterable[Cue]) -> str:
    blocks = [
        f"{number}\n{timestamp(cue.start_ms, ',')} --> {timestamp(cue.end_ms, ',')}\n"
        f"{escape_srt(cue.text)}"
        for number, cue in enumerate(displayable(cues), start=1)
    ]
    return "".join(f"{block}\n\n" for block in blocks)
