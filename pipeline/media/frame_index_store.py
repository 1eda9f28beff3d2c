"""The persisted frame index of a video content, computed once and read by every later use.

Kept beside the video's other outputs, ``$EIOKU_HOME/videos/<video id>/`` (the id is
derived from the content hash, so the same bytes at another path share it):

- ``frames.offsets.json``: the offsets file (schemas/offsets.py), what clients fetch;
- ``frames.packets.npz``: the whole packet table (sizes, timestamps, presentation order,
  codec setup) that decoding by offset and the frame sampler need; numpy arrays, loaded
  in milliseconds.

Both are written atomically, so concurrent builders of the same video only race to write
the same bytes.
"""

import io
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np

from pipeline.files import atomic_write_bytes
from pipeline.media.display import DisplayGeometry
from pipeline.media.offsets import PacketScan, PacketTable, index_file
from pipeline.media.offsets_file import write_offsets_file
from pipeline.media.packet_decoder import PacketSource

OFFSETS_FILE = "frames.offsets.json"
PACKETS_FILE = "frames.packets.npz"
TABLE_VERSION = 1  # bump when the table's arrays change meaning: old tables are rebuilt


def video_output_folder(home: Path, video_id: str) -> Path:
    return home / "videos" / video_id


def offsets_path(home: Path, video_id: str) -> Path:
    return video_output_folder(home, video_id) / OFFSETS_FILE


def file_url(path: str | Path) -> str:
    """The offsets file's default ``video_url``: fs:// plus the absolute path."""
    return "fs://" + str(Path(path).resolve())


def load_or_build(home: Path, video_id: str, path: str) -> PacketTable:
    """The video's packet table, built (and both files written) on first use. Raises
    MediaError when the file cannot be indexed."""
    folder = video_output_folder(home, video_id)
    table = _load_table(folder / PACKETS_FILE, path)
    if table is None:
        table = index_file(Path(path))
        atomic_write_bytes(folder / PACKETS_FILE, _table_bytes(table))
    if not (folder / OFFSETS_FILE).exists():
        write_offsets_file(table.scan.offset_index(file_url(path)), folder / OFFSETS_FILE)
    return table


def _table_bytes(table: PacketTable) -> bytes:
    scan, source = table.scan, table.source
    buffer = io.BytesIO()
    np.savez(
        buffer,
        version=np.int64(TABLE_VERSION),
        offsets=source.offsets,
        sizes=source.sizes,
        codec=np.str_(source.codec),
        extradata=np.frombuffer(source.extradata, np.uint8),
        irap_offsets=scan.irap_offsets,
        pts=scan.pts,
        dts=scan.dts,
        durations=scan.durations,
        discarded=scan.discarded,
        stream_time_base=_ratio(scan.time_base),
        start_time=np.array([] if scan.start_time is None else [scan.start_time], np.int64),
        frame_rate=_ratio(scan.frame_rate),
        container=np.str_(scan.container),
        pixel_aspect=_ratio(scan.geometry.pixel_aspect),
        quarter_turns=np.int64(scan.geometry.quarter_turns),
        presentation=table.presentation,
        frame_pts=table.frame_pts,
        time_base=_ratio(table.time_base),
        origin=np.int64(table.origin),
    )
    return buffer.getvalue()


def _load_table(file: Path, path: str) -> PacketTable | None:
    """The stored table, read for the file at ``path``; None when there is none or it is
    unreadable or of another version (it is then rebuilt)."""
    try:
        with np.load(file, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except (OSError, ValueError, zipfile.BadZipFile):
        return None
    if int(arrays.get("version", -1)) != TABLE_VERSION:
        return None
    try:
        return _table_of(arrays, path)
    except (KeyError, IndexError, ValueError):  # written by an older build of this version
        return None


def _table_of(arrays: dict[str, np.ndarray], path: str) -> PacketTable:
    scan = PacketScan(
        source=PacketSource(
            path=path,
            codec=str(arrays["codec"]),
            extradata=arrays["extradata"].tobytes(),
            offsets=arrays["offsets"],
            sizes=arrays["sizes"],
        ),
        irap_offsets=arrays["irap_offsets"],
        pts=arrays["pts"],
        dts=arrays["dts"],
        durations=arrays["durations"],
        discarded=arrays["discarded"],
        time_base=_fraction(arrays["stream_time_base"]),
        start_time=int(arrays["start_time"][0]) if len(arrays["start_time"]) else None,
        frame_rate=_fraction(arrays["frame_rate"]),
        container=str(arrays["container"]),
        geometry=DisplayGeometry(_fraction(arrays["pixel_aspect"]), int(arrays["quarter_turns"])),
    )
    return PacketTable(
        scan,
        arrays["presentation"],
        arrays["frame_pts"],
        _fraction(arrays["time_base"]),
        int(arrays["origin"]),
    )


def _ratio(value: Fraction) -> np.ndarray:
    return np.array([value.numerator, value.denominator], np.int64)


def _fraction(stored: np.ndarray) -> Fraction:
    return Fraction(int(stored[0]), int(stored[1]))
