"""The OCR analyzer with the real EasyOCR weights on generated videos whose captions change
at known times, directly and through `eioku analyze` on both databases."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from pydantic import ValidationError
from sqlalchemy import text

from bench.realistic_clip import write_realistic_clip
from pipeline.analysis.contract import AnalysisInputError
from pipeline.db.engine import Database
from pipeline.demo import SAMPLE_VIDEO
from pipeline.media.frames import FrameSampler
from pipeline.settings import load_settings
from schemas.payloads import OcrText
from support.captions import CaptionedVideo, DrawnCaption
from support.quality import character_error_rate
from support.sources import probe_source
from support.synthetic import Caption, write_text_video
from tests.support.cli import Eioku
from tests.support.windowed import assembled_in_windows, windows_split_at
from workers.analyzers.ocr import WEIGHT_FILES, OcrAnalyzer, default_model_dir

pytestmark = pytest.mark.slow

INTERVAL_MS = 1000
CAPTIONS = [Caption(0, 3000, "EXIT"), Caption(4000, 7000, "HELLO WORLD")]
SIZE = (640, 240)


@pytest.fixture(scope="module", autouse=True)
def eioku_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where the weights' sha256 cache goes, instead of ./.eioku."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EIOKU_HOME", str(home))
        yield home


@pytest.fixture(scope="module")
def captions_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ocr") / "captions.mp4"
    return write_text_video(path, CAPTIONS, duration_ms=8000, size=SIZE)


@pytest.fixture(scope="module")
def read(captions_video: Path) -> dict:
    """One analysis, sampled at half resolution so polygons must be scaled back."""
    analyzer = OcrAnalyzer(load_settings())
    config = analyzer.effective_config(
        "fast", {"max_side": 320, "interval_ms": INTERVAL_MS, "batch_size": 3}
    )
    progress: list[float] = []
    found = list(analyzer.analyze(probe_source(captions_video), config, progress.append))
    return {"found": found, "progress": progress}


def normalized(value: str) -> str:
    return " ".join(value.split()).upper()


def test_texts_and_spans_follow_the_captions(read: dict) -> None:
    found: list[OcrText] = read["found"]
    assert [normalized(item.text) for item in found] == [c.text for c in CAPTIONS]
    for item, caption in zip(found, CAPTIONS, strict=True):
        # seen from the first sample at/after it appears to the last sample before it goes
        assert caption.start_ms <= item.start_ms < caption.start_ms + INTERVAL_MS
        assert caption.end_ms - INTERVAL_MS <= item.end_ms < caption.end_ms
        assert 0.5 <= item.confidence <= 1.0
        assert OcrText.model_validate(item.model_dump()) == item


def test_polygons_cover_the_lettering_in_source_pixels(read: dict, captions_video: Path) -> None:
    with FrameSampler(str(captions_video)) as sampler:
        frames = {frame.timestamp_ms: frame for frame in sampler.sample_at([1000, 5000])}
    for item, shown_at in zip(read["found"], (1000, 5000), strict=True):
        ink_ys, ink_xs = np.nonzero(frames[shown_at].image.max(axis=2) < 128)
        xs = [point.x for point in item.polygon]
        ys = [point.y for point in item.polygon]
        assert all(0 <= x <= SIZE[0] for x in xs) and all(0 <= y <= SIZE[1] for y in ys)
        # the box holds the ink, give or take EasyOCR's margin and the 2x downscale
        assert min(xs) <= ink_xs.min() + 4 and max(xs) >= ink_xs.max() - 4
        assert min(ys) <= ink_ys.min() + 4 and max(ys) >= ink_ys.max() - 4
        assert max(xs) - min(xs) <= 1.3 * (ink_xs.max() - ink_xs.min()) + 20
        assert max(ys) - min(ys) <= 1.6 * (ink_ys.max() - ink_ys.min()) + 20


def test_progress_is_reported_per_sample(read: dict) -> None:
    progress = read["progress"]
    assert len(progress) >= 8  # one per sampled second, then done
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_the_model_is_loaded_once_per_process() -> None:
    first, second = OcrAnalyzer(load_settings()), OcrAnalyzer(load_settings())
    config = first.effective_config("fast", {})
    assert first.load(config) is second.load(config)


def test_model_identity_hashes_the_weights_without_importing_torch(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from pipeline.settings import load_settings\n"
        "from workers.analyzers.ocr import OcrAnalyzer\n"
        "analyzer = OcrAnalyzer(load_settings())\n"
        "for profile in ('fast', 'balanced', 'high_quality'):\n"
        "    identity = analyzer.model_identity(analyzer.effective_config(profile, {}))\n"
        "heavy = sorted({'torch', 'torchvision', 'easyocr', 'cv2'} & set(sys.modules))\n"
        "print(json.dumps([identity.model_id, heavy]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "EIOKU_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    model_id, heavy = json.loads(done.stdout)
    assert model_id.startswith("easyocr-en@sha256:") and heavy == []


def test_a_model_dir_holding_the_same_weights_is_the_same_model(tmp_path: Path) -> None:
    installed = default_model_dir()
    assert installed is not None
    copy = tmp_path / "weights"
    copy.mkdir()
    for name in WEIGHT_FILES:
        (copy / name).symlink_to(installed / name)
    analyzer = OcrAnalyzer(load_settings())
    default = analyzer.model_identity(analyzer.effective_config("fast", {}))
    override = analyzer.model_identity(analyzer.effective_config("fast", {"model_dir": str(copy)}))
    assert override == default
    (copy / WEIGHT_FILES[1]).unlink()
    with pytest.raises(ValidationError, match=r"english_g2\.pth"):
        analyzer.effective_config("fast", {"model_dir": str(copy)})


def test_profiles_differ_in_sampling_and_resolution() -> None:
    analyzer = OcrAnalyzer(load_settings())
    fast, balanced, high = (
        analyzer.effective_config(profile, {}) for profile in ("fast", "balanced", "high_quality")
    )
    assert fast.interval_ms == 1000 and balanced.interval_ms < fast.interval_ms
    assert fast.max_side is not None and balanced.max_side is not None
    assert high.max_side is not None and fast.max_side < balanced.max_side < high.max_side
    assert high.decoder == "beamsearch"


def test_a_truncated_video_is_refused(captions_video: Path, tmp_path: Path) -> None:
    path = write_text_video(
        tmp_path / "whole.mp4", CAPTIONS, duration_ms=8000, size=(160, 64), faststart=True
    )
    truncated = tmp_path / "truncated.mp4"
    data = path.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    analyzer = OcrAnalyzer(load_settings())
    with pytest.raises(AnalysisInputError) as raised:
        list(
            analyzer.analyze(probe_source(truncated), analyzer.effective_config("fast", {}), print)
        )
    assert raised.value.code == "truncated_media"


def test_undecodable_frames_mid_video_are_skipped_and_reported(
    captions_video: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with av.open(str(captions_video)) as container:
        packets = [(p.pos, p.size) for p in container.demux(video=0) if p.size]
    data = bytearray(captions_video.read_bytes())
    position, size = packets[10]  # the frame sampled at 2 s
    data[position : position + size] = b"\xff" * size
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data))
    analyzer = OcrAnalyzer(load_settings())
    config = analyzer.effective_config("fast", {"max_side": 320})
    with caplog.at_level("WARNING", logger="workers.analyzers.ocr"):
        found = list(analyzer.analyze(probe_source(damaged), config, lambda fraction: None))
    assert (normalized(found[0].text), found[0].start_ms) == ("EXIT", 0)
    assert "could not decode 1 sampled frame(s); skipped frames 10" in caplog.text


def find_ocr_text(db: Database, run_id: str, query: str) -> list[tuple[str, int, int]]:
    if db.engine.dialect.name == "postgresql":
        sql = (
            "SELECT text, start_ms, end_ms FROM artifact_text WHERE run_id = :run"
            " AND tsv @@ plainto_tsquery('simple', :query) ORDER BY start_ms"
        )
    else:
        sql = (
            "SELECT text, start_ms, end_ms FROM artifact_text WHERE run_id = :run"
            " AND artifact_text MATCH :query ORDER BY start_ms"
        )
    with db.engine.connect() as connection:
        rows = connection.execute(text(sql), {"run": run_id, "query": query})
        return [(row.text, int(row.start_ms), int(row.end_ms)) for row in rows]


def test_cli_analyze_fills_the_ocr_search_index(db: Database, tmp_path: Path) -> None:
    clip = write_text_video(
        tmp_path / "sign.mp4", [Caption(1000, 3000, "OPEN LATE")], duration_ms=3000
    )
    eioku = Eioku(db, tmp_path / "home")
    result = eioku("analyze", str(clip), "-a", "ocr", "--json")
    assert result.code == 0, result.stderr
    run = result.json()[0]["runs"][0]
    assert run["outcome"] == "succeeded"
    listed = eioku("artifacts", str(clip), "--type", "ocr.text", "--json").json()
    assert len(listed) == run["artifact_count"]
    [line] = listed  # EasyOCR reads the wide line as one box or two: one line either way
    assert normalized(line["payload"]["text"]) == "OPEN LATE"
    assert len(line["payload"]["words"]) in (1, 2)
    assert line["model_id"].startswith("easyocr-en@sha256:")
    hits = find_ocr_text(db, run["run_id"], "late")
    assert [(normalized(hit), start, end) for hit, start, end in hits] == [
        ("OPEN LATE", 1000, 2000)
    ]
    assert find_ocr_text(db, run["run_id"], "exit") == []


# --- captions in real fonts over real photos (tests/data/captions.json) --------------------


@pytest.fixture(scope="module")
def captioned(tmp_path_factory: pytest.TempPathFactory) -> tuple[CaptionedVideo, list[OcrText]]:
    """The captioned video (24 s over zidane.jpg, bus.jpg, zidane.jpg), read with the
    fast profile (one sample a second)."""
    video = CaptionedVideo.load()
    path = video.write(tmp_path_factory.mktemp("captioned") / "captioned.mp4")
    analyzer = OcrAnalyzer(load_settings())
    config = analyzer.effective_config("fast", {})
    found = list(analyzer.analyze(probe_source(path), config, lambda part: None))
    return video, found


def caption(video: CaptionedVideo, text: str) -> DrawnCaption:
    return next(c for c in video.captions if c.text == text)


def read_in(found: list[OcrText], shown: DrawnCaption) -> list[OcrText]:
    """The artifacts whose box centre lies in the caption's box while it is shown."""
    left, top, right, bottom = shown.box()
    inside = []
    for item in found:
        xs, ys = [p.x for p in item.polygon], [p.y for p in item.polygon]
        x, y = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        on_screen = item.start_ms < shown.end_ms and item.end_ms >= shown.start_ms
        if on_screen and left <= x <= right and top <= y <= bottom:
            inside.append(item)
    return inside


