"""How per-sample OCR readings become spans (no model needed)."""

from workers.analyzers.ocr_tracks import TextDetection, TextTracker


def reading(text: str, confidence: float = 0.9, x: float = 10.0) -> TextDetection:
    return TextDetection(text, confidence, ((x, 10.0), (x + 50, 10.0), (x + 50, 30.0), (x, 30.0)))


def spans(samples: list[tuple[int, list[TextDetection]]]) -> list[tuple[str, int, int, float]]:
    tracker = TextTracker()
    found = []
    for timestamp, detections in samples:
        found += tracker.observe(timestamp, detections)
    found += tracker.finish()
    return [(item.text, item.start_ms, item.end_ms, item.confidence) for item in found]


def test_same_text_on_consecutive_samples_is_one_span_with_the_best_reading() -> None:
    assert spans(
        [
            (0, [reading("Hello  world", 0.6)]),
            (1000, [reading("HELLO WORLD", 0.95)]),
            (2000, [reading("hello world ", 0.7)]),
            (3000, []),
        ]
    ) == [("HELLO WORLD", 0, 2000, 0.95)]


def test_text_that_goes_and_comes_back_is_two_spans() -> None:
    assert spans(
        [(0, [reading("EXIT")]), (1000, []), (2000, [reading("EXIT")]), (3000, [reading("EXIT")])]
    ) == [("EXIT", 0, 0, 0.9), ("EXIT", 2000, 3000, 0.9)]


def test_spans_are_emitted_when_their_text_leaves_and_in_start_order() -> None:
    tracker = TextTracker()
    assert list(tracker.observe(0, [reading("A"), reading("B", x=100)])) == []
    assert [item.text for item in tracker.observe(1000, [reading("B", x=100)])] == ["A"]
    assert list(tracker.observe(2000, [reading("B", x=100), reading("C")])) == []
    assert [(item.text, item.end_ms) for item in tracker.finish()] == [("B", 2000), ("C", 2000)]


def test_the_same_text_twice_on_screen_stays_two_tracks_by_place() -> None:
    found = spans(
        [
            (0, [reading("EXIT", 0.8, x=0), reading("EXIT", 0.9, x=300)]),
            (1000, [reading("EXIT", 0.9, x=302)]),  # only the right-hand sign is still there
        ]
    )
    assert sorted(found) == [("EXIT", 0, 0, 0.8), ("EXIT", 0, 1000, 0.9)]


def test_blank_readings_are_ignored() -> None:
    assert spans([(0, [reading("   ")]), (1000, [])]) == []
