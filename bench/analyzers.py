"""Seconds of processing per minute of video for each real analyzer on this CPU, against
the way a user would script it by hand, with the same loaded model:

- ocr, faces, places: read EVERY frame sequentially with OpenCV and call the model on
  each sampled frame (same sampling interval and frame size as Eioku's profile);
- objects: the same OpenCV loop with ultralytics' own `model.track(frame, persist=True)`
  (ByteTrack) on each sampled frame, on a second instance of the same model;
- transcript: faster-whisper's own `transcribe(path)` on the file, without VAD;
- scenes: PySceneDetect's own `detect(path, ContentDetector())` on a 720p clip with cuts
  (the same detector and settings; goal: Eioku <= 1.1x of it, i.e. ratio >= 0.91).

    python -m bench.analyzers [--seconds 30] [--profile fast] [--only ocr,faces,...]
        [--objects-model FILE] [--places-model FILE] [--realistic-only | --no-realistic]

Then, on a realistic clip (bench.realistic_clip), ocr and faces skipping unchanged frames
(their fast/balanced default) against the same every-frame baseline, with the artifact
sets of Eioku skipping and Eioku analysing every sample compared: the same texts with
spans equal within one sample, the same number of faces per person.

No trained YOLO or Places365 weights exist on this machine: objects and places run the
profile's settings with the untrained architectures of the `smoke` profile unless a
weights file is given (the compute per frame is the same; only the boxes differ).

Model loading is timed separately (once per worker process in Eioku) and excluded; each
side runs twice, alternating, and the faster run counts.
"""

import argparse
import functools
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.realistic_clip import write_realistic_clip
from pipeline.analysis.models import WeightsReference
from pipeline.settings import Settings, load_settings
from support.sources import probe_source
from support.synthetic import (
    Caption,
    Shot,
    alternating_shots,
    write_stills_video,
    write_text_video,
    write_video,
)
from workers.analyzers.face_detection import detect_faces
from workers.analyzers.faces import FacesAnalyzer
from workers.analyzers.frame_loop import SamplingPlan, sampled_frames
from workers.analyzers.object_models import load_yolo
from workers.analyzers.objects import ObjectsAnalyzer
from workers.analyzers.ocr import OcrAnalyzer
from workers.analyzers.place_models import classify
from workers.analyzers.places import PlacesAnalyzer
from workers.analyzers.scenes import ScenesAnalyzer
from workers.analyzers.transcript import TranscriptAnalyzer
from workers.analyzers.unchanged import frame_groups

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
FPS = 25
ROUNDS = 2  # best of two, each side
WORDS = ("EXIT", "HELLO WORLD", "OPEN", "BUDGET 2026", "PLATFORM 9", "NO ENTRY")


def still(name: str, size: tuple[int, int]) -> np.ndarray:
    image = cv2.cvtColor(cv2.imread(str(DATA / name)), cv2.COLOR_BGR2RGB)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


def faces_video(directory: Path, seconds: int) -> Path:
    third = seconds * FPS // 3
    zidane, bus = still("zidane.jpg", (960, 540)), still("bus.jpg", (960, 540))
    stills = [(zidane, third), (bus, third), (zidane, seconds * FPS - 2 * third)]
    return write_stills_video(directory / "faces.mp4", stills, fps=FPS)


