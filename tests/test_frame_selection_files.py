"""The persisted selection: the golden format, the load path (no decode on a valid file),
invalidation, damaged files, atomic writes and the compframes file's existing lines."""

import json
import logging
import os
import re
from pathlib import Path

import pytest

from pipeline.frame_selection import service
from pipeline.frame_selection.config import SelectionConfig
from pipeline.frame_selection.files import (
    COMPFRAMES_FILE,
    SELECTION_FILE,
    parse_compframes,
    timecode,
    timecode_ms,
)
from pipeline.frame_selection.index import load_index
from pipeline.frame_selection.service import CacheMode, SelectionError, ensure_selection
from schemas.selection_file import SelectionFile
from support.synthetic import Shot, write_video

pytestmark = pytest.mark.slow

CONFIG = SelectionConfig(
    screen_separation_seconds=0.8, dark_count=3, bright_count=2, motion_count=3, random_count=2
)
HINT_LINE = r"^\d+  # sel=(Dark|Bright|Motion|User|Random) score=\d\.\d\d src=eioku-frames/1\.0$"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    shots = [Shot(40, 0.1, 0.15), Shot(40, 0.5, 0.95), Shot(40, 0.8, 0.5), Shot(40, 0.3, 0.7)]
    return write_video(tmp_path_factory.mktemp("selection") / "clip.mp4", shots)


@pytest.fixture
def copy(clip: Path, tmp_path: Path) -> Path:
    target = tmp_path / "ref.mp4"
    target.write_bytes(clip.read_bytes())
    return target


