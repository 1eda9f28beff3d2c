"""Segmented transcripts: each window is transcribed with the audio that follows it, and
the windows are joined so that a sentence across a boundary is whole, said once, in its
place. With the real tiny.en weights on JFK's speech, and with made-up segments."""

import os
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.analysis.contract import MediaSource
from pipeline.analysis.segments import Observation, Window
from pipeline.coordinator.in_process import analyze_file
from pipeline.coordinator.planning import AnalysisRequest
from pipeline.coordinator.segmented import windows_for
from pipeline.db.engine import Database
from pipeline.db.models import Artifact
from pipeline.media.audio import WHISPER_SAMPLE_RATE, decode_audio
from pipeline.settings import load_settings
from schemas.payloads.transcript import TranscriptSegment
from support.quality import word_error_rate, words_only
from support.sources import probe_source
from support.synthetic import Shot, write_video
from tests.support.factories import clear_tables
from tests.support.transcripts import (
    JFK,
    PHRASE,
    assert_in_order_and_inside,
)
from workers.analyzers.transcript import Timeline, TranscriptAnalyzer

FPS = 25
SILENCE_S = 10
# Measured: 0.0 for every boundary from 10.5 s to 21 s in steps of 0.5 s (two windows)
# and for three and four windows; one word in the 22 said is 0.045.
MAX_WORD_ERROR_RATE = 0.05


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TranscriptAnalyzer]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("EIOKU_HOME", str(tmp_path_factory.mktemp("home")))
        patch.delenv("EIOKU_MODELS_DIR", raising=False)
        yield TranscriptAnalyzer(load_settings())


