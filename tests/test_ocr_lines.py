"""How the boxes read on one frame become lines, and which reads are dropped as noise (no
model needed)."""

import random

from hypothesis import given
from hypothesis import strategies as st

from workers.analyzers.ocr_lines import ReadFilter, TextDetection, TextLine, group_lines

GAP, HEIGHT_RATIO = 2.0, 1.8


def box(
    text: str, left: float, top: float, width: float, height: float = 20.0, confidence: float = 0.9
) -> TextDetection:
    right, bottom = left + width, top + height
    return TextDetection(
        text, confidence, ((left, top), (right, top), (right, bottom), (left, bottom))
    )


def texts(lines: list[TextLine]) -> list[str]:
    return [line.text for line in lines]


def test_words_side_by_side_are_one_line_left_to_right_with_the_union_box() -> None:
    ask, not_ = box("ASK", 30, 60, 120, 60, 0.8), box("NOT", 171, 61, 122, 62, 1.0)
    [line] = group_lines([not_, ask], GAP, HEIGHT_RATIO)
    assert line.text == "ASK NOT" and line.words == (ask, not_)
    assert line.box == (30, 60, 293, 123)
    assert line.polygon == ((30, 60), (293, 60), (293, 123), (30, 123))
    assert line.confidence == (3 * 0.8 + 3 * 1.0) / 6


def test_a_scoreboard_with_wide_gaps_is_one_line() -> None:
    """As EasyOCR read 'MADRID   2 - 1   ATLETICO' (tests/data/captions.json)."""
    found = [
        box("ATLETICO", 222, 18, 102, 26),
        box("1", 177, 23, 14, 18),
        box("2 -", 129, 23, 38, 20),
        box("MADRID", 17, 21, 78, 20),
    ]
    assert texts(group_lines(found, GAP, HEIGHT_RATIO)) == ["MADRID 2 - 1 ATLETICO"]


def test_two_line_caption_and_text_in_two_places_stay_apart() -> None:
    found = [
        box("Route 42 to the city centre", 28, 262, 300, 30),
        box("Next stop: Main Street", 28, 294, 252, 29),
        box("EXIT", 536, 294, 66, 26),  # on the second line's height, far to the right
    ]
    lines = group_lines(found, GAP, HEIGHT_RATIO)
    assert texts(lines) == ["Route 42 to the city centre", "Next stop: Main Street", "EXIT"]


def test_stacked_words_and_a_small_label_beside_a_title_stay_apart() -> None:
    stacked = [box("cero", 438, 184, 52, 32), box("emisiones", 435, 198, 107, 47)]
    assert sorted(texts(group_lines(stacked, GAP, HEIGHT_RATIO))) == ["cero", "emisiones"]
    title_and_label = [box("NEWS", 20, 20, 200, 80), box("live", 230, 50, 40, 20)]
    assert len(group_lines(title_and_label, GAP, HEIGHT_RATIO)) == 2


def test_blank_reads_are_no_words() -> None:
    assert group_lines([box("  ", 0, 0, 10)], GAP, HEIGHT_RATIO) == []


detections = st.builds(
    box,
    st.sampled_from(["A", "NOT", "9", "exit", "Main Street"]),
    st.integers(0, 400),
    st.integers(0, 200),
    st.integers(4, 120),
    st.integers(4, 60),
    st.sampled_from([0.3, 0.6, 0.9]),
)


@given(st.lists(detections, max_size=12), st.randoms(use_true_random=False))
def test_grouping_does_not_depend_on_the_detections_order(
    found: list[TextDetection], shuffler: random.Random
) -> None:
    shuffled = list(found)
    shuffler.shuffle(shuffled)
    lines = group_lines(found, GAP, HEIGHT_RATIO)
    assert group_lines(shuffled, GAP, HEIGHT_RATIO) == lines
    grouped = sorted(word.order() for line in lines for word in line.words)
    assert grouped == sorted(detection.order() for detection in found)  # each once
    for line in lines:
        lefts = [word.box[0] for word in line.words]
        assert lefts == sorted(lefts)


FILTER = ReadFilter(min_chars=1, min_alnum_share=0.5, short_chars=3, short_confidence=0.5)


def line_of(text: str, confidence: float) -> TextLine:
    return TextLine((box(text, 0, 0, 50, confidence=confidence),))


def test_real_short_text_is_kept_and_unsure_glyphs_are_dropped() -> None:
    assert FILTER.keeps(line_of("9", 0.95))
    assert FILTER.keeps(line_of("EXIT", 0.4))  # long enough to need no more than the floor
    assert FILTER.keeps(line_of("Next stop: Main Street", 0.4))
    assert not FILTER.keeps(line_of("P", 0.49))
    assert not FILTER.keeps(line_of("~ -", 0.99))  # no letter or digit
    assert not FILTER.keeps(line_of("[( %} 1", 0.9))  # mostly punctuation


@given(st.text(max_size=12), st.floats(0, 1))
def test_a_kept_read_has_enough_letters_and_digits(text: str, confidence: float) -> None:
    line = line_of(text or "x", confidence)
    if FILTER.keeps(line):
        characters = line.text.replace(" ", "")
        alnum = sum(c.isalnum() for c in characters)
        assert alnum >= 1 and alnum >= 0.5 * len(characters)
        assert alnum >= 3 or confidence >= 0.5
