"""Every analyzer on every real-world-shaped file (tests/support/media_matrix.py), through the real
`eioku analyze`: each run ends `succeeded` with artifacts that match the storyboard, or
`skipped`/`failed` with a clear error code — never a crash.

The matrix is about media, not databases: it runs on SQLite only, the embedded default.
The same pipeline on PostgreSQL is covered by the `db`-parametrized CLI and analyzer tests
and by tests/test_distributed.py."""

import re
import subprocess
import sys
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient

from pipeline.db.engine import Database
from tests.support.api import api_client
from tests.support.cli import Eioku
from tests.support.factories import clear_tables
from tests.support.media_matrix import (
    CAPTION,
    CORRUPT,
    CUT_FRAMES,
    FACE_FRAMES,
    SHOT_FRAMES,
    SPOKEN,
    ClipSpec,
    storyboard,
    write_matrix,
)
from workers.analyzers.face_detection import FaceSearch, detect_faces
from workers.analyzers.face_models import FaceModelFiles, load_face_models

ANALYZERS = ("scenes", "transcript", "faces", "ocr", "frame_index")
# no trained weights install here: objects and places run their untrained `smoke` models
SMOKE_ANALYZERS = ("objects", "places")
ALL_ANALYZERS = ANALYZERS + SMOKE_ANALYZERS
FRAME_ANALYZERS = ("scenes", "faces", "ocr", "objects", "places", "frame_index")
MEMORY_ANALYZERS = ("scenes", "faces", "ocr")
AUDIO_ONLY = "audio_only.m4a"
LARGE = "large_4096x2160.mp4"
# a damaged file may lose frames, or be refused as truncated, but never crash an analyzer
DAMAGED_OUTCOMES = {"succeeded", "failed:truncated_media", "failed:no_frames"}
PEAK_RSS_BOUND_MIB = 3072

pytestmark = pytest.mark.slow


@dataclass
class Analysed:
    db: Database
    eioku: Eioku
    files: dict[str, tuple[Path, ClipSpec]]
    outcomes: dict[tuple[str, str], str]  # (file, analyzer) -> outcome[:error_code]
    video_ids: dict[str, str]
    home: Path

    def api(self) -> "AbstractContextManager[TestClient]":
        """The HTTP API on this database, allowed to read the matrix files."""
        folder = next(iter(self.files.values()))[0].parent
        return api_client(self.db, self.home, allowed_roots=(folder.resolve(),))

    def artifacts(self, name: str, artifact_type: str, *extra: str) -> list[dict]:
        result = self.eioku(
            "artifacts", str(self.files[name][0]), "--type", artifact_type, "--json", *extra
        )
        assert result.code == 0, result.stderr
        return [envelope["payload"] for envelope in result.json()]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, ClipSpec]]:
    return write_matrix(tmp_path_factory.mktemp("matrix"))