def test_a_caption_held_6_s_over_a_photo_is_one_artifact_of_the_whole_line(
    captioned: tuple[CaptionedVideo, list[OcrText]],
) -> None:
    video, found = captioned
    # EasyOCR reads the scoreboard's wide gaps as four boxes: they are one line's words
    for drawn in ("The final whistle blows", "MADRID   2 - 1   ATLETICO"):
        shown = caption(video, drawn)
        [line] = read_in(found, shown)
        assert character_error_rate(drawn, line.text) <= 0.1, line.text
        assert (line.start_ms, line.end_ms) == (1000, 6000)  # its first and last sample
        assert line.reads is not None and line.reads >= 5
        left, top, right, bottom = shown.box()
        for word in line.words:  # give or take EasyOCR's margin
            assert all(left - 6 <= p.x <= right + 6 for p in word.polygon), word
            assert all(top - 6 <= p.y <= bottom + 6 for p in word.polygon), word
    scoreboard = read_in(found, caption(video, "MADRID   2 - 1   ATLETICO"))[0]
    assert len(scoreboard.words) >= 2
    assert scoreboard.text == " ".join(word.text for word in scoreboard.words)


def test_a_two_line_caption_is_two_artifacts(
    captioned: tuple[CaptionedVideo, list[OcrText]],
) -> None:
    video, found = captioned
    for drawn in ("Route 42 to the city centre", "Next stop: Main Street"):
        [line] = read_in(found, caption(video, drawn))
        assert character_error_rate(drawn, line.text) <= 0.1, line.text
        assert (line.start_ms, line.end_ms) == (9000, 14000)


