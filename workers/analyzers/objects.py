"""Objects with ultralytics YOLO on sampled frames, tracked across samples with ByteTrack.

Frames go to the model in batches; each detection is one artifact with its class name
(from the model), confidence, box in displayed-frame pixels and ``track_id`` (one id per
object from the sample it enters to the one it leaves). The model is a weights file or a
name from the registry (``pipeline.analysis.models``); ``smoke`` builds an untrained one.
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import Field

from pipeline.analysis.contract import MediaSource, ModelIdentity, ProgressCallback
from pipeline.analysis.declarations import Lane, Produces, Projection, Rows
from pipeline.analysis.models import (
    SMOKE_PROFILE,
    UNTRAINED_PREFIX,
)
from pipeline.analysis.segments import Observation, Window
from schemas.payloads import ObjectDetection
from workers.analyzers.base import distribution_version
from workers.analyzers.batching import batched
from workers.analyzers.frame_boxes import box_in_frame
from workers.analyzers.frame_loop import SamplingPlan, sampled_frames
from workers.analyzers.object_models import ASSETS_URL, UNTRAINED_SEED, load_yolo
from workers.analyzers.object_tracks import ImageDetection, ObjectTracker, TrackerSettings
from workers.analyzers.registered_model import WeightsFileAnalyzer, WeightsFileConfig
from workers.analyzers.unchanged import (
    SKIP_BY_DEFAULT,
    FrameGroup,
    SkipsUnchangedFrames,
    SkipUnchangedConfig,
    frame_groups,
    lead_in,
)
from workers.analyzers.windowed import Windowed

if TYPE_CHECKING:
    from pipeline.media.frames import SampledFrame

ANALYZER_VERSION = "2"  # 2: skipping anchored at multiples of max_skip_ms


class ObjectsConfig(WeightsFileConfig, SkipUnchangedConfig):
    interval_ms: int = Field(default=200, ge=1, description="time between sampled frames")
    image_size: int = Field(
        default=640, ge=32, multiple_of=32, description="longest side the model sees"
    )
    confidence: float = Field(default=0.25, ge=0.0, le=1.0, description="smallest score kept")
    iou: float = Field(default=0.7, gt=0.0, le=1.0, description="NMS IoU threshold")
    max_det: int = Field(default=100, ge=1, le=1000, description="detections per frame at most")
    batch_size: int = Field(default=8, ge=1, le=256, description="frames per predict call")
    track_high: float = Field(default=0.25, ge=0.0, le=1.0)
    track_low: float = Field(default=0.1, ge=0.0, le=1.0)
    track_new: float = Field(default=0.25, ge=0.0, le=1.0)
    track_lost_samples: int = Field(default=10, ge=0, description="samples a lost track waits")
    track_match: float = Field(default=0.8, gt=0.0, le=1.0, description="largest 1 - IoU")
    track_fuse_score: bool = Field(default=True, description="weigh IoU by score to match")

    def tracker_settings(self) -> TrackerSettings:
        return TrackerSettings(
            high_threshold=self.track_high,
            low_threshold=self.track_low,
            new_track_threshold=self.track_new,
            lost_samples=self.track_lost_samples,
            match_threshold=self.track_match,
            fuse_score=self.track_fuse_score,
        )


# The untrained model scores about 1e-4, boxes covering the frame: keep its best box per
# frame (confidence 0) and match on IoU alone, so the whole path, tracker included, runs.
_SMOKE = {
    "interval_ms": 500,
    "image_size": 160,
    "confidence": 0.0,
    "max_det": 1,
    "track_high": 0.0,
    "track_low": 0.0,
    "track_new": 0.0,
    "track_fuse_score": False,
}


class ObjectsAnalyzer(
    Windowed[ObjectsConfig], SkipsUnchangedFrames, WeightsFileAnalyzer[ObjectsConfig, Any]
):
    name = "objects"
    produces = Produces(
        ObjectDetection,
        jump="object",
        projects=Projection(label="label", confidence="confidence"),
        lane=Lane(
            "Objects",
            order=50,
            rows=Rows.LABEL,
            item="{label} #{track_id} ({confidence|percent})",
            track="track_id",
        ),
    )
    config_type = ObjectsConfig
    profiles: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "fast": SKIP_BY_DEFAULT,
        "balanced": {"interval_ms": 100, **SKIP_BY_DEFAULT},
        "high_quality": {"interval_ms": 100, "image_size": 1280, "confidence": 0.2},
        SMOKE_PROFILE: _SMOKE,
    }
    models: ClassVar[Mapping[str, str | None]] = {
        "fast": "yolo11n.pt",
        "balanced": "yolo11s.pt",
        "high_quality": "yolo11x.pt",
        SMOKE_PROFILE: f"{UNTRAINED_PREFIX}yolov8n.yaml",
    }

    @property
    def engine_version(self) -> str:
        library = distribution_version("ultralytics-opencv-headless")
        return f"{ANALYZER_VERSION}+ultralytics{library}"

    def model_identity(self, config: ObjectsConfig) -> ModelIdentity:
        return self.weights(config).identity(UNTRAINED_SEED)

    def _load_model(self, config: ObjectsConfig) -> Any:
        return load_yolo(self.weights(config), self.settings.home)

    def observe(
        self, source: MediaSource, config: ObjectsConfig, window: Window, progress: ProgressCallback
    ) -> Iterator[Observation]:
        """Per analysed frame: the model's boxes in the analysed image (what the tracker
        matches) and, for it and each unchanged frame carried with it, each box as an
        untracked payload in the displayed frame (None when nothing of it is inside)."""
        from workers.analyzers.device import torch_device

        self.require_weights(config)
        device = torch_device(self.settings.device_for(self.name))
        model = self.load(config)
        plan = SamplingPlan(max_side=config.image_size, interval_ms=config.interval_ms)
        frames = sampled_frames(source, plan, progress, lead_in(window, config))
        groups = frame_groups(frames, config, window.start_ms)
        for batch in batched(groups, config.batch_size):
            yield from _detect(model, batch, config, device)

    def assemble(
        self, source: MediaSource, config: ObjectsConfig, observations: Iterable[Observation]
    ) -> Iterator[ObjectDetection]:
        """Tracks over every window's detections in time order, so an object in view
        across a window boundary keeps one track id."""
        tracker = ObjectTracker(config.tracker_settings(), self.settings.home)
        for observed in observations:
            detections = [ImageDetection(*row) for row in observed["detections"]]
            height, width = observed["image_shape"]
            for payloads in observed["frames"]:  # carried frames extend the tracks
                track_ids = tracker.assign(detections, (height, width))
                for payload, track_id in zip(payloads, track_ids, strict=True):
                    if payload is not None:
                        yield ObjectDetection.model_validate({**payload, "track_id": track_id})

    def download_url(self, file_name: str) -> str:
        return ASSETS_URL + file_name


def _detect(
    model: Any, groups: Sequence[FrameGroup], config: ObjectsConfig, device: str
) -> Iterator[Observation]:
    results = model.predict(
        [group.analysed.image[:, :, ::-1] for group in groups],  # ultralytics expects BGR
        conf=config.confidence,
        iou=config.iou,
        max_det=config.max_det,
        imgsz=config.image_size,
        device=device,
        verbose=False,
    )
    for group, result in zip(groups, results, strict=True):
        boxes = result.boxes.cpu().numpy()
        detections = [
            ImageDetection(*map(float, xyxy), float(score), int(class_id))
            for xyxy, score, class_id in zip(boxes.xyxy, boxes.conf, boxes.cls, strict=True)
        ]
        yield {
            "image_shape": list(group.analysed.image.shape[:2]),
            "detections": [list(astuple(detection)) for detection in detections],
            "frames": [
                [_as_observed(object_payload(frame, d, result.names)) for d in detections]
                for frame in group.frames
            ],
        }


def _as_observed(payload: ObjectDetection | None) -> Observation:
    return None if payload is None else payload.model_dump(mode="json")


def object_payload(
    frame: "SampledFrame",
    detection: ImageDetection,
    names: Mapping[int, str],
) -> ObjectDetection | None:
    """The detection in displayed-frame pixels, not yet tracked; None when nothing of it
    is inside."""
    bbox = box_in_frame(frame, detection.x0, detection.y0, detection.x1, detection.y1)
    if bbox is None:
        return None
    return ObjectDetection(
        frame_index=frame.frame_index,
        timestamp_ms=frame.timestamp_ms,
        label=names.get(detection.class_id, str(detection.class_id)),
        class_id=detection.class_id,
        confidence=min(max(detection.confidence, 0.0), 1.0),
        bbox=bbox,
    )
