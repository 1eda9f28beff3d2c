"""The selection file read for lookups, fast enough for tens of thousands of records:
msgspec decodes and checks the records in one pass (pydantic builds one model per record,
several times slower), the small header goes through the format's Pydantic model. The
record rules here mirror schemas/selection_file.py; tests/test_frame_selection_files.py
feeds both the same valid and invalid documents."""

import json
import re
from typing import Annotated, Literal

import msgspec
from pydantic import ValidationError

from pipeline.errors import EiokuError, ErrorKind
from schemas.base import MAX_JSON_SAFE_INT
from schemas.selection_file import SelectionFile

TIMECODES = re.compile(r"(?:[0-9]{2,}:[0-9]{2}:[0-9]{2}\.[0-9]{3}\n)*")
# every digit to "0": the timecodes of a file under 100 hours then read "00:00:00.000"
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_ZERO_TIMECODE = b"00:00:00.000\n"


class StoredRecord(msgspec.Struct, forbid_unknown_fields=True, frozen=True, gc=False):
    """One entry of ``selections``, with the format's field names."""

    frame_index: Annotated[int, msgspec.Meta(ge=0, le=MAX_JSON_SAFE_INT)]
    ts_tc: str
    type: Literal["Dark", "Bright", "Motion", "User", "Random"]
    score: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
    source: str
    clip_role: Literal["ref", "tgt"]
    notes: str


class _StoredFile(msgspec.Struct, forbid_unknown_fields=True):
    version: str
    created_utc: str
    cache_key: str
    inputs: msgspec.Raw
    selections: list[StoredRecord]


_DECODER = msgspec.json.Decoder(_StoredFile)


class MalformedSelectionError(EiokuError, ValueError):
    code = "malformed_selection"
    kind = ErrorKind.UNUSABLE_INPUT


def decode_selection(data: bytes) -> tuple[SelectionFile, list[StoredRecord]]:
    """The header (with no selections) and the records; MalformedSelectionError names
    what is wrong."""
    if b"\\" in data and b"\\u0000" in data:  # one memchr pass rules most files out
        raise MalformedSelectionError("text must not contain NUL characters")
    try:
        stored = _DECODER.decode(data)
    except msgspec.DecodeError as exc:
        raise MalformedSelectionError(str(exc)) from None
    if not _timecodes_valid([record.ts_tc for record in stored.selections]):
        raise MalformedSelectionError("a ts_tc is not HH:MM:SS.mmm")
    try:
        header = SelectionFile.model_validate(
            {
                "version": stored.version,
                "created_utc": stored.created_utc,
                "cache_key": stored.cache_key,
                "inputs": json.loads(bytes(stored.inputs)),
                "selections": [],
            }
        )
    except (ValidationError, ValueError) as exc:
        raise MalformedSelectionError(str(exc).splitlines()[0]) from None
    return header, stored.selections


def _timecodes_valid(timecodes: list[str]) -> bool:
    """Every one ``HH:MM:SS.mmm``: checked as one block of bytes (a translate and a
    compare), by the regex only when that block has something else (e.g. 100 hours)."""
    joined = "\n".join(timecodes) + "\n" if timecodes else ""
    block = joined.encode("utf-8")
    if block.translate(_DIGITS_TO_ZERO) == _ZERO_TIMECODE * len(timecodes):
        return True
    return TIMECODES.fullmatch(joined) is not None
