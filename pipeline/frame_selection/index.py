"""The selection of a folder as ``{frame_index → what is known about it}``, built once:
the selection file's record, else the compframes line's hint, else unknown. Loading it
decodes nothing and computes no metric."""

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Literal, NamedTuple, TypeVar

from pipeline.frame_selection.fast_load import (
    MalformedSelectionError,
    StoredRecord,
    decode_selection,
)
from pipeline.frame_selection.files import (
    CompframesHint,
    listed_frames,
    parse_compframes,
    read_compframes,
    read_selection_bytes,
    warn_malformed,
)
from schemas.selection_file import SelectionFile, SelectionRecord

Record = SelectionRecord | StoredRecord
Keyed = TypeVar("Keyed", SelectionRecord, StoredRecord, CompframesHint)

log = logging.getLogger(__name__)

UNKNOWN_TYPE = "(unknown)"

Origin = Literal["record", "hint", "unknown"]  # where a frame's type is known from


class FrameLabel(NamedTuple):
    """Why a frame is in the selection, and where that is known from."""

    frame_index: int
    type: str  # Dark, Bright, Motion, User, Random, or (unknown)
    origin: Origin
    ts_tc: str | None = None
    score: float | None = None
    source: str | None = None
    clip_role: str | None = None
    notes: str | None = None


class SelectionIndex:
    def __init__(
        self,
        records: dict[int, Record],
        hints: dict[int, CompframesHint] | None = None,
        stored: SelectionFile | None = None,
    ) -> None:
        self._cache_key = stored.cache_key if stored is not None else None
        self._created_utc = stored.created_utc if stored is not None else None
        self._records = records
        self._hints = hints or {}

    def __len__(self) -> int:
        return len(self._records.keys() | self._hints.keys())

    @property
    def created_utc(self) -> str | None:
        return self._created_utc

    @property
    def cache_key(self) -> str | None:
        return self._cache_key

    def frames(self) -> list[int]:
        return sorted(self._records.keys() | self._hints.keys())

    def label(self, frame_index: int) -> FrameLabel:
        record = self._records.get(frame_index)
        if record is not None:
            return FrameLabel(
                frame_index, str(record.type), "record", record.ts_tc, record.score,
                record.source, record.clip_role, record.notes,
            )  # fmt: skip
        hint = self._hints.get(frame_index)
        if hint is not None and hint.type:
            return FrameLabel(frame_index, hint.type, "hint", score=hint.score, source=hint.source)
        return FrameLabel(frame_index, UNKNOWN_TYPE, "unknown")


def load_index(folder: Path) -> SelectionIndex:
    """What the folder's two files say; a frame compframes lists without a record is
    labelled by its hint (one warning for all of them)."""
    header, stored_records = _stored(folder)
    records = by_frame(stored_records)
    text = read_compframes(folder)
    unrecorded = listed_frames(text) - records.keys()
    hints: dict[int, CompframesHint] = {}
    if unrecorded:
        hints = by_frame(hint for hint in parse_compframes(text) if hint.frame_index in unrecorded)
        if records:
            log.warning(
                "%s lists %d frame(s) the selection file has no record of (e.g. %d); their "
                "compframes hints are used",
                folder, len(unrecorded), min(unrecorded),
            )  # fmt: skip
    return SelectionIndex(records, hints, header)


def by_frame(items: Iterable[Keyed]) -> dict[int, Keyed]:
    return {item.frame_index: item for item in items}


def _stored(folder: Path) -> tuple[SelectionFile | None, list[StoredRecord]]:
    data = read_selection_bytes(folder)
    if data is None:
        return None, []
    try:
        return decode_selection(data)
    except MalformedSelectionError as exc:
        warn_malformed(folder, str(exc))
        return None, []
