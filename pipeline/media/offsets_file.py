"""Read and write the frame offsets format (schemas/offsets.py) as int64 arrays.

Written pretty-printed as in the format's example, one frame per line:

    {
      "video_url": "fs:///data/test.h265",
      "frames": [
        { "offset": 1024, "irap_offset": 1024 },
        { "offset": 2048, "irap_offset": 1024 }
      ]
    }

Reading is fast for that layout, the single-line one earlier versions wrote and compact
JSON: the numbers are parsed by numpy in one pass and the rest of the text is checked
against the layout; any other valid JSON takes the general (json module) path (load times:
docs/performance.md); the checks of ``offsets_problem`` always run.
"""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import EiokuError, ErrorKind
from pipeline.files import atomic_write_bytes
from schemas.base import MAX_JSON_SAFE_INT
from schemas.offsets import REGENERATE_HINT, offsets_problem, reject_legacy_format

_HEAD = re.compile(rb'\{\s*"video_url"\s*:\s*(?P<url>"(?:[^"\\]|\\.)*")\s*,\s*"frames"\s*:\s*\[')
_TAIL = re.compile(rb"\]\s*\}\Z")
_WHITESPACE = b" \t\r\n"
_ENTRY = b'{"offset":,"irap_offset":}'
_DIGITS = b"0123456789"
_LAYOUT_NOISE = _DIGITS + _WHITESPACE  # what the fast path strips before comparing the layout
_DIGITS_ONLY = bytes(c if 48 <= c <= 57 else 32 for c in range(256))
_POWERS_OF_TEN = 10 ** np.arange(1, 19, dtype=np.int64)


class OffsetsFileError(EiokuError, ValueError):
    """The file is not a valid offsets index; the message says why, for people."""

    code = "invalid_offsets_file"
    kind = ErrorKind.UNUSABLE_INPUT


@dataclass(frozen=True)
class OffsetIndex:
    """Frames in file (decode) order: ``offsets[i]`` is where packet i starts,
    ``irap_offsets[i]`` where the keyframe needed to decode it starts."""

    video_url: str
    offsets: np.ndarray  # int64, strictly increasing
    irap_offsets: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.offsets)

    def position_of_offset(self, offset: int) -> int | None:
        """The entry whose packet starts at ``offset`` (binary search), or None."""
        position = int(np.searchsorted(self.offsets, offset))
        found = position < len(self.offsets) and self.offsets[position] == offset
        return position if found else None

    def irap_position(self, position: int) -> int:
        """The entry of the keyframe needed to decode entry ``position``."""
        return int(np.searchsorted(self.offsets, self.irap_offsets[position]))

    def keyframe_positions(self) -> np.ndarray:
        return np.flatnonzero(self.offsets == self.irap_offsets)


def encode_offsets(index: OffsetIndex) -> bytes:
    """The JSON document: exactly ``video_url`` and ``frames``, two keys per frame, one
    frame per line."""
    pairs = zip(index.offsets.tolist(), index.irap_offsets.tolist(), strict=True)
    entries = ",\n".join(
        f'    {{ "offset": {offset}, "irap_offset": {irap} }}' for offset, irap in pairs
    )
    frames = f"[\n{entries}\n  ]" if entries else "[]"
    return f'{{\n  "video_url": {json.dumps(index.video_url)},\n  "frames": {frames}\n}}\n'.encode()


def write_offsets_file(index: OffsetIndex, path: Path) -> None:
    atomic_write_bytes(path, encode_offsets(index))


def read_offsets_file(path: Path) -> OffsetIndex:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise OffsetsFileError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return parse_offsets(data)
    except OffsetsFileError as exc:
        raise OffsetsFileError(f"{path}: {exc}") from None


def parse_offsets(data: bytes) -> OffsetIndex:
    parsed = _parse_canonical(data)
    index = parsed if parsed is not None else _parse_general(data)
    if not index.video_url:
        raise OffsetsFileError("video_url must be a non-empty string")
    problem = offsets_problem(index.offsets, index.irap_offsets)
    if problem is not None:
        raise OffsetsFileError(f"not a valid offsets index: {problem}; {REGENERATE_HINT}")
    return index


def _parse_canonical(data: bytes) -> OffsetIndex | None:
    """The index when ``data`` has the layout this module writes (or the compact one),
    else None."""
    document = data.strip(_WHITESPACE)
    head = _HEAD.match(document)
    if head is None:
        return None
    # only the last bytes are searched: the document may be megabytes long
    tail = _TAIL.search(document, max(len(document) - 64, head.end()))
    if tail is None:
        return None
    body = document[head.end() : tail.start()]
    numbers = np.fromstring(body.translate(_DIGITS_ONLY), dtype=np.int64, sep=" ")
    count = len(numbers) // 2
    if len(numbers) % 2 or body.translate(None, _LAYOUT_NOISE) != b",".join([_ENTRY] * count):
        return None
    # the layout check drops whitespace everywhere, so a key with a blank in it ("off set")
    # would pass it: each key must also be there whole, once per entry
    if body.count(b'"offset"') != count or body.count(b'"irap_offset"') != count:
        return None
    if not _exact(numbers, digits=len(body) - len(body.translate(None, _DIGITS))):
        return None
    try:
        video_url = json.loads(head.group("url"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return OffsetIndex(video_url, numbers[0::2].copy(), numbers[1::2].copy())


def _exact(numbers: np.ndarray, digits: int) -> bool:
    """Whether the numbers were parsed exactly from ``digits`` digits: none overflowed or
    had leading zeros (each then has fewer digits than its text), all JSON-safe."""
    if not len(numbers):
        return digits == 0
    in_range = numbers.min() >= 0 and numbers.max() <= MAX_JSON_SAFE_INT
    needed = len(numbers) + int(np.searchsorted(_POWERS_OF_TEN, numbers, side="right").sum())
    return bool(in_range) and needed == digits


def _parse_general(data: bytes) -> OffsetIndex:
    try:
        document: Any = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise OffsetsFileError(f"not JSON ({exc})") from None
    try:
        reject_legacy_format(document)
    except ValueError as exc:
        raise OffsetsFileError(str(exc)) from None
    if not isinstance(document, dict) or set(document) != {"video_url", "frames"}:
        raise OffsetsFileError(
            f"expected an object with exactly video_url and frames; {REGENERATE_HINT}"
        )
    video_url, frames = document["video_url"], document["frames"]
    if not isinstance(video_url, str):
        raise OffsetsFileError("video_url must be a string")
    if not isinstance(frames, list):
        raise OffsetsFileError("frames must be an array")
    offsets = np.empty(len(frames), np.int64)
    irap_offsets = np.empty(len(frames), np.int64)
    for position, frame in enumerate(frames):
        if not isinstance(frame, dict) or set(frame) != {"offset", "irap_offset"}:
            raise OffsetsFileError(
                f"frame {position}: expected exactly offset and irap_offset; {REGENERATE_HINT}"
            )
        offset, irap = frame["offset"], frame["irap_offset"]
        if not all(_is_byte_offset(value) for value in (offset, irap)):
            raise OffsetsFileError(f"frame {position}: offsets must be integers >= 0")
        offsets[position], irap_offsets[position] = offset, irap
    return OffsetIndex(video_url, offsets, irap_offsets)


def _is_byte_offset(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_JSON_SAFE_INT