@pytest.fixture(scope="module")
def speech_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """31 s: 10 s of silence, JFK's 11 s, 10 s of silence. Said once: speech said again
    within 30 s compresses so well that Whisper falls back to sampling, and two runs on
    the same audio then hear different words."""
    folder = tmp_path_factory.mktemp("speech")
    silence = np.zeros(SILENCE_S * WHISPER_SAMPLE_RATE, dtype=np.float32)
    samples = np.concatenate([silence, decode_audio(str(JFK)).samples, silence])
    with wave.open(str(folder / "speech.wav"), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(WHISPER_SAMPLE_RATE)
        audio.writeframes((samples * 32767).astype("<i2").tobytes())
    seconds = len(samples) // WHISPER_SAMPLE_RATE
    return write_video(
        folder / "speech.mp4", [Shot(seconds * FPS, hue=0.3)], audio=folder / "speech.wav"
    )


@pytest.fixture(scope="module")
def whole(analyzer: TranscriptAnalyzer, speech_video: Path) -> list[TranscriptSegment]:
    source = probe_source(speech_video)
    config = analyzer.effective_config("fast", {})
    return list(analyzer.analyze(source, config, lambda fraction: None))


def windows(boundaries: tuple[int, ...], duration_ms: int) -> list[Window]:
    edges = [0, *boundaries, duration_ms]
    return [Window(i, len(edges) - 1, edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def segmented(
    analyzer: TranscriptAnalyzer, source: MediaSource, boundaries: tuple[int, ...]
) -> list[TranscriptSegment]:
    config = analyzer.effective_config("fast", {})
    observed = [
        observation
        for window in windows(boundaries, source.duration_ms)
        for observation in analyzer.observe(source, config, window, lambda fraction: None)
    ]
    return list(analyzer.assemble(source, config, observed))


def text(segments: list[TranscriptSegment]) -> str:
    return " ".join(segment.text for segment in segments)


def test_a_whole_video_is_one_window_that_keeps_every_segment_heard(
    analyzer: TranscriptAnalyzer, speech_video: Path, whole: list[TranscriptSegment]
) -> None:
    source = probe_source(speech_video)
    config = analyzer.effective_config("fast", {})
    audio = decode_audio(source.path)
    heard, info = analyzer.load(config).transcribe(
        audio.samples, beam_size=1, vad_filter=True, word_timestamps=True
    )
    timeline = Timeline(offset_ms=audio.start_ms, end_ms=source.duration_ms)
    assert whole == [timeline.segment(segment, info.language) for segment in heard]
    assert [segment.text for segment in whole] == [
        "And so my fellow Americans ask not what your country can do for you",
        "ask what you can do for your country",
    ]


@pytest.mark.parametrize(
    "boundaries",
    [
        pytest.param((15_000,), id="in-ask-not-what"),
        pytest.param((17_000,), id="in-for-you"),
        pytest.param((12_500, 16_000), id="a-window-inside-the-sentence"),
    ],
)
def test_a_sentence_across_window_boundaries_is_whole_once_and_in_place(
    analyzer: TranscriptAnalyzer,
    speech_video: Path,
    whole: list[TranscriptSegment],
    boundaries: tuple[int, ...],
) -> None:
    source = probe_source(speech_video)
    joined = segmented(analyzer, source, boundaries)
    error_rate = word_error_rate(text(whole), text(joined))
    print(f"\n{boundaries}: {len(joined)} segments (whole: {len(whole)}), WER {error_rate:.3f}")
    assert error_rate <= MAX_WORD_ERROR_RATE
    assert sum(PHRASE in words_only(segment.text) for segment in joined) == 1
    for boundary in boundaries:
        assert any(s.start_ms < boundary < s.end_ms for s in joined), "the sentence is cut"
    assert_in_order_and_inside(joined, source.duration_ms)


def test_a_segmented_run_stores_and_joins_its_windows(
    analyzer: TranscriptAnalyzer,
    speech_video: Path,
    whole: list[TranscriptSegment],
    sqlite_database: Database,
) -> None:
    """10 s segments: windows from keyframes at 0, 10 and 20 s, the last boundary inside
    "ask what you can do for your country"; observations kept as JSON in between."""
    planned = windows_for(probe_source(speech_video), 10)
    assert [(w.start_ms, w.end_ms) for w in planned] == [
        (0, 10_000),
        (10_000, 20_000),
        (20_000, 31_000),
    ]
    clear_tables(sqlite_database)
    catalog = AnalyzerCatalog(load_settings({**os.environ, "EIOKU_SEGMENT_S": "10"}))
    catalog.register(analyzer)
    request = AnalysisRequest(analyzers=["transcript"], profile="fast", overrides={})
    report = analyze_file(sqlite_database, catalog, str(speech_video), request)
    assert [run.outcome for run in report.runs] == ["succeeded"]
    with sqlite_database.sessions() as session:
        payloads = [a.payload for a in session.scalars(select(Artifact)).all()]
    joined = sorted(
        (TranscriptSegment.model_validate(p) for p in payloads), key=lambda s: s.start_ms
    )
    assert word_error_rate(text(whole), text(joined)) <= MAX_WORD_ERROR_RATE
    assert any(s.start_ms < 20_000 < s.end_ms for s in joined)
    assert_in_order_and_inside(joined, 31_000)


def test_a_window_after_the_end_of_the_audio_hears_nothing_and_loads_no_model(
    tmp_path: Path,
) -> None:
    """The audio (11 s) ends before the video (14 s) does."""
    video = write_video(tmp_path / "long.mp4", [Shot(14 * FPS, hue=0.5)], audio=JFK)
    source = probe_source(video)
    fresh = TranscriptAnalyzer(load_settings())
    config = fresh.effective_config("high_quality", {})  # no weights here: loading fails
    window = Window(1, 2, 12_000, source.duration_ms)
    assert list(fresh.observe(source, config, window, lambda fraction: None)) == []


def said(start_ms: int, end_ms: int, text: str, words: list[tuple[int, int, str]]) -> dict:
    return TranscriptSegment(
        start_ms=start_ms,
        end_ms=end_ms,
        text=text,
        language="en",
        confidence=0.8,
        words=[{"start_ms": s, "end_ms": e, "word": w, "probability": 0.9} for s, e, w in words],
    ).model_dump(mode="json")


def heard_in(window: Window, *segments: dict) -> list[Observation]:
    return [
        {"window": [window.index, window.count, window.start_ms, window.end_ms], "segment": s}
        for s in segments
    ]


def assembled(observations: list[Observation]) -> list[tuple[int, int, str, list[str]]]:
    analyzer = TranscriptAnalyzer(load_settings())
    config = analyzer.effective_config("fast", {})
    source = MediaSource("v", "unused.mp4", 20_000, 25.0, 160, 120, 500, has_audio=True)
    return [
        (s.start_ms, s.end_ms, s.text, [w.word for w in s.words])
        for s in analyzer.assemble(source, config, observations)
    ]


FIRST, SECOND = Window(0, 2, 0, 10_000), Window(1, 2, 10_000, 20_000)


def test_windows_join_without_a_cut_a_repeat_or_a_gap() -> None:
    observations = heard_in(
        FIRST,
        said(1_000, 4_000, "One two.", [(1_000, 2_000, "One"), (2_000, 4_000, "two.")]),
        # runs into the second window: heard to its end here, kept whole
        said(
            8_000,
            12_500,
            "Three four five.",
            [(8_000, 9_500, "Three"), (9_500, 11_000, "four"), (11_000, 12_500, "five.")],
        ),
        said(13_000, 15_000, "Six.", [(13_000, 15_000, "Six.")]),  # the second window's
    ) + heard_in(
        SECOND,
        said(10_000, 11_800, "four", [(10_000, 11_800, "four")]),  # said before 12.5 s
        said(
            12_400,
            16_000,
            "five. Six seven.",
            [(12_400, 12_600, "five."), (13_000, 14_000, "Six"), (14_000, 16_000, "seven.")],
        ),
        said(17_000, 18_000, "Eight.", [(17_000, 18_000, "Eight.")]),
    )
    assert assembled(observations) == [
        (1_000, 4_000, "One two.", ["One", "two."]),
        (8_000, 12_500, "Three four five.", ["Three", "four", "five."]),
        (13_000, 16_000, "Six seven.", ["Six", "seven."]),
        (17_000, 18_000, "Eight.", ["Eight."]),
    ]


@pytest.mark.parametrize(
    ("heard", "words", "rest"),
    [
        pytest.param(" so, ask not", [" so,", " ask", " not"], "ask not", id="spaced"),
        pytest.param("我们走吧", ["我们", "走", "吧"], "走吧", id="unspaced"),
        pytest.param("2 ask not", ["two", "ask", "not"], "ask not", id="words-not-in-the-text"),
    ],
)
def test_the_rest_of_a_sentence_keeps_the_text_of_its_words(
    heard: str, words: list[str], rest: str
) -> None:
    timed = [(11_000 + 1_000 * i, 11_900 + 1_000 * i, word.strip()) for i, word in enumerate(words)]
    observations = heard_in(
        FIRST, said(9_000, 11_500, "Well", [(9_000, 11_500, "Well")])
    ) + heard_in(SECOND, said(11_000, 14_000, heard, timed))
    assert assembled(observations)[1][2] == rest
