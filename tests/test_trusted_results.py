"""Issue #23's acceptance on real media, end to end through the CLI on both databases:
the demo's ASK NOT card found by its phrase, a Spanish word by its prefix, the demo
photo's two men two people in ``balanced``."""

from pathlib import Path

import numpy as np
import pytest

from pipeline.db.engine import Database
from pipeline.demo import SAMPLE_VIDEO
from support.synthetic import write_joined_speech, write_stills_video
from tests.support.cli import Eioku
from tests.support.factories import clear_tables

DATA = Path(__file__).parent / "data"
CARD_FROM_MS = 7_400  # tests/support/build_demo_sample.py


@pytest.fixture
def eioku(db: Database, tmp_path: Path) -> Eioku:
    clear_tables(db)
    return Eioku(db, tmp_path / "home")


def analyzed(eioku: Eioku, path: Path, analyzers: str, profile: str) -> str:
    result = eioku("analyze", str(path), "-a", analyzers, "-p", profile, "--json")
    assert result.code == 0, result.stderr
    [report] = result.json()
    assert {run["outcome"] for run in report["runs"]} == {"succeeded"}, report
    return str(report["video_id"])


def find(eioku: Eioku, video_id: str, *args: str) -> list[dict]:
    result = eioku("find", video_id, *args, "--json")
    assert result.code == 0, result.stderr
    return list(result.json())


@pytest.mark.slow
def test_the_demo_card_is_found_by_its_phrase(eioku: Eioku) -> None:
    video = analyzed(eioku, SAMPLE_VIDEO, "ocr", "fast")
    [card] = find(eioku, video, '"ask not"')
    assert card["source"] == "ocr"
    assert abs(card["jump_to"]["start_ms"] - CARD_FROM_MS) <= 1_000
    assert card["text"].casefold() == "ask not"
    assert find(eioku, video, '"not ask"') == []


@pytest.mark.slow
def test_a_prefix_finds_a_spanish_word_of_a_real_transcript(eioku: Eioku, tmp_path: Path) -> None:
    """JFK, then a Spanish sentence (synthetic speech), under a still: ``balanced``'s
    multilingual model hears "castellano", which ``cast*`` finds and ``cast`` does not."""
    speech = write_joined_speech(
        tmp_path / "speech.flac", [DATA / "jfk.flac", DATA / "castellano-espeak.flac"]
    )
    still = [(np.full((180, 320, 3), 40, np.uint8), 25 * 19)]
    video_path = write_stills_video(tmp_path / "spoken.mp4", still, audio=speech)
    video = analyzed(eioku, video_path, "transcript", "balanced")
    [spanish] = find(eioku, video, "cast*")
    assert "castellano" in spanish["text"].casefold()
    assert find(eioku, video, "cast") == []
    for q in ("CASTELLANO", "espana"):  # España: case and accents ignored
        assert [match["artifact_id"] for match in find(eioku, video, q)] == [spanish["artifact_id"]]
    assert "<mark>España</mark>" in find(eioku, video, "espana")[0]["snippet"]
