"""Subtitle formatting (WebVTT, SRT): timestamps, numbering, escaping, and parse-back."""

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.cli.subtitles import (
    Cue,
    displayable,
    escape_srt,
    normalize_text,
    timestamp,
    to_srt,
    to_webvtt,
)
from tests.support.subtitle_cues import parse_cues


@pytest.mark.parametrize(
    ("ms", "vtt", "srt"),
    [
        (0, "00:00:00.000", "00:00:00,000"),
        (1, "00:00:00.001", "00:00:00,001"),
        (61_234, "00:01:01.234", "00:01:01,234"),
        (3_599_999, "00:59:59.999", "00:59:59,999"),
        (3_600_000, "01:00:00.000", "01:00:00,000"),
        (100 * 3_600_000 + 5, "100:00:00.005", "100:00:00,005"),
    ],
)
def test_timestamps(ms: int, vtt: str, srt: str) -> None:
    assert timestamp(ms, ".") == vtt
    assert timestamp(ms, ",") == srt


def test_negative_time_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        timestamp(-1, ".")


CUES = [Cue(1_500, 3_000, "Hello there."), Cue(0, 1_000, "First\nline two")]


def test_srt_numbers_cues_in_time_order() -> None:
    assert to_srt(CUES) == (
        "1\n00:00:00,000 --> 00:00:01,000\nFirst\nline two\n\n"
        "2\n00:00:01,500 --> 00:00:03,000\nHello there.\n\n"
    )


def test_webvtt_has_header_and_dot_timestamps() -> None:
    assert to_webvtt(CUES) == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.000\nFirst\nline two\n\n"
        "00:00:01.500 --> 00:00:03.000\nHello there.\n\n"
    )


def test_empty_documents() -> None:
    assert to_webvtt([]) == "WEBVTT\n\n"
    assert to_srt([]) == ""


def test_webvtt_escapes_arrow_ampersand_and_tags() -> None:
    document = to_webvtt([Cue(0, 10, "a --> b & <i>c</i>")])
    assert "a --&gt; b &amp; &lt;i&gt;c&lt;/i&gt;" in document
    assert document.count("-->") == 1


def test_srt_never_shows_an_arrow_in_text() -> None:
    document = to_srt([Cue(0, 10, "00:00:01,000 --> 00:00:02,000")])
    assert document.count("-->") == 1
    assert parse_cues(document) == [Cue(0, 10, "00:00:01,000 -> 00:00:02,000")]


def test_srt_arrow_runs_collapse() -> None:
    assert escape_srt("a ---> b -- > c") == "a -> b -- > c"


def test_blank_lines_and_empty_texts_do_not_break_cues() -> None:
    cues = [Cue(0, 10, "one\n\n  \r\ntwo\r"), Cue(20, 30, "  \n "), Cue(40, 40, "three")]
    assert displayable(cues) == [Cue(0, 10, "one\ntwo"), Cue(40, 41, "three")]
    assert parse_cues(to_srt(cues)) == displayable(cues)
    assert parse_cues(to_webvtt(cues)) == displayable(cues)


texts = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=60)
cues = st.builds(
    lambda start, length, text: Cue(start, start + length, text),
    st.integers(0, 200 * 3_600_000),
    st.integers(0, 600_000),
    texts,
)


@pytest.mark.parametrize("render", [to_srt, to_webvtt], ids=["srt", "vtt"])
@given(st.lists(cues, max_size=25))
def test_parse_back_gives_the_same_times_and_texts(
    render: Callable[[list[Cue]], str], written: list[Cue]
) -> None:
    document = render(written)
    parsed = parse_cues(document)
    assert document.count("-->") == len(parsed)
    expected = [
        Cue(
            cue.start_ms,
            cue.end_ms,
            escape_srt(cue.text) if render is to_srt else cue.text,
        )
        for cue in displayable(written)
    ]
    assert parsed == expected
    assert len(parsed) == sum(1 for cue in written if normalize_text(cue.text))
    starts = [cue.start_ms for cue in parsed]
    assert starts == sorted(starts)
    assert all(cue.end_ms > cue.start_ms for cue in parsed)
