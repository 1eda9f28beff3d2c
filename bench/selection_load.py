"""Loading a stored frame selection: read, validate and index 10,000 selections (the
selection file and its compframes), then look frames up; and the identity of a 256 MiB
clip on the load path. Baselines measured in the same run: a bare ``json.loads`` of the
same file, lookups by scanning the list, and the clip's identity with its sha1 read again.

    .venv/bin/python -m bench.selection_load [--clip-mib 256]
"""

import argparse
import gc
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from pipeline.frame_selection.clips import clip_input
from pipeline.frame_selection.config import ENGINE_TAG, SelectionConfig
from pipeline.frame_selection.fast_load import StoredRecord, decode_selection
from pipeline.frame_selection.files import (
    SELECTION_FILE,
    timecode,
    write_compframes,
    write_selection_file,
)
from pipeline.frame_selection.index import SelectionIndex, by_frame, load_index
from schemas.payloads.frames import FrameKind
from schemas.selection_file import (
    ClipInput,
    SelectionFile,
    SelectionInputs,
    SelectionRecord,
)

SELECTIONS = 10_000
REPEATS = 15
LOOKUPS = 100_000
TARGET_MS = 10.0


def selection_of(count: int) -> SelectionFile:
    kinds = list(FrameKind)
    records = [
        SelectionRecord(
            frame_index=index * 7,
            ts_tc=timecode(index * 280),
            type=kinds[index % len(kinds)],
            score=round(random.random(), 4),
            source=ENGINE_TAG,
            clip_role="ref",
            notes=f"luma={random.random():.4f} motion={random.random():.5f}",
        )
        for index in range(count)
    ]
    clip = ClipInput(
        role="ref",
        path="/videos/clip.mp4",
        size=1,
        mtime="2026-01-01T00:00:00.000000000Z",
        sha1="0" * 40,
    )
    return SelectionFile(
        version="1",
        created_utc="2026-01-01T00:00:00Z",
        cache_key="sha256:" + "0" * 64,
        inputs=SelectionInputs(clips=[clip], config_fingerprint=SelectionConfig().fingerprint()),
        selections=records,
    )


def median_ms(action: Callable[[], object], repeats: int = REPEATS) -> float:
    timings = []
    for _ in range(repeats):
        began = time.perf_counter()
        action()
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)


def lookup_ns(action: Callable[[int], object], frames: list[int], count: int) -> float:
    probes = [random.choice(frames) for _ in range(count)]
    began = time.perf_counter_ns()
    for frame in probes:
        action(frame)
    return (time.perf_counter_ns() - began) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clip-mib", type=int, default=256, help="size of the clip hashed")
    arguments = parser.parse_args()
    random.seed(7)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        clip_identity(folder / "clip.mp4", arguments.clip_mib)
        write_files(folder)
        gc.collect()  # time the load, not the collection of the objects written above
        raw = (folder / SELECTION_FILE).read_bytes()
        load = median_ms(lambda: load_index(folder))
        parse = median_ms(lambda: json.loads(raw))
        index = load_index(folder)
        frames = index.frames()
        print(f"{SELECTIONS:,} selections, {len(raw) / 1e6:.2f} MB JSON + compframes")
        print(
            f"load + validate + index (median of {REPEATS}): {load:.2f} ms "
            f"(target < {TARGET_MS:.0f} ms: {'met' if load < TARGET_MS else 'MISSED'})"
        )
        print(f"baseline json.loads alone: {parse:.2f} ms  (ratio {load / parse:.2f}x)")
        records = list(index_records(folder))
        for size in (1_000, 10_000, 100_000):
            sized = load_index_of(size)
            per_lookup = lookup_ns(sized.label, sized.frames(), LOOKUPS)
            print(f"lookup in an index of {size:>7,}: {per_lookup:6.0f} ns")
        scan = lookup_ns(lambda f: next(r for r in records if r.frame_index == f), frames, 1_000)
        indexed = lookup_ns(index.label, frames, LOOKUPS)
        print(
            f"baseline linear scan of {SELECTIONS:,}: {scan:,.0f} ns per lookup "
            f"({scan / indexed:,.0f}x the indexed lookup)"
        )


def clip_identity(path: Path, mebibytes: int) -> None:
    """The clip's entry as the load path builds it: from a stored entry with the same
    path, size and mtime (a stat), or with the sha1 read again (the whole file)."""
    with open(path, "wb") as handle:
        for _ in range(mebibytes):
            handle.write(os.urandom(1 << 20))
    known = [clip_input(path, "ref")]  # also brings the file into the page cache
    reused = median_ms(lambda: clip_input(path, "ref", known))
    hashed = median_ms(lambda: clip_input(path, "ref"), repeats=5)
    print(
        f"clip identity, {mebibytes} MiB: {reused:.3f} ms with the stored sha1; baseline "
        f"sha1 read again {hashed:.0f} ms ({hashed / reused:,.0f}x)"
    )
    path.unlink()


def write_files(folder: Path) -> None:
    selection = selection_of(SELECTIONS)
    write_selection_file(folder, selection)
    write_compframes(folder, selection.selections)


def index_records(folder: Path) -> list[StoredRecord]:
    return decode_selection((folder / SELECTION_FILE).read_bytes())[1]


def load_index_of(count: int) -> SelectionIndex:
    return SelectionIndex(by_frame(selection_of(count).selections))


if __name__ == "__main__":
    main()
