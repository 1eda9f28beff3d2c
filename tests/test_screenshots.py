"""`eioku analyze -a frames`, `eioku screenshots`, `jump --kind frame` and
`GET /v1/videos/{id}/frame-selection` end to end, and the overlay itself."""

import json
from pathlib import Path

import av
import numpy as np
import pytest

from pipeline.db.engine import Database
from pipeline.frame_selection.files import COMPFRAMES_FILE, SELECTION_FILE
from pipeline.frame_selection.index import FrameLabel
from pipeline.frame_selection.screenshots import Overlay, draw_overlay, overlay_lines
from support.synthetic import Shot, write_video
from tests.support.api import api_client
from tests.support.cli import Eioku

pytestmark = pytest.mark.slow

SETTINGS = ["-s", "frames.screen_separation_seconds=1", "-s", "frames.random_count=2"]


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("screenshots")
    shots = [Shot(30, 0.1, 0.15), Shot(30, 0.5, 0.95), Shot(30, 0.8, 0.5)]
    reference = write_video(folder / "ref.mp4", shots)
    encode = write_video(folder / "enc.mp4", shots, size=(128, 96))
    return reference, encode


@pytest.fixture
def eioku(db: Database, tmp_path: Path) -> Eioku:
    return Eioku(db, tmp_path / "home")


def png_size(path: Path) -> tuple[int, int]:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


def test_screenshots_of_reference_and_target_then_loaded_without_analysis(
    eioku: Eioku, clips: tuple[Path, Path], tmp_path: Path
) -> None:
    reference, encode = clips
    out = tmp_path / "shots"
    args = ["screenshots", str(reference), "--tgt", str(encode), "--out", str(out), *SETTINGS]
    first = eioku(*args, "--overlay", "diagnostic", "--frames", "5")
    assert first.code == 0, first.stderr
    assert "frames selected" in first.stderr
    written = [Path(line) for line in first.stdout.splitlines()]
    selection = json.loads((out / SELECTION_FILE).read_text())
    frames = [entry["frame_index"] for entry in selection["selections"]]
    assert 5 in frames
    assert [p.name for p in written] == [f"ref_{n:06d}.png" for n in frames] + [
        f"tgt1_{n:06d}.png" for n in frames
    ]
    assert png_size(written[0]) == (160, 120) and png_size(written[-1]) == (128, 96)
    again = eioku(*args, "--frames", "5", "--freeze-selection-cache")
    assert again.code == 0, again.stderr
    assert "loaded (no analysis)" in again.stderr
    stale = eioku(*args, "--frames", "5", "-s", "frames.rng_seed=1", "--freeze-selection-cache")
    assert stale.code == 1
    assert "stale selection: rng_seed 20202020 -> 1" in stale.stderr


def test_after_a_stale_selection_only_the_current_frames_are_rendered(
    eioku: Eioku, clips: tuple[Path, Path], tmp_path: Path
) -> None:
    reference, _ = clips
    out = tmp_path / "shots"
    rendered = []
    for seed in ([], ["-s", "frames.rng_seed=3"], []):
        result = eioku("screenshots", str(reference), "--out", str(out), *SETTINGS, *seed)
        assert result.code == 0, result.stderr
        selection = json.loads((out / SELECTION_FILE).read_text())
        frames = [entry["frame_index"] for entry in selection["selections"]]
        names = [Path(line).name for line in result.stdout.splitlines()]
        assert names == [f"ref_{n:06d}.png" for n in frames]
        rendered.append(names)
    assert rendered[0] != rendered[1] and rendered[0] == rendered[2]


def test_screenshot_usage_errors_are_one_line(eioku: Eioku, clips: tuple[Path, Path]) -> None:
    reference, _ = clips
    bad = eioku("screenshots", str(reference), "--frames", "1,x")
    assert bad.code == 2 and "--frames '1,x'" in bad.stderr
    both = eioku("screenshots", str(reference), "--no-selection-cache", "--freeze-selection-cache")
    assert both.code == 2
    missing = eioku("screenshots", str(reference), "--tgt", "/nonexistent.mp4")
    assert missing.code == 1 and "--tgt /nonexistent.mp4: no such file" in missing.stderr
    unknown = eioku("screenshots", str(reference), "-s", "frames.bogus=1")
    assert unknown.code == 2 and "bogus" in unknown.stderr