def test_noisy_reads_of_a_static_line_are_one_span_with_its_variants(
    captioned: tuple[CaptionedVideo, list[OcrText]],
) -> None:
    """The copyright line, shown throughout, is read differently over the face and over
    the bus; the reads over the face are the more frequent."""
    video, found = captioned
    [line] = read_in(found, caption(video, "Copyright © 2013 Eioku Films"))
    assert line.start_ms == 0 and line.end_ms >= 22000
    assert character_error_rate("Copyright © 2013 Eioku Films", line.text) <= 0.2
    assert line.variants and all(variant.text != line.text for variant in line.variants)
    assert line.reads is not None and line.reads >= max(v.count for v in line.variants)


def test_the_demo_caption_card_is_one_artifact() -> None:
    analyzer = OcrAnalyzer(load_settings())
    config = analyzer.effective_config("fast", {})
    found = list(analyzer.analyze(probe_source(SAMPLE_VIDEO), config, lambda part: None))
    [card] = [item for item in found if "ASK" in item.text.upper()]
    assert card.text == "ASK NOT" and [word.text for word in card.words] == ["ASK", "NOT"]
    assert 7400 <= card.start_ms < 7400 + INTERVAL_MS and card.end_ms < 10000


# --- segmented runs ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def realistic_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 s of real stills, text cards (5-9 s, 16-20 s), a talking head and a pan."""
    return write_realistic_clip(tmp_path_factory.mktemp("realistic"), 24)


def test_a_segmented_run_reads_exactly_the_spans_of_the_whole_video(
    realistic_video: Path,
) -> None:
    """Boundaries inside both text cards: each card is still one span, and with the fast
    profile's skipping of unchanged frames every span equals the whole run's."""
    analyzer = OcrAnalyzer(load_settings())
    config = analyzer.effective_config("fast", {"max_side": 480})  # the cards stay legible
    assert config.skip_unchanged
    source = probe_source(realistic_video)
    whole = list(analyzer.analyze(source, config, lambda part: None))
    windows = windows_split_at(source.duration_ms, 7000, 18000)
    segmented = assembled_in_windows(analyzer, source, config, windows)
    assert segmented == whole
    cards = [span for span in whole if span.start_ms < 7000 < span.end_ms]
    assert {normalized(span.text) for span in cards} >= {"BUDGET 2026"}
