"""The persisted selection: the golden format, the load path (no decode on a valid file),
invalidation, damaged files, atomic writes and the compframes file's existing lines."""

import hashlib
import json
import logging
import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.frame_selection import clips, service
from pipeline.frame_selection.clips import clip_input, mtime_utc
from pipeline.frame_selection.config import SelectionConfig
from pipeline.frame_selection.files import (
    COMPFRAMES_FILE,
    SELECTION_FILE,
    compframes_line,
    listed_frames,
    parse_compframes,
    read_compframes,
    timecode,
    timecode_ms,
    user_lines,
)
from pipeline.frame_selection.index import load_index
from pipeline.frame_selection.service import CacheMode, SelectionError, ensure_selection
from pipeline.media.errors import MediaError
from schemas.selection_file import ClipInput, SelectionFile
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
    assert document["version"] == "1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["created_utc"])  # seconds
    created = datetime.strptime(document["created_utc"], "%Y-%m-%dT%H:%M:%S%z")
    assert abs((datetime.now(UTC) - created).total_seconds()) < 60
    assert document["cache_key"].startswith("sha256:")
    assert list(document["inputs"]["config_fingerprint"]) == [
        "step", "downscale_height", "motion_method", "scenecut_quantile", "diff_radius",
        "ignore_lead_seconds", "ignore_trail_seconds", "rng_seed",
    ]  # fmt: skip
    [clip_entry] = document["inputs"]["clips"]
    assert clip_entry["role"] == "ref" and len(clip_entry["sha1"]) == 40
    # the mtime in ISO 8601 UTC, to the nanosecond: exactly the file's
    seconds, fraction = clip_entry["mtime"].removesuffix("Z").split(".")
    moment = datetime.strptime(seconds, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    assert int(moment.timestamp()) * 10**9 + int(fraction) == copy.stat().st_mtime_ns
    assert clip_entry["sha1"] == hashlib.sha1(copy.read_bytes()).hexdigest()
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


# --- a stale key rewrites both files ------------------------------------------------------

SEEDS = [CONFIG, CONFIG.model_copy(update={"rng_seed": 3}), CONFIG]


def selection_frames(folder: Path) -> list[int]:
    document = json.loads((folder / SELECTION_FILE).read_text())
    return [entry["frame_index"] for entry in document["selections"]]


def test_a_stale_key_leaves_no_frame_of_an_earlier_selection(copy: Path, tmp_path: Path) -> None:
    """The default seed, rng_seed=3, the default again: compframes lists exactly the
    current selection each time, so nothing else is rendered."""
    folder = tmp_path / "out"
    chosen = []
    for config in SEEDS:
        assert ensure_selection(copy, [], config, folder).computed
        frames = selection_frames(folder)
        chosen.append(frames)
        listed = [hint.frame_index for hint in parse_compframes(read_compframes(folder))]
        assert listed == frames
        assert load_index(folder).frames() == frames
        assert {load_index(folder).label(f).origin for f in frames} == {"record"}
    assert chosen[0] != chosen[1] and chosen[0] == chosen[2]


@pytest.mark.parametrize(
    "user",
    [
        b"",
        b"# my frames\r\n7 extra-column\r\n12  # sel=Bright score=0.50 src=other/2\r\n",
        b"# no newline at the end\n9",
        b"3\r\n# mixed endings\n5 # kept\r4\n",
        b"\xff\xfe not utf-8 \xc3\n11\n",
        b"  42\t# sel=Dark score=0.10 src=eioku-frames/1.0  (edited by hand)\n",
    ],
    ids=["no-user-lines", "crlf", "no-final-newline", "mixed-endings", "not-utf8", "edited"],
)
def test_a_stale_key_keeps_the_users_lines_in_order_with_their_endings(
    copy: Path, tmp_path: Path, user: bytes
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / COMPFRAMES_FILE).write_bytes(user)
    kept = user_lines(user)
    assert b"".join(kept) == user  # none of them looks like a line a selection wrote
    newline = b"\r\n" if b"\r\n" in user else b"\n"
    for config in SEEDS:
        outcome = ensure_selection(copy, [], config, folder)
        written = (folder / COMPFRAMES_FILE).read_bytes()
        head = user if user.endswith((b"\n", b"\r")) or not user else user + newline
        assert written.startswith(head)
        listed_by_user = listed_frames(user.decode("utf-8", "replace"))
        assert written[len(head) :] == b"".join(
            compframes_line(record).encode() + newline
            for record in outcome.selection.selections
            if record.frame_index not in listed_by_user
        )


def test_the_selection_files_go_through_their_named_temporaries(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    renamed: list[tuple[str, str]] = []
    real_replace = os.replace

    def replace(source: str, destination: Path) -> None:
        renamed.append((Path(source).name, Path(destination).name))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    ensure_selection(copy, [], CONFIG, tmp_path / "out")
    assert renamed == [
        (f"{COMPFRAMES_FILE}.tmp", COMPFRAMES_FILE),
        (f"{SELECTION_FILE}.tmp", SELECTION_FILE),  # last: its key makes both current
    ]


# --- the clip's sha1 ----------------------------------------------------------------------


def test_the_sha1_is_not_read_again_while_size_and_mtime_are_unchanged(
    copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    first = ensure_selection(copy, [], CONFIG, folder)
    hashed: list[str] = []
    real_hash = clips.hash_file

    def counting_hash(path: str, algorithm: str = "sha256") -> str:
        hashed.append(path)
        return real_hash(path, algorithm)

    monkeypatch.setattr(clips, "hash_file", counting_hash)
    again = ensure_selection(copy, [], CONFIG, folder, CacheMode.FREEZE)
    assert not again.computed and hashed == []
    assert again.selection.inputs == first.selection.inputs
    ensure_selection(copy, [], CONFIG, folder, CacheMode.IGNORE)  # asks for it afresh
    assert hashed == [str(copy.resolve())]
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))  # one nanosecond later
    assert ensure_selection(copy, [], CONFIG, folder).computed
    assert len(hashed) == 2


@pytest.mark.parametrize(
    ("change", "reused"),
    [
        ({}, True),
        ({"size": 1}, False),
        ({"mtime": "2001-01-01T00:00:00.000000000Z"}, False),
        ({"mtime": 1.5}, False),  # a file written before the string form
        ({"path": "/elsewhere/clip.mp4"}, False),
    ],
    ids=["same", "size", "mtime", "float-mtime", "path"],
)
def test_a_known_sha1_is_used_only_for_the_same_path_size_and_mtime(
    copy: Path, change: dict[str, object], reused: bool
) -> None:
    fresh = clip_input(copy, "ref")
    known = fresh.model_copy(update={"sha1": "f" * 40, **change})
    assert clip_input(copy, "tgt", [known]).sha1 == ("f" * 40 if reused else fresh.sha1)


@pytest.mark.parametrize(
    ("mtime_ns", "text"),
    [
        (0, "1970-01-01T00:00:00.000000000Z"),
        (1_700_000_000_123_456_789, "2023-11-14T22:13:20.123456789Z"),
        (-1, "1969-12-31T23:59:59.999999999Z"),
        (2**63 - 1, "2262-04-11T23:47:16.854775807Z"),
        (-(2**63), "1677-09-21T00:12:43.145224192Z"),
    ],
)
def test_mtimes_in_iso_8601_utc(mtime_ns: int, text: str) -> None:
    assert mtime_utc("clip.mp4", mtime_ns) == text
    ClipInput(role="ref", path="p", size=1, mtime=text, sha1="0" * 40)  # the format's form


def test_an_mtime_past_year_9999_is_a_media_error() -> None:
    """tmpfs takes any 64-bit seconds count."""
    with pytest.raises(MediaError, match=r"clip\.mp4: modification time out of range"):
        mtime_utc("clip.mp4", 10**27)


def test_a_file_of_the_earlier_form_labels_frames_and_is_stale(
    copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Written before #27: float mtime, created_utc to the microsecond."""
    folder = tmp_path / "out"
    ensure_selection(copy, [], CONFIG, folder)
    document = json.loads((folder / SELECTION_FILE).read_text())
    document["created_utc"] = "2025-01-02T03:04:05.678901Z"
    document["inputs"]["clips"][0]["mtime"] = copy.stat().st_mtime
    legacy = ClipInput.model_validate(document["inputs"]["clips"][0])
    document["cache_key"] = clips.selection_cache_key([legacy], CONFIG)
    (folder / SELECTION_FILE).write_text(json.dumps(document))
    frame = document["selections"][0]["frame_index"]
    with caplog.at_level(logging.WARNING):
        assert load_index(folder).label(frame).origin == "record"
        with pytest.raises(SelectionError, match="mtime changed"):
            ensure_selection(copy, [], CONFIG, folder, CacheMode.FREEZE)
        assert ensure_selection(copy, [], CONFIG, folder).computed
    assert not any("malformed" in record.message for record in caplog.records)