@pytest.fixture(scope="module")
def analysed(
    sqlite_database: Database,
    matrix: dict[str, tuple[Path, ClipSpec]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Analysed:
    clear_tables(sqlite_database)
    home = tmp_path_factory.mktemp("home")
    eioku = Eioku(sqlite_database, home)
    paths = [str(path) for path, _ in matrix.values()]
    reports = []
    for analyzers, profile in ((ANALYZERS, "fast"), (SMOKE_ANALYZERS, "smoke")):
        result = eioku("analyze", *paths, "-a", ",".join(analyzers), "-p", profile, "--json")
        assert result.code in (0, 1), result.stderr
        assert "Traceback" not in result.stderr
        reports += result.json()
    outcomes, video_ids = {}, {}
    for report in reports:
        name = Path(report["path"]).name
        assert report["error_code"] is None, report  # every file registers
        video_ids[name] = report["video_id"]
        for run in report["runs"]:
            code = f":{run['error_code']}" if run["error_code"] else ""
            outcomes[(name, run["analyzer"])] = run["outcome"] + code
    return Analysed(sqlite_database, eioku, matrix, outcomes, video_ids, home)


def test_every_file_and_analyzer_ends_with_a_clear_outcome(analysed: Analysed) -> None:
    table = "\n".join(
        f"{name:20} " + " ".join(f"{analysed.outcomes[(name, a)]:23}" for a in ALL_ANALYZERS)
        for name in analysed.files
    )
    print(f"\n{'file':20} " + " ".join(f"{a:23}" for a in ALL_ANALYZERS) + "\n" + table)
    for name in analysed.files:
        for analyzer in ALL_ANALYZERS:
            outcome = analysed.outcomes[(name, analyzer)]
            if name == AUDIO_ONLY and analyzer in FRAME_ANALYZERS:
                assert outcome == "skipped:no_video_stream"
            elif name == CORRUPT:
                assert outcome in DAMAGED_OUTCOMES | {"succeeded"}, (name, analyzer)
            else:
                assert outcome == "succeeded", (name, analyzer, outcome)


def video_files(analysed: Analysed) -> list[str]:
    return [name for name in analysed.files if name not in (AUDIO_ONLY, CORRUPT)]


def test_scenes_cut_at_the_storyboard_frames(analysed: Analysed) -> None:
    """Also on variable frame rate and with a late first timestamp: the cut frames are
    positions in presentation order, the times those frames' PTS."""
    for name in video_files(analysed):
        spec = analysed.files[name][1]
        assert spec is not None
        scenes = analysed.artifacts(name, "scene")
        assert [scene["start_frame"] for scene in scenes] == [0, *CUT_FRAMES], name
        times = spec.times_ms()
        assert [scene["start_ms"] for scene in scenes] == [0] + [times[c] for c in CUT_FRAMES]
        assert scenes[-1]["end_frame"] == sum(SHOT_FRAMES)


def words(text: str) -> str:
    return " ".join(re.findall(r"[a-z]+", text.lower()))


def test_the_sound_track_is_transcribed_in_every_container(analysed: Analysed) -> None:
    for name in [*video_files(analysed), AUDIO_ONLY]:
        segments = analysed.artifacts(name, "transcript.segment")
        assert SPOKEN in words(" ".join(segment["text"] for segment in segments)), name


def test_faces_are_where_the_displayed_picture_shows_them(analysed: Analysed) -> None:
    """The box of each face equals a detection on the storyboard picture as displayed:
    rotation and pixel aspect are undone before detection, and boxes are in displayed
    coordinates."""
    models = load_face_models(FaceModelFiles.locate("hog", None))
    for name in video_files(analysed):
        spec = analysed.files[name][1]
        assert spec is not None
        width, height = spec.display_size
        faces = analysed.artifacts(name, "face.detection")
        assert faces, name
        assert all(face["frame_index"] in FACE_FRAMES for face in faces), name
        picture = storyboard(width, height)[FACE_FRAMES[0]]
        expected = detect_faces(models, picture, FaceSearch(upsample=1))
        assert len(expected) == 1
        truth = expected[0]
        for face in faces:
            box = face["bbox"]
            assert 0 <= box["x"] and box["x"] + box["width"] <= width, name
            assert 0 <= box["y"] and box["y"] + box["height"] <= height, name
            centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            assert truth.left <= centre[0] <= truth.right, (name, box)
            assert truth.top <= centre[1] <= truth.bottom, (name, box)


def test_the_caption_is_read_on_screen(analysed: Analysed) -> None:
    for name in video_files(analysed):
        spec = analysed.files[name][1]
        assert spec is not None
        width, height = spec.display_size
        texts = analysed.artifacts(name, "ocr.text")
        found = [text for text in texts if CAPTION in text["text"].upper()]
        assert found, (name, [text["text"] for text in texts])
        caption_start = spec.times_ms()[CUT_FRAMES[-1]]
        for text in found:
            assert text["start_ms"] >= caption_start - 1000, name
            assert all(0 <= p["x"] <= width and 0 <= p["y"] <= height for p in text["polygon"])


def test_the_frames_endpoint_shows_frames_as_displayed(analysed: Analysed) -> None:
    with analysed.api() as client:
        for name in [*video_files(analysed), CORRUPT]:
            spec = analysed.files[name][1]
            assert spec is not None
            video_id = analysed.video_ids[name]
            for index in (0, FACE_FRAMES[0]):
                response = client.get(f"/v1/videos/{video_id}/frames/{index}.jpg")
                assert response.status_code == 200, (name, response.text)
                image = cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)
                assert image.shape[1::-1] == spec.display_size, name
                if name in (CORRUPT, LARGE):
                    continue  # damaged / too large to compare cheaply
                drawn = storyboard(*spec.display_size)[index]
                shown = cv2.cvtColor(image, cv2.COLOR_BGR2RGB).astype(int)
                assert np.abs(shown - drawn).mean() < 12, (name, index)


@pytest.mark.parametrize("profile", ["fast", "balanced", "high_quality"])
def test_vfr_cuts_are_where_the_frames_endpoint_shows_the_change(
    analysed: Analysed, profile: str
) -> None:
    path, _ = analysed.files["vfr.mp4"]
    result = analysed.eioku("analyze", str(path), "-a", "scenes", "-p", profile, "--json")
    assert result.code == 0, result.stderr
    scenes = analysed.artifacts("vfr.mp4", "scene", "--profile", profile)
    starts = [scene["start_frame"] for scene in scenes[1:]]
    assert starts == CUT_FRAMES
    video_id = analysed.video_ids["vfr.mp4"]
    with analysed.api() as client:
        for start in starts:
            before, at = (
                _frame(client, video_id, index).astype(int) for index in (start - 1, start)
            )
            after = _frame(client, video_id, start + 1).astype(int)
            assert np.abs(at - before).mean() > 30  # the picture changes at the cut frame
            assert np.abs(after - at).mean() < 5  # and not at the next one


def _frame(client: TestClient, video_id: str, index: int) -> np.ndarray:
    response = client.get(f"/v1/videos/{video_id}/frames/{index}.jpg")
    assert response.status_code == 200
    return cv2.imdecode(np.frombuffer(response.content, np.uint8), cv2.IMREAD_COLOR)


_PEAK_RSS = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
sys.stderr.write(done.stderr)
"""


def test_a_4k_video_stays_within_the_memory_bound(
    matrix: dict[str, tuple[Path, ClipSpec]], tmp_path: Path
) -> None:
    """Peak RSS of a whole `eioku analyze` of a 4096x2160 file with every frame analyzer
    (models included), in a fresh process."""
    path, _ = matrix[LARGE]
    command = [str(Path(sys.executable).parent / "eioku"), "analyze", str(path)]
    command += ["-a", ",".join(MEMORY_ANALYZERS), "--json"]
    env = {"EIOKU_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    code, peak_mib = map(int, done.stdout.split())
    print(f"\npeak RSS analysing {LARGE} with {', '.join(MEMORY_ANALYZERS)}: {peak_mib} MiB")
    assert code == 0, done.stderr
    assert peak_mib < PEAK_RSS_BOUND_MIB