def test_the_written_files_have_exactly_the_format(copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    outcome = ensure_selection(copy, [], CONFIG, folder)
    assert outcome.computed
    document = json.loads((folder / SELECTION_FILE).read_text())
    SelectionFile.model_validate(document)
    assert list(document) == ["version", "created_utc", "cache_key", "inputs", "selections"]
    assert document["version"] == "1" and document["created_utc"].endswith("Z")
    assert document["cache_key"].startswith("sha256:")
    assert list(document["inputs"]["config_fingerprint"]) == [
        "step", "downscale_height", "motion_method", "scenecut_quantile", "diff_radius",
        "ignore_lead_seconds", "ignore_trail_seconds", "rng_seed",
    ]  # fmt: skip
    [clip_entry] = document["inputs"]["clips"]
    assert clip_entry["role"] == "ref" and len(clip_entry["sha1"]) == 40
    selections = document["selections"]
    assert selections and [s["frame_index"] for s in selections] == sorted(
        s["frame_index"] for s in selections
    )
    for entry in selections:
        assert list(entry) == [
            "frame_index", "ts_tc", "type", "score", "source", "clip_role", "notes"
        ]  # fmt: skip
        assert isinstance(entry["frame_index"], int)
        assert timecode(timecode_ms(entry["ts_tc"])) == entry["ts_tc"]
    assert {s["type"] for s in selections} >= {"Dark", "Bright"}
    lines = (folder / COMPFRAMES_FILE).read_text().splitlines()
    assert len(lines) == len(selections)
    assert all(re.match(HINT_LINE, line) for line in lines), lines
    assert [hint.frame_index for hint in parse_compframes("\n".join(lines))] == [
        s["frame_index"] for s in selections
    ]


def test_a_valid_file_is_loaded_without_decoding_or_metrics(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    first = ensure_selection(copy, [], CONFIG, folder)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the load path decoded or measured")

    monkeypatch.setattr(service, "measure", forbidden)
    monkeypatch.setattr("pipeline.media.frames.FrameSampler.__init__", forbidden)
    again = ensure_selection(copy, [], CONFIG, folder, CacheMode.FREEZE)
    assert not again.computed
    assert again.selection == first.selection


@pytest.mark.parametrize(
    "change",
    [{"rng_seed": 1}, {"downscale_height": 240}, {"ignore_lead_seconds": 0.5}],
    ids=["rng_seed", "downscale_height", "ignore_window"],
)
def test_a_changed_setting_makes_the_file_stale(
    copy: Path, tmp_path: Path, change: dict[str, object]
) -> None:
    folder = tmp_path / "out"
    first = ensure_selection(copy, [], CONFIG, folder)
    changed = CONFIG.model_copy(update=change)
    with pytest.raises(SelectionError, match=f"stale selection: {next(iter(change))}"):
        ensure_selection(copy, [], changed, folder, CacheMode.FREEZE)
    again = ensure_selection(copy, [], changed, folder)
    assert again.computed
    stored = SelectionFile.model_validate_json((folder / SELECTION_FILE).read_bytes())
    assert stored.cache_key == again.selection.cache_key != first.selection.cache_key


def test_touching_the_clip_makes_the_file_stale(copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    ensure_selection(copy, [], CONFIG, folder)
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    with pytest.raises(SelectionError, match="mtime changed"):
        ensure_selection(copy, [], CONFIG, folder, CacheMode.FREEZE)
    assert ensure_selection(copy, [], CONFIG, folder).computed


def test_no_selection_cache_recomputes_the_same_frames(copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    first = ensure_selection(copy, [], CONFIG, folder)
    again = ensure_selection(copy, [], CONFIG, folder, CacheMode.IGNORE)
    assert again.computed
    assert again.selection.selections == first.selection.selections  # deterministic


def test_a_corrupted_tail_warns_once_and_falls_back(
    copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "out"
    ensure_selection(copy, [], CONFIG, folder)
    data = (folder / SELECTION_FILE).read_bytes()
    (folder / SELECTION_FILE).write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING):
        outcome = ensure_selection(copy, [], CONFIG, folder)
    assert outcome.computed
    assert sum("malformed selection file" in r.message for r in caplog.records) == 1
    SelectionFile.model_validate_json((folder / SELECTION_FILE).read_bytes())
    (folder / SELECTION_FILE).write_bytes(b"{not json")
    with pytest.raises(SelectionError, match="no valid selection file"):
        ensure_selection(copy, [], CONFIG, folder, CacheMode.FREEZE)


def test_a_write_failing_before_the_rename_keeps_the_previous_file(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    ensure_selection(copy, [], CONFIG, folder)
    before = (folder / SELECTION_FILE).read_bytes()

    def failing_fsync(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="No space"):
        ensure_selection(copy, [], CONFIG.model_copy(update={"rng_seed": 9}), folder)
    assert (folder / SELECTION_FILE).read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == [COMPFRAMES_FILE, SELECTION_FILE]


def test_existing_compframes_lines_are_kept_with_their_line_endings(
    copy: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    existing = b"# my frames\r\n7 extra-column\r\n12  # sel=Bright score=0.50 src=other/2\r\n"
    (folder / COMPFRAMES_FILE).write_bytes(existing)
    outcome = ensure_selection(copy, [], CONFIG, folder)
    written = (folder / COMPFRAMES_FILE).read_bytes()
    assert written.startswith(existing)
    added = written[len(existing) :].split(b"\r\n")
    assert added[-1] == b"" and b"\n" not in written.replace(b"\r\n", b"")
    chosen = {r.frame_index for r in outcome.selection.selections}
    assert {int(line.split()[0]) for line in added[:-1]} == chosen - {7, 12}


def test_the_index_labels_by_record_then_hint_then_unknown(
    copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "out"
    outcome = ensure_selection(copy, [], CONFIG, folder)
    with open(folder / COMPFRAMES_FILE, "a") as handle:
        handle.write("3  # sel=Bright score=0.40 src=other/2\n4\n")
    with caplog.at_level(logging.WARNING):
        index = load_index(folder)
    assert sum("no record of" in r.message for r in caplog.records) == 1
    record = outcome.selection.selections[0]
    assert index.label(record.frame_index).type == record.type.value
    assert index.label(record.frame_index).origin == "record"
    assert (index.label(3).type, index.label(3).origin) == ("Bright", "hint")
    assert (index.label(4).type, index.label(4).origin) == ("(unknown)", "unknown")
    assert {3, 4} <= set(index.frames())


def test_targets_whose_frame_counts_differ_are_refused(copy: Path, tmp_path: Path) -> None:
    shorter = write_video(tmp_path / "short.mp4", [Shot(100, 0.2)])
    with pytest.raises(SelectionError, match=r"has 100 frames .* has 160"):
        ensure_selection(copy, [shorter], CONFIG, tmp_path / "out")
    near = write_video(tmp_path / "near.mp4", [Shot(159, 0.2)])
    outcome = ensure_selection(copy, [near], CONFIG, tmp_path / "out")
    assert [c.role for c in outcome.selection.inputs.clips] == ["ref", "tgt"]
    assert max(r.frame_index for r in outcome.selection.selections) < 159


def test_the_fast_loader_accepts_timecodes_past_99_hours(copy: Path, tmp_path: Path) -> None:
    from pipeline.frame_selection.fast_load import decode_selection

    folder = tmp_path / "out"
    ensure_selection(copy, [], CONFIG, folder)
    document = json.loads((folder / SELECTION_FILE).read_text())
    document["selections"][-1]["ts_tc"] = "123:04:05.678"
    document["inputs"]["clips"][0]["path"] = "C:\\videos\\clip.mp4"  # escapes, no NUL
    data = json.dumps(document).encode()
    stored = SelectionFile.model_validate_json(data)
    header, records = decode_selection(data)
    assert records[-1].ts_tc == stored.selections[-1].ts_tc == "123:04:05.678"
    assert header.inputs.clips[0].path == stored.inputs.clips[0].path == "C:\\videos\\clip.mp4"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("frame_index", -1),
        ("frame_index", "3"),
        ("ts_tc", "0:00:01.000"),
        ("ts_tc", "00:00:0a.000"),
        ("ts_tc", "00:00:01.000\n"),
        ("ts_tc", "\u0661\u0662:00:01.000"),  # Arabic-Indic digits
        ("type", "dark"),
        ("score", 1.5),
        ("clip_role", "enc"),
        ("notes", "a\x00b"),
        ("extra", 1),
    ],
)
def test_the_fast_loader_refuses_what_the_format_model_refuses(
    copy: Path, tmp_path: Path, field: str, value: object, caplog: pytest.LogCaptureFixture
) -> None:
    from pydantic import ValidationError

    from pipeline.frame_selection.fast_load import MalformedSelectionError, decode_selection

    folder = tmp_path / "out"
    ensure_selection(copy, [], CONFIG, folder)
    document = json.loads((folder / SELECTION_FILE).read_text())
    header, records = decode_selection((folder / SELECTION_FILE).read_bytes())
    assert len(records) == len(document["selections"]) and header.cache_key == document["cache_key"]
    document["selections"][0][field] = value
    data = json.dumps(document).encode()
    with pytest.raises(ValidationError):
        SelectionFile.model_validate_json(data)
    with pytest.raises(MalformedSelectionError):
        decode_selection(data)
    (folder / SELECTION_FILE).write_bytes(data)
    with caplog.at_level(logging.WARNING):
        index = load_index(folder)
    assert sum("malformed selection file" in r.message for r in caplog.records) == 1
    frame = document["selections"][1]["frame_index"]
    assert index.label(frame).origin == "hint"  # falls back on compframes
