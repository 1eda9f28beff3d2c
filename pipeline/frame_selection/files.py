"""Reading and writing ``generated.selection.v1.json`` and ``generated.compframes``.

Both are written atomically: to ``<name>.tmp`` beside them (the format's name for it),
flushed, fsynced, closed, then renamed over the file. The compframes file is the list
comparison tools read, one frame number per line with the reason after a ``#``. Writing
a selection rewrites it: the lines an earlier selection wrote (``N  # sel=… score=…
src=eioku-frames/…``) go, every other line (a user's) stays byte for byte and in order,
and the selection's frames that no kept line lists follow, with the file's own line
ending. Reading never raises on a damaged file: it warns and reports nothing (or what
could be read)."""

import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from pipeline.files import atomic_write_bytes
from pipeline.frame_selection.config import ENGINE_NAME
from schemas.payloads.frames import FrameKind
from schemas.selection_file import SelectionFile, SelectionRecord

log = logging.getLogger(__name__)

SELECTION_FILE = "generated.selection.v1.json"
COMPFRAMES_FILE = "generated.compframes"
# a line's first column, when it is a number; anchored on the newline before it, which
# re finds much faster than a MULTILINE ^ (scan "\n" + text); ASCII classes, which are
# faster than \d and \s (and what comparison tools accept as a frame number)
FRAME_NUMBER = re.compile(r"\n[ \t]*([0-9]+)(?![^ \t\r\n\f\v#])")
# a line a selection wrote (``compframes_line``, any engine version), line ending apart
SELECTION_LINE = re.compile(
    rf"[0-9]+  # sel=(?:{'|'.join(kind.value for kind in FrameKind)}) score=[0-9]\.[0-9]{{2}} "
    rf"src={re.escape(ENGINE_NAME)}/\S+"
)


@dataclass(frozen=True)
class CompframesHint:
    """What a compframes line says about its frame: ``sel``, ``score`` and ``src``."""

    frame_index: int
    type: str | None = None
    score: float | None = None
    source: str | None = None


def timecode(milliseconds: int) -> str:
    """``HH:MM:SS.mmm``."""
    seconds, millis = divmod(milliseconds, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def timecode_ms(text: str) -> int:
    """The milliseconds of an ``HH:MM:SS.mmm`` timecode."""
    clock, _, millis = text.partition(".")
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + int(millis or 0)


def utc_now() -> str:
    """Now, in the format's ``created_utc`` form: ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def write_selection_file(folder: Path, selection: SelectionFile) -> Path:
    path = folder / SELECTION_FILE
    atomic_write_bytes(path, selection_json(selection).encode(), f"{SELECTION_FILE}.tmp")
    return path


def selection_json(selection: SelectionFile) -> str:
    """Indented, with one selection per line: readable, and a third smaller (faster to
    load) than indenting every field."""
    document = selection.model_dump(mode="json")
    records = [json.dumps(record, separators=(", ", ": ")) for record in document.pop("selections")]
    head = json.dumps(document, indent=2).removesuffix("\n}")
    listed = "[\n    " + ",\n    ".join(records) + "\n  ]" if records else "[]"
    return f'{head},\n  "selections": {listed}\n}}\n'


def read_selection_bytes(folder: Path) -> bytes | None:
    path = folder / SELECTION_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("%s: unreadable (%s); treated as missing", path, exc.strerror)
        return None


def warn_malformed(folder: Path, reason: str) -> None:
    log.warning(
        "%s: malformed selection file (%s); treated as missing", folder / SELECTION_FILE, reason
    )


def read_selection_file(folder: Path) -> SelectionFile | None:
    """The stored selection; None (after one warning) when it is missing, malformed or
    partial."""
    data = read_selection_bytes(folder)
    if data is None:
        return None
    try:
        return SelectionFile.model_validate_json(data)
    except ValidationError as exc:
        warn_malformed(folder, exc.errors()[0]["msg"] if exc.errors() else str(exc))
        return None


def compframes_line(record: SelectionRecord) -> str:
    return f"{record.frame_index}  # sel={record.type} score={record.score:.2f} src={record.source}"


def write_compframes(folder: Path, records: list[SelectionRecord]) -> Path:
    """The user's lines as they are, then one line per selected frame they do not list."""
    path = folder / COMPFRAMES_FILE
    try:
        existing = path.read_bytes()
    except FileNotFoundError:
        existing = b""
    newline = b"\r\n" if b"\r\n" in existing else b"\n"
    kept = b"".join(user_lines(existing))
    listed = listed_frames(kept.decode("utf-8", "replace"))
    added = [compframes_line(r).encode() for r in records if r.frame_index not in listed]
    if kept and not kept.endswith((b"\n", b"\r")):
        kept += newline
    content = kept + b"".join(line + newline for line in added)
    atomic_write_bytes(path, content, f"{COMPFRAMES_FILE}.tmp")
    return path


def user_lines(text: bytes) -> list[bytes]:
    """The lines of a compframes file that no selection wrote, each with its own line
    ending (the last one may have none)."""
    return [
        line
        for line in text.splitlines(keepends=True)
        if not SELECTION_LINE.fullmatch(line.rstrip(b"\r\n").decode("utf-8", "replace"))
    ]


def read_compframes(folder: Path) -> str:
    try:
        return (folder / COMPFRAMES_FILE).read_text("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    except OSError as exc:
        log.warning("%s: unreadable (%s)", folder / COMPFRAMES_FILE, exc.strerror)
        return ""


def listed_frames(text: str) -> set[int]:
    """The frame numbers of a compframes text, found in one regex pass."""
    return set(map(int, FRAME_NUMBER.findall("\n" + text)))


def parse_compframes(text: str) -> list[CompframesHint]:
    """One hint per line that starts with a frame number, in file order; other lines
    (blank, comments, other columns' text) are ignored."""
    hints = []
    for line in text.splitlines():
        number, _, comment = line.partition("#")
        columns = number.split()
        if not columns or not columns[0].isdigit() or not FRAME_NUMBER.match("\n" + line):
            continue
        fields = dict(token.split("=", 1) for token in comment.split() if "=" in token)
        hints.append(
            CompframesHint(
                int(columns[0]), fields.get("sel"), _number(fields.get("score")), fields.get("src")
            )
        )
    return hints


def _number(text: str | None) -> float | None:
    try:
        return None if text is None else float(text)
    except ValueError:
        return None