def ocr_video(directory: Path, seconds: int) -> Path:
    captions = [
        Caption(start, start + 4000, WORDS[(start // 5000) % len(WORDS)])
        for start in range(0, seconds * 1000, 5000)
    ]
    return write_text_video(
        directory / "ocr.mp4", captions, seconds * 1000, fps=FPS, size=(640, 240)
    )


def speech_video(directory: Path, seconds: int) -> Path:
    # jfk.flac is 11 s: the transcript is measured on what speech there is
    frames = min(seconds, 11) * FPS
    return write_video(
        directory / "speech.mp4", [Shot(frames, 0.6)], fps=FPS, audio=DATA / "jfk.flac"
    )


def scenes_video(directory: Path, seconds: int) -> Path:
    shots = alternating_shots([4 * FPS] * max(seconds // 4, 1))
    return write_video(directory / "scenes.mp4", shots, fps=FPS, size=(1280, 720))


def sequential_frames(path: Path, interval_ms: int, max_side: int | None) -> Any:
    """The hand-written loop: decode every frame with OpenCV, keep every n-th."""
    capture = cv2.VideoCapture(str(path))
    step = max(round(capture.get(cv2.CAP_PROP_FPS) * interval_ms / 1000), 1)
    index = 0
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        if index % step == 0:
            image = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            height, width = image.shape[:2]
            if max_side and max(height, width) > max_side:
                scale = max_side / max(height, width)
                image = cv2.resize(image, (round(width * scale), round(height * scale)))
            yield image
        index += 1
    capture.release()


def ocr_baseline(analyzer: OcrAnalyzer, config: Any, path: Path) -> None:
    reader = analyzer.load(config)
    for image in sequential_frames(path, config.interval_ms, config.max_side):
        reader.readtext(
            image,
            decoder=config.decoder,
            text_threshold=config.text_threshold,
            min_size=config.min_text_size,
        )


def faces_baseline(analyzer: FacesAnalyzer, config: Any, path: Path) -> None:
    models = analyzer.load(config)
    for image in sequential_frames(path, config.interval_ms, config.max_side):
        detect_faces(models, image, config.search())


@functools.cache
def _second_yolo(model: str, settings: Settings) -> Any:
    """The baseline's own instance: `track` registers callbacks on the model it is called on."""
    return load_yolo(WeightsReference.resolve(model, settings), settings.home)


def objects_baseline(analyzer: ObjectsAnalyzer, config: Any, path: Path) -> None:
    model = _second_yolo(config.model_reference, analyzer.settings)
    model.predictor = None  # a fresh tracker each round
    for image in sequential_frames(path, config.interval_ms, config.image_size):
        model.track(
            image[:, :, ::-1],
            persist=True,
            tracker="bytetrack.yaml",
            conf=config.confidence,
            iou=config.iou,
            imgsz=config.image_size,
            max_det=config.max_det,
            device="cpu",
            verbose=False,
        )


def places_baseline(analyzer: PlacesAnalyzer, config: Any, path: Path) -> None:
    network = analyzer.load(config)
    for image in sequential_frames(path, config.interval_ms, config.max_side):
        classify(network, [image], "cpu", config.top_k)


def transcript_baseline(analyzer: TranscriptAnalyzer, config: Any, path: Path) -> None:
    model = analyzer.load(config)
    segments, _ = model.transcribe(str(path), word_timestamps=True, vad_filter=False)
    list(segments)


def scenes_baseline(analyzer: ScenesAnalyzer, config: Any, path: Path) -> None:
    import scenedetect

    scenedetect.detect(str(path), scenedetect.ContentDetector(), backend=config.backend)


BENCHES: dict[str, tuple[type, Callable[[Path, int], Path], Callable[..., None]]] = {
    "ocr": (OcrAnalyzer, ocr_video, ocr_baseline),
    "faces": (FacesAnalyzer, faces_video, faces_baseline),
    "transcript": (TranscriptAnalyzer, speech_video, transcript_baseline),
    "objects": (ObjectsAnalyzer, faces_video, objects_baseline),
    "places": (PlacesAnalyzer, faces_video, places_baseline),
    "scenes": (ScenesAnalyzer, scenes_video, scenes_baseline),
}


def silent(fraction: float) -> None:
    """Progress goes nowhere in a benchmark."""


def timed(action: Callable[[], Any]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def best_of(action: Callable[[], Any], rounds: int = ROUNDS) -> float:
    return min(timed(action) for _ in range(rounds))


def same_texts(found: list[Any], expected: list[Any], interval_ms: int) -> bool:
    """The same texts, in order, each span within one sample of the other's."""
    return len(found) == len(expected) and all(
        a.text == b.text
        and abs(a.start_ms - b.start_ms) <= interval_ms
        and abs(a.end_ms - b.end_ms) <= interval_ms
        for a, b in zip(found, expected, strict=True)
    )


def faces_per_person(found: list[Any]) -> list[int]:
    clusters: dict[int, int] = {}
    for output in found:
        clusters[output.payload.cluster_id] = clusters.get(output.payload.cluster_id, 0) + 1
    return [clusters[cluster] for cluster in sorted(clusters)]


def analysed_samples(source: Any, config: Any) -> tuple[int, int]:
    """How many samples the model sees when skipping, of how many sampled."""
    plan = SamplingPlan(max_side=config.max_side, interval_ms=config.interval_ms)
    groups = list(frame_groups(sampled_frames(source, plan, silent), config))
    return len(groups), sum(1 + len(group.carried) for group in groups)


SKIPPING_ANALYZERS = ("ocr", "faces")  # the realistic clip's report


def skip_unchanged_report(directory: Path, seconds: int, profile: str) -> list[str]:
    video = write_realistic_clip(directory, seconds)
    source = probe_source(video)
    minutes = source.duration_ms / 60000
    rows = []
    for name in SKIPPING_ANALYZERS:
        analyzer_type, _, baseline = BENCHES[name]
        analyzer = analyzer_type(load_settings())
        skipping = analyzer.effective_config(profile, {"skip_unchanged": True})
        every = analyzer.effective_config(profile, {"skip_unchanged": False})
        analyzer.load(skipping)
        skip_times, every_times, baseline_times = [], [], []
        for _ in range(ROUNDS):  # alternate, so the machine's load hits all three alike
            skip_times.append(timed(lambda: list(analyzer.analyze(source, skipping, silent))))  # noqa: B023
            every_times.append(timed(lambda: list(analyzer.analyze(source, every, silent))))  # noqa: B023
            baseline_times.append(timed(lambda: baseline(analyzer, every, video)))  # noqa: B023
        skip_s, every_s, baseline_s = min(skip_times), min(every_times), min(baseline_times)
        analysed, sampled = analysed_samples(source, skipping)
        every_found = list(analyzer.analyze(source, every, silent))
        skip_found = list(analyzer.analyze(source, skipping, silent))
        if name == "ocr":
            equal = same_texts(skip_found, every_found, skipping.interval_ms)
            detail = f"{len(skip_found)} vs {len(every_found)} texts"
        else:
            equal = faces_per_person(skip_found) == faces_per_person(every_found)
            detail = f"faces per person {faces_per_person(skip_found)} vs " + str(
                faces_per_person(every_found)
            )
        rows.append(
            f"{name:<7}{skip_s / minutes:>10.1f}{every_s / minutes:>12.1f}"
            f"{baseline_s / minutes:>12.1f}{baseline_s / skip_s:>9.2f}x   "
            f"{analysed:>3}/{sampled:<3} {'equal' if equal else 'DIFFERENT'} ({detail})"
        )
        print(f"done: {name} on the realistic clip", flush=True)
    header = (f"realistic clip {source.duration_ms / 1000:.0f} s, profile {profile}; s/min:\n"
              f"{'':<7}{'skipping':>10}{'every frame':>12}{'baseline':>12}{'ratio':>10}"
              "   analysed/sampled, artifacts skipping vs every frame; goal >= 2x")  # fmt: skip
    return [header, *rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--seconds", type=int, default=30, help="length of each test video, the realistic one too"
    )
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--only", default=",".join(BENCHES))
    parser.add_argument("--objects-model", default="untrained:yolov8n.yaml")
    parser.add_argument("--places-model", default="untrained:resnet18-places365")
    parser.add_argument("--realistic-only", action="store_true", help="only the realistic clip")
    parser.add_argument(
        "--no-realistic",
        action="store_true",
        help="skip the realistic clip (skipped anyway when --only names neither ocr nor faces)",
    )
    args = parser.parse_args()
    models = {"objects": args.objects_model, "places": args.places_model}
    header = (f"{'analyzer':<11}{'video s':>8}{'load s':>8}{'eioku s':>9}{'s/min':>8}"
              f"{'baseline s':>12}{'s/min':>8}{'ratio':>8}")  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory(prefix="eioku-analyzers-") as directory:
        realistic = (
            []
            if args.no_realistic
            or not (args.realistic_only or set(SKIPPING_ANALYZERS) & set(args.only.split(",")))
            else skip_unchanged_report(Path(directory), args.seconds, args.profile)
        )
        for name in [] if args.realistic_only else args.only.split(","):
            analyzer_type, make_video, baseline = BENCHES[name]
            analyzer = analyzer_type(load_settings())
            chosen = analyzer.reference_settings(models[name]) if name in models else {}
            config = analyzer.effective_config(args.profile, chosen)
            video = make_video(Path(directory), args.seconds)
            source = probe_source(video)
            load_s = timed(lambda: analyzer.load(config))  # noqa: B023
            eioku_times, baseline_times = [], []
            for _ in range(ROUNDS):  # alternate, so warm-up and noise hit both alike
                eioku_times.append(timed(lambda: list(analyzer.analyze(source, config, silent))))  # noqa: B023
                baseline_times.append(timed(lambda: baseline(analyzer, config, video)))  # noqa: B023
            eioku_s, baseline_s = min(eioku_times), min(baseline_times)
            minutes = source.duration_ms / 60000
            rows.append(
                f"{name:<11}{source.duration_ms / 1000:>8.1f}{load_s:>8.2f}{eioku_s:>9.2f}"
                f"{eioku_s / minutes:>8.1f}{baseline_s:>12.2f}{baseline_s / minutes:>8.1f}"
                f"{baseline_s / eioku_s:>7.2f}x"
            )
            print(f"done: {name}", flush=True)
    print(f"profile {args.profile}; s/min = seconds of processing per minute of video; "
          "ratio = baseline time / Eioku time")  # fmt: skip
    print(f"objects model {args.objects_model}, places model {args.places_model}")
    print(header)
    print("\n".join(rows))
    print("\n".join(realistic))


if __name__ == "__main__":
    main()
