"""How the lines read on successive samples become spans, and how a span's text is voted
over its reads (no model needed)."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.payloads import OcrText
from workers.analyzers.ocr_lines import TextDetection, TextLine
from workers.analyzers.ocr_tracks import TextTracker
from workers.analyzers.ocr_vote import vote


def line(text: str, confidence: float = 0.9, x: float = 10.0, width: float = 200.0) -> TextLine:
    corners = ((x, 10.0), (x + width, 10.0), (x + width, 30.0), (x, 30.0))
    return TextLine((TextDetection(text, confidence, corners),))


def spans(
    samples: list[tuple[int, list[TextLine]]], missed: int = 0, single_read: float = 0.0
) -> list[OcrText]:
    tracker = TextTracker(missed, single_read)
    found = []
    for timestamp, lines in samples:
        found += tracker.observe(timestamp, lines)
    found += tracker.finish()
    return found


def summary(found: list[OcrText]) -> list[tuple[str, int, int]]:
    return [(item.text, item.start_ms, item.end_ms) for item in found]


def test_noisy_reads_of_a_static_line_are_one_span_with_the_variants_kept() -> None:
    reads = [
        "Copyright © 2013 Eioku Films",
        "Copyright @ 2013 Eioku Films",
        "Copyright @ 2013 Eioku Films",
        "Copyright 0 2013 Eroku Films",
        "Copyright @ 2013 Eioku Films",
        "pyight @ 2013 Eola Films",
    ]
    [item] = spans([(1000 * i, [line(text, 0.6 + 0.05 * i)]) for i, text in enumerate(reads)])
    assert (item.text, item.start_ms, item.end_ms, item.reads) == (
        "Copyright @ 2013 Eioku Films",
        0,
        5000,
        3,
    )
    assert item.confidence == pytest.approx((0.65 + 0.7 + 0.8) / 3)
    assert {(v.text, v.count) for v in item.variants} == {
        ("Copyright © 2013 Eioku Films", 1),
        ("Copyright 0 2013 Eroku Films", 1),
        ("pyight @ 2013 Eola Films", 1),
    }
    # the words and box are the winning reading's most confident read (0.8, at 4 s)
    assert [(w.text, w.confidence) for w in item.words] == [("Copyright @ 2013 Eioku Films", 0.8)]


def test_another_text_in_the_same_place_is_another_span() -> None:
    found = spans([(0, [line("ASK NOT")]), (1000, [line("ASK NOT")]), (2000, [line("WHAT YOUR")])])
    assert summary(found) == [("ASK NOT", 0, 1000), ("WHAT YOUR", 2000, 2000)]


def test_a_line_missed_on_one_sample_goes_on_and_one_gone_longer_is_two_spans() -> None:
    gap_of_one = [(0, [line("EXIT")]), (1000, []), (2000, [line("EXIT")])]
    assert summary(spans(gap_of_one, missed=1)) == [("EXIT", 0, 2000)]
    assert summary(spans(gap_of_one, missed=0)) == [("EXIT", 0, 0), ("EXIT", 2000, 2000)]
    gap_of_two = [(0, [line("EXIT")]), (1000, []), (2000, []), (3000, [line("EXIT")])]
    assert summary(spans(gap_of_two, missed=1)) == [("EXIT", 0, 0), ("EXIT", 3000, 3000)]


def test_spans_are_emitted_when_their_line_leaves_and_in_start_order() -> None:
    tracker = TextTracker()
    a, b, c = line("ALPHA", x=0, width=50), line("BRAVO", x=100, width=50), line("ALPHA", x=300)
    assert list(tracker.observe(0, [a, b])) == []
    assert [item.text for item in tracker.observe(1000, [b])] == ["ALPHA"]
    assert list(tracker.observe(2000, [b, c])) == []
    assert [(item.text, item.end_ms) for item in tracker.finish()] == [
        ("BRAVO", 2000),
        ("ALPHA", 2000),
    ]


def test_the_same_text_twice_on_screen_stays_two_spans_by_place() -> None:
    found = spans(
        [
            (0, [line("EXIT", 0.8, x=0, width=50), line("EXIT", 0.9, x=300, width=50)]),
            (1000, [line("EXIT", 0.9, x=302, width=50)]),  # only the right-hand sign is left
        ]
    )
    assert sorted((item.start_ms, item.end_ms, item.polygon[0].x) for item in found) == [
        (0, 0, 0.0),
        (0, 1000, 302.0),
    ]


def test_a_line_read_once_unsurely_is_dropped_and_surely_kept() -> None:
    samples = [(0, [line("Daonnn", 0.35, x=0, width=50), line("9", 0.97, x=300, width=20)])]
    assert summary(spans(samples, single_read=0.5)) == [("9", 0, 0)]
    assert len(spans([*samples, (1000, [line("Daonnn", 0.35, x=0, width=50)])], 0, 0.5)) == 2


def test_the_vote_goes_to_the_group_of_misreads_over_a_more_frequent_other_reading() -> None:
    reads = [line("ASK NOT")] * 2 + [line("ASK NOI"), line("ASK N0T")] + [line("ASKNOI XX")] * 3
    voted = vote(reads)
    assert (voted.winner.text, voted.winner.count) == ("ASK NOT", 2)
    assert [(r.text, r.count) for r in voted.variants] == [
        ("ASKNOI XX", 3),
        ("ASK N0T", 1),
        ("ASK NOI", 1),
    ]


def test_a_tie_goes_to_the_more_confident_reading() -> None:
    voted = vote([line("EXIT", 0.7), line("EXlT", 0.95)])
    assert voted.winner.text == "EXlT" and voted.variants[0].text == "EXIT"


readings = st.lists(
    st.tuples(
        st.sampled_from(["EXIT", "EXlT", "EX1T", "Main St", "Maln St", "9"]), st.floats(0, 1)
    ),
    min_size=1,
    max_size=10,
)


@given(readings, st.randoms(use_true_random=False))
def test_the_vote_returns_one_of_the_readings_whatever_their_order(
    reads: list[tuple[str, float]], shuffler: random.Random
) -> None:
    lines = [line(text, confidence) for text, confidence in reads]
    voted = vote(lines)
    assert voted.winner.text in {text for text, _ in reads}
    assert voted.winner.count + sum(r.count for r in voted.variants) == len(reads)
    assert len({voted.winner.text, *(r.text for r in voted.variants)}) == 1 + len(voted.variants)
    shuffler.shuffle(lines)
    assert vote(lines) == voted