def test_the_frames_analyzer_records_artifacts_files_jumps_and_the_api(
    db: Database, eioku: Eioku, clips: tuple[Path, Path], tmp_path: Path
) -> None:
    reference, _ = clips
    analyzed = eioku("analyze", str(reference), "-a", "frames", "-p", "balanced", *SETTINGS)
    assert analyzed.code == 0, analyzed.stderr
    artifacts = eioku("artifacts", str(reference), "--type", "frame.selection", "--json")
    assert artifacts.code == 0, artifacts.stderr
    envelopes = artifacts.json()
    assert envelopes
    video_id = envelopes[0]["asset_id"]
    folder = tmp_path / "home" / "videos" / video_id
    stored = json.loads((folder / SELECTION_FILE).read_text())["selections"]
    assert [e["payload"]["frame_index"] for e in envelopes] == [s["frame_index"] for s in stored]
    assert {e["payload"]["kind"] for e in envelopes} == {s["type"] for s in stored}
    assert (folder / COMPFRAMES_FILE).exists()

    jumped = eioku("jump", str(reference), "--kind", "frame", "--json")
    assert jumped.code == 0, jumped.stderr
    starts = sorted({e["payload"]["timestamp_ms"] for e in envelopes})
    # next is strictly after the start (0 ms): the first selected instant after it
    assert jumped.json()["jump_to"]["start_ms"] == next(ms for ms in starts if ms > 0)

    shots = eioku("screenshots", str(reference), "-p", "balanced", *SETTINGS)
    assert shots.code == 0, shots.stderr
    assert "loaded (no analysis)" in shots.stderr  # the analyzer's file is reused

    with api_client(db, tmp_path / "home") as client:
        answer = client.get(f"/v1/videos/{video_id}/frame-selection")
        assert answer.status_code == 200
        body = answer.json()
        assert body["cache_key"] == json.loads((folder / SELECTION_FILE).read_text())["cache_key"]
        first = body["selections"][0]
        assert first["origin"] == "record"
        assert first["frame_url"] == f"/v1/videos/{video_id}/frames/{first['frame_index']}.jpg"
        assert client.get(first["frame_url"]).status_code in (200, 403)
        assert client.get("/v1/videos/nope/frame-selection").json()["error"]["code"] == (
            "video_not_found"
        )


def test_the_overlay_names_the_type_role_size_and_in_diagnostic_the_metrics() -> None:
    label = FrameLabel(
        42, "Bright", "record", "00:00:01.680", 0.82, "eioku-frames/1.0", "ref",
        "luma=0.8200 motion=0.01000",
    )  # fmt: skip
    minimal = overlay_lines(label, "tgt1", (1280, 720), 1680, Overlay.MINIMAL)
    assert minimal == ["Frame Selection Type: Bright", "tgt1 1280x720  frame 42  00:00:01.680"]
    diagnostic = overlay_lines(label, "ref", (1280, 720), 1680, Overlay.DIAGNOSTIC)
    assert diagnostic[2:] == [
        "luma 0.8200 motion 0.01000  score 0.82",
        "source eioku-frames/1.0 (record)",
    ]
    unknown = overlay_lines(
        FrameLabel(7, "(unknown)", "unknown"), "ref", (64, 48), 0, Overlay.MINIMAL
    )
    assert unknown[0] == "Frame Selection Type: (unknown)"
    picture = np.full((120, 160, 3), 200, np.uint8)
    drawn = draw_overlay(picture, minimal)
    assert drawn.shape == picture.shape and (picture == 200).all()  # the input is untouched
    assert (drawn[:20, :60] < 50).any() and (drawn[:20, :60] > 240).any()  # black box, white text
    assert (drawn[100:, 100:] == 200).all()  # the rest of the picture is left alone
