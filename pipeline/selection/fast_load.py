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

from schemas.base import MAX_JSON_SAFE_INT
from schemas.selection_file import SelectionFile

TIMECODES = re.compile(r"(?:\d{2,}:\d{2}:\d{2}\.\d{3}\n)*")


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


class MalformedSelectionError(ValueError):
    pass


def decode_selection(data: bytes) -> tuple[SelectionFile, list[StoredRecord]]:
    """The header (with no selections) and the records; MalformedSelectionError names
    what is wrong."""
    if b"\\u0000" in data:
        raise MalformedSelectionError("text must not contain NUL characters")
    try:
        stored = _DECODER.decode(data)
    except msgspec.DecodeError as exc:
        raise MalformedSelectionError(str(exc)) from None
    if not TIMECODES.fullmatch("".join(record.ts_tc + "\n" for record in stored.selections)):
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
