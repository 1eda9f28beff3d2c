"""The objects analyzer: ultralytics YOLO on sampled frames, ByteTrack track ids.

No trained YOLO weights can be had here, so the model-facing tests use the deterministic
untrained model of the ``smoke`` profile (its boxes cover the frame at a score of about
1e-4: they prove the path, not detection), and tracking is tested with a stand-in model
that reports where a red square is, moving across the frame, through the analyzer's own
frame loop, tracker and coordinate mapping."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from sqlalchemy import func, select

from pipeline.analysis.models import WeightsReference
from pipeline.coordinator.cache_key import cache_key
from pipeline.db.engine import Database
from pipeline.db.projections import artifact_facets
from pipeline.settings import load_settings
from support.sources import probe_source
from support.synthetic import write_stills_video
from tests.support.cli import Eioku
from tests.support.distributed import REPO, RedisServer, Worker
from tests.support.windowed import assembled_in_windows, windows_split_at
from workers.analyzers.device import DeviceUnavailableError, choose_device
from workers.analyzers.object_models import prepare_ultralytics
from workers.analyzers.object_tracks import ImageDetection, ObjectTracker, TrackerSettings
from workers.analyzers.objects import ObjectsAnalyzer

WIDTH, HEIGHT, FPS = 320, 180, 10
SQUARE = 60
STEP = 10  # px per frame
FRAMES = 40
RED = (220, 40, 40)
HIDDEN_FRAMES = range(13, 20)  # three samples at 200 ms
DEMO_SAMPLE = REPO / "pipeline" / "demo" / "sample.mp4"


def square_x(frame: int) -> int:
    """The square's left edge: it enters from the left and leaves on the right."""
    return -40 + STEP * frame


def moving_square(frame: int, hidden: range = range(0)) -> np.ndarray:
    image = np.full((HEIGHT, WIDTH, 3), 70, np.uint8)
    if frame in hidden:
        return image
    left = square_x(frame)
    image[60 : 60 + SQUARE, max(left, 0) : max(min(left + SQUARE, WIDTH), 0)] = RED
    return image


@pytest.fixture(scope="module")
def square_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("objects") / "square.mp4"
    return write_stills_video(path, [(moving_square(i), 1) for i in range(FRAMES)], fps=FPS)


@pytest.fixture(scope="module")
def hidden_square_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The square, hidden from 1.3 to 2 s: its track is lost for three samples."""
    path = tmp_path_factory.mktemp("objects") / "hidden.mp4"
    frames = [(moving_square(i, hidden=HIDDEN_FRAMES), 1) for i in range(FRAMES)]
    return write_stills_video(path, frames, fps=FPS)


@pytest.fixture(autouse=True)
def eioku_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("EIOKU_HOME", str(home))
    return home


# --- tracking, with a stand-in model that finds the square ------------------------------


class SquareFinder:
    """Answers ``predict`` like ultralytics: one "car" box around the red pixels."""

    names: ClassVar[dict[int, str]] = {0: "person", 1: "car"}

    def predict(self, images: list[np.ndarray], **options: Any) -> list[Any]:
        prepare_ultralytics(load_settings().home)
        from ultralytics.engine.results import Boxes

        results = []
        for image in images:  # BGR, as ultralytics is given them
            rows = np.zeros((0, 6), np.float32)
            red = (image[:, :, 2] > 150) & (image[:, :, 0] < 100)
            ys, xs = np.nonzero(red)
            if len(xs):
                rows = np.array(
                    [[xs.min(), ys.min(), xs.max() + 1, ys.max() + 1, 0.9, 1]], np.float32
                )
            results.append(_Result(Boxes(rows, image.shape[:2]), self.names))
        return results


class _Result:
    def __init__(self, boxes: Any, names: dict[int, str]) -> None:
        self.boxes, self.names = boxes, names


class SquareObjectsAnalyzer(ObjectsAnalyzer):
    def _load_model(self, config: Any) -> SquareFinder:
        return SquareFinder()


def test_a_square_crossing_the_frame_keeps_one_track_from_entry_to_exit(
    square_video: Path,
) -> None:
    analyzer = SquareObjectsAnalyzer(load_settings())
    config = analyzer.effective_config("smoke", {"interval_ms": 200, "batch_size": 3})
    found = list(analyzer.analyze(probe_source(square_video), config, lambda f: None))
    visible = [i for i in range(0, FRAMES, 2) if square_x(i) + SQUARE > 0 and square_x(i) < WIDTH]
    assert [d.frame_index for d in found] == visible
    assert {d.track_id for d in found} == {0}
    assert {(d.label, d.class_id) for d in found} == {("car", 1)}
    for detection in found:  # analyzed at 160 px wide, reported in the 320 px frame
        box, left = detection.bbox, square_x(detection.frame_index)
        assert box.x == pytest.approx(max(left, 0), abs=4)
        assert box.x + box.width == pytest.approx(min(left + SQUARE, WIDTH), abs=4)
        assert box.y == pytest.approx(60, abs=4) and box.height == pytest.approx(SQUARE, abs=4)
        assert 0 <= box.x and box.x + box.width <= WIDTH and box.y + box.height <= HEIGHT


@pytest.mark.parametrize(("lost_samples", "tracks"), [(10, [0, 0]), (1, [0, 1])])
def test_a_track_lost_across_a_window_boundary_is_found_again_as_in_the_whole_video(
    hidden_square_video: Path, lost_samples: int, tracks: list[int]
) -> None:
    """Boundaries at 1.5 s, while the square is hidden for three samples, and at 2.7 s: the
    one tracker running over all windows finds its track again when it waits long enough,
    and starts a second one (id 1, not a window's own 0) when it does not."""
    analyzer = SquareObjectsAnalyzer(load_settings())
    overrides = {"interval_ms": 200, "batch_size": 3, "track_lost_samples": lost_samples}
    config = analyzer.effective_config("smoke", overrides)
    source = probe_source(hidden_square_video)
    whole = list(analyzer.analyze(source, config, lambda f: None))
    windows = windows_split_at(source.duration_ms, 1500, 2700)
    segmented = assembled_in_windows(analyzer, source, config, windows)
    assert segmented == whole
    before = {d.track_id for d in segmented if d.timestamp_ms < 1500}
    after = [d for d in segmented if d.timestamp_ms >= 1500]
    assert (before, {d.track_id for d in after}) == ({tracks[0]}, {tracks[1]})
    assert after[0].timestamp_ms == 2000 and after[-1].timestamp_ms > 2700


def test_smoke_tracks_on_a_real_video_are_the_same_window_by_window() -> None:
    """Five boxes a sample of the untrained model on the demo clip, tracked through a
    boundary mid-clip and one on its keyframe at 10 s."""
    analyzer = ObjectsAnalyzer(load_settings())
    config = analyzer.effective_config("smoke", {"interval_ms": 200, "max_det": 5})
    source = probe_source(DEMO_SAMPLE)
    whole = list(analyzer.analyze(source, config, lambda f: None))
    windows = windows_split_at(source.duration_ms, 5100, 10_000)
    assert assembled_in_windows(analyzer, source, config, windows) == whole
    assert len(whole) == 5 * 60 and len({d.track_id for d in whole}) == 5


def tracker() -> ObjectTracker:
    settings = TrackerSettings(0.25, 0.1, 0.25, lost_samples=5, match_threshold=0.8)
    return ObjectTracker(settings, load_settings().home)


def box(x: float, y: float, confidence: float = 0.9, class_id: int = 2) -> ImageDetection:
    return ImageDetection(x, y, x + 40, y + 40, confidence, class_id)


def test_tracker_keeps_ids_through_a_missed_sample_and_tells_objects_apart() -> None:
    objects = tracker()
    seen = []
    for step in range(8):
        right = box(10 + 15 * step, 20)
        left = box(250 - 15 * step, 120, confidence=0.8)
        detections = [left] if step == 4 else [right, left]  # `right` missed once
        seen.append(objects.assign(detections, (180, 320)))
    assert seen[0] == [0, 1]  # numbered in order of first appearance, from the first sample
    assert seen[4] == [1]
    assert all(ids == [0, 1] for step, ids in enumerate(seen) if step != 4)


def test_tracker_leaves_unsure_detections_untracked_and_starts_new_tracks() -> None:
    objects = tracker()
    assert objects.assign([box(10, 10), box(200, 100, confidence=0.05)], (180, 320)) == [0, None]
    assert objects.assign([box(12, 10), box(100, 100)], (180, 320)) == [0, 1]
    assert objects.assign([], (180, 320)) == []


# --- the untrained smoke model, end to end -----------------------------------------------


def test_smoke_objects_through_the_cli_fill_their_labels_and_jump(
    db: Database, square_video: Path, tmp_path: Path
) -> None:
    eioku = Eioku(db, tmp_path / "home")
    result = eioku("analyze", str(square_video), "-a", "objects", "-p", "smoke", "--json")
    assert result.code == 0, result.stderr
    run = result.json()[0]["runs"][0]
    assert run["outcome"] == "succeeded"
    assert run["model_id"] == "yolov8n.yaml#seed0 [UNTRAINED TEST MODEL]"
    # an untrained model answers only when its profile is named
    assert eioku("artifacts", str(square_video), "--json").json() == []
    listed = eioku(
        "artifacts", str(square_video), "--type", "object.detection", "--profile", "smoke", "--json"
    ).json()
    assert len(listed) == run["artifact_count"] == FRAMES * 1000 // FPS // 500  # max_det 1
    prepare_ultralytics(load_settings().home)
    from ultralytics.utils import ROOT, YAML

    coco = set(YAML.load(ROOT / "cfg" / "datasets" / "coco.yaml")["names"].values())
    for item in listed:
        payload = item["payload"]
        assert "UNTRAINED" in item["model_id"]
        assert payload["label"] in coco and payload["track_id"] is not None
        bbox = payload["bbox"]
        assert 0 <= bbox["x"] and bbox["x"] + bbox["width"] <= WIDTH
        assert 0 <= bbox["y"] and bbox["y"] + bbox["height"] <= HEIGHT
    assert len({item["payload"]["track_id"] for item in listed}) == 1
    with db.engine.connect() as connection:
        labels = connection.scalar(
            select(func.count())
            .select_from(artifact_facets)
            .where(artifact_facets.c.label.isnot(None))
        )
    assert labels == len(listed)
    label = listed[0]["payload"]["label"]
    jumped = eioku(
        "jump", str(square_video), "--kind", "object", "--label", label, "--profile", "smoke",
        "--json",
    ).json()  # fmt: skip
    assert jumped["jump_to"]["start_ms"] == listed[0]["payload"]["timestamp_ms"]
    assert listed[0]["artifact_id"] in jumped["artifact_ids"]
    status = eioku("status", str(square_video))
    assert "UNTRAINED TEST MODEL" in status.stdout


def test_a_weights_file_loads_by_path_and_its_sha256_keys_the_cache(
    square_video: Path, tmp_path: Path
) -> None:
    from workers.analyzers.object_models import untrained_yolo

    prepare_ultralytics(load_settings().home)
    weights = tmp_path / "mine.pt"
    untrained_yolo("yolov8n.yaml", load_settings().home).save(str(weights))
    analyzer = ObjectsAnalyzer(load_settings())
    smoke = dict(analyzer.profiles["smoke"])
    config = analyzer.effective_config("fast", {**smoke, "model_path": str(weights)})
    identity = analyzer.model_identity(config)
    digest = (
        WeightsReference.resolve(str(weights), load_settings()).status("objects", "fast", "").sha256
    )
    assert digest is not None and identity.weights_sha256 == digest
    assert identity.model_id == f"mine.pt@sha256:{digest[:16]}" and not identity.untrained
    found = list(analyzer.analyze(probe_source(square_video), config, lambda f: None))
    assert len(found) == 8 and {d.label for d in found} <= set(untrained_names())

    def key() -> str:
        return cache_key(
            input_hash="v",
            analyzer="objects",
            engine_version=analyzer.engine_version,
            model=analyzer.model_identity(config),
            config=config.model_dump(mode="json"),
        )

    before = key()
    # another model at the same path
    untrained_yolo("yolov8s.yaml", load_settings().home).save(str(weights))
    assert key() != before


def untrained_names() -> list[str]:
    from workers.analyzers.object_models import untrained_yolo

    return list(untrained_yolo("yolov8n.yaml", load_settings().home).names.values())


def test_registry_override_names_a_file_and_a_missing_model_fails_clearly(
    sqlite_database: Database, square_video: Path, tmp_path: Path
) -> None:
    from tests.support.factories import clear_tables

    clear_tables(sqlite_database)
    eioku = Eioku(sqlite_database, tmp_path / "home")
    result = eioku("analyze", str(square_video), "-a", "objects", "-p", "balanced", "--json")
    assert result.code == 1
    run = result.json()[0]["runs"][0]
    assert (run["outcome"], run["error_code"]) == ("failed", "model_unavailable")
    assert "EIOKU_MODEL_OBJECTS_" in run["error_message"]
    assert "eioku models fetch" in run["error_message"]
    missing = tmp_path / "nowhere.pt"
    eioku.env["EIOKU_MODEL_OBJECTS_BALANCED"] = str(missing)
    result = eioku("analyze", str(square_video), "-a", "objects", "-p", "balanced", "--json")
    run = result.json()[0]["runs"][0]
    assert run["error_code"] == "model_unavailable"
    assert run["error_message"] == f"objects model file {missing} does not exist"


IMPORT_CHECK = """
import json, sys
from pipeline.settings import load_settings
from workers.analyzers.objects import ObjectsAnalyzer
from workers.analyzers.places import PlacesAnalyzer
settings = load_settings()
ids = [a.model_identity(a.effective_config(p, {})).model_id
       for a in (ObjectsAnalyzer(settings), PlacesAnalyzer(settings)) for p in ("fast", "smoke")]
heavy = {"torch", "torchvision", "ultralytics", "cv2"}
print(json.dumps({"ids": ids, "imported": sorted({m.split(".")[0] for m in sys.modules} & heavy)}))
"""


def test_model_identity_imports_no_ml_library(tmp_path: Path) -> None:
    env = {**os.environ, "EIOKU_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_CHECK], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["imported"] == []
    assert found["ids"] == [
        "yolo11n.pt",
        "yolov8n.yaml#seed0 [UNTRAINED TEST MODEL]",
        "resnet18_places365.pth.tar",
        "resnet18-places365:resnet18-places365#seed0 [UNTRAINED TEST MODEL]",
    ]


@pytest.mark.slow
def test_nothing_is_written_outside_eioku_home(
    sqlite_database: Database, square_video: Path, tmp_path: Path
) -> None:
    from tests.support.factories import clear_tables

    clear_tables(sqlite_database)
    user_home = tmp_path / "user"
    user_home.mkdir()
    eioku = Eioku(sqlite_database, tmp_path / "home", HOME=str(user_home))
    for variable in ("YOLO_CONFIG_DIR", "XDG_CONFIG_HOME"):
        eioku.env.pop(variable, None)
    result = eioku.with_import_probe(
        "analyze", str(square_video), "-a", "objects", "-p", "smoke", "--json"
    )
    assert result.code == 0, result.stderr
    assert "ultralytics" in result.imported_libraries()
    assert list(user_home.iterdir()) == []
    assert (tmp_path / "home" / "ultralytics").is_dir()


# --- device selection ---------------------------------------------------------------------


def test_device_selection() -> None:
    def gpus(count: int) -> Any:
        return lambda: count

    assert choose_device("auto", gpus(0)) == "cpu"
    assert choose_device("auto", gpus(2)) == "cuda:0"
    assert choose_device("", gpus(1)) == "cuda:0"
    assert choose_device("cpu", gpus(4)) == "cpu"
    assert choose_device("cuda", gpus(1)) == "cuda:0"
    assert choose_device("CUDA:1", gpus(2)) == "cuda:1"
    with pytest.raises(DeviceUnavailableError) as raised:
        choose_device("cuda", gpus(0))
    assert raised.value.code == "device_unavailable"
    assert raised.value.message == (
        "EIOKU_DEVICE=cuda but torch sees no GPU here; set EIOKU_DEVICE=cpu or auto, "
        "or run this worker on a GPU host"
    )
    with pytest.raises(DeviceUnavailableError, match="2 GPU"):
        choose_device("cuda:2", gpus(2))
    with pytest.raises(DeviceUnavailableError, match="is not a device"):
        choose_device("tpu", gpus(0))


def test_asking_for_cuda_without_a_gpu_fails_the_run_clearly(
    sqlite_database: Database, square_video: Path, tmp_path: Path
) -> None:
    from tests.support.factories import clear_tables

    clear_tables(sqlite_database)
    eioku = Eioku(sqlite_database, tmp_path / "home", EIOKU_DEVICE="cuda")
    result = eioku("analyze", str(square_video), "-a", "objects", "-p", "smoke", "--json")
    assert result.code == 1
    run = result.json()[0]["runs"][0]
    assert (run["outcome"], run["error_code"]) == ("failed", "device_unavailable")
    assert "EIOKU_DEVICE=cuda" in run["error_message"]


# --- through a real Celery worker ---------------------------------------------------------


def test_smoke_objects_through_a_celery_worker_match_embedded_mode(
    postgresql_database: Database, broker: RedisServer, square_video: Path, tmp_path: Path
) -> None:
    from tests.support.factories import clear_tables

    clear_tables(postgresql_database)
    env = {
        "EIOKU_DATABASE_URL": postgresql_database.engine.url.render_as_string(hide_password=False),
        "EIOKU_BROKER_URL": broker.url,
        "EIOKU_HOME": str(tmp_path / "worker-home"),
        "PYTHONPATH": str(REPO),
    }
    worker = None
    try:
        worker = Worker({**os.environ, **env}, ["eioku.analyze.objects"], tmp_path / "worker.log")
        eioku = Eioku(postgresql_database, tmp_path / "home", EIOKU_BROKER_URL=broker.url)
        result = eioku(
            "submit", str(square_video), "-a", "objects", "-p", "smoke", "--wait", "--json"
        )
        assert result.code == 0, result.stderr + worker.output()
        (run,) = result.json()[0]["runs"]
        assert run["outcome"] == "succeeded" and "UNTRAINED" in run["model_id"]
        listed = eioku("artifacts", str(square_video), "--profile", "smoke", "--json").json()
    finally:
        if worker is not None:
            worker.stop()
    embedded_db = Database.from_url(f"sqlite:///{tmp_path / 'embedded.db'}")
    embedded = Eioku(embedded_db, tmp_path / "embedded-home", EIOKU_BROKER_URL="")
    assert embedded("analyze", str(square_video), "-a", "objects", "-p", "smoke").code == 0
    embedded_listed = embedded(
        "artifacts", str(square_video), "--profile", "smoke", "--json"
    ).json()
    embedded_db.dispose()
    assert len(listed) == 8
    assert [a["payload"] for a in listed] == [a["payload"] for a in embedded_listed]


def test_a_file_on_the_server_is_named_by_model_path_only() -> None:
    """So the API's model-roots check (settings ending in _path) sees every file named."""
    from pydantic import ValidationError

    analyzer = ObjectsAnalyzer(load_settings())
    for path in ("/etc/weights.pt", "../weights.pt", ".."):
        with pytest.raises(ValidationError, match="set model_path"):
            analyzer.effective_config("fast", {"model": path})
    with pytest.raises(ValidationError, match="no model"):
        analyzer.effective_config("fast", {"model": None})
    config = analyzer.effective_config("fast", {"model_path": "weights.pt"})
    assert config.model_reference == str(Path.cwd() / "weights.pt")
