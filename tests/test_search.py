"""Search on PostgreSQL and SQLite alike: phrases, prefixes, case and accents, `or` and
exclusions give the same answers on both; the new syntax's hostile strings give results or
nothing; properties over any string, a phrase of a stored text's consecutive words and a
prefix of a stored word; the global text jump's texts and snippets; the demo's real
transcript."""

from collections.abc import Callable

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pipeline.analysis.catalog import AnalyzerCatalog
from pipeline.coordinator.in_process import analyze_file
from pipeline.coordinator.planning import AnalysisRequest
from pipeline.db.engine import Database
from pipeline.db.repositories import SelectionPolicyManager
from pipeline.db.search_text import search_text, search_tokens, tokens
from pipeline.demo import SAMPLE_VIDEO
from pipeline.query.find import TextMatch, find_text
from pipeline.query.jump import jump_global
from pipeline.query.kinds import Direction
from pipeline.settings import load_settings
from tests.support.factories import clear_tables
from tests.test_query import EXAMPLES, TRANSCRIPT, new_video, ocr, segment, sources_for, store

TEXTS = {  # name: (kind, text)
    "jfk": ("transcript", "And so, my fellow Americans: ask not what your country can do for you"),
    "ask": ("transcript", "ask"),  # "ask" and "not" apart: never the phrase "ask not"
    "not": ("transcript", "not"),
    "reversed": ("transcript", "Not ask."),
    "castellano": ("transcript", "Hablo castellano y catalán"),
    "casting": ("ocr", "CASTING CALL"),
    "cafe": ("ocr", "Café de l'École"),
    "strasse": ("transcript", "Die Straße"),
    "budget": ("ocr", "BUDGET 2024"),
    "meeting": ("transcript", "the budget meeting"),
}

CASES = [
    ('"ask not"', {"jfk"}),
    ('"ASK NOT', {"jfk"}),  # no closing quote: a phrase to the end
    ("ask not", {"jfk", "reversed"}),
    ('"not ask"', {"reversed"}),
    ("cast", set()),
    ("cast*", {"castellano", "casting"}),
    ("CAST**", {"castellano", "casting"}),
    ("CASTELLANO", {"castellano"}),
    ("cafe", {"cafe"}),
    ("ecole", {"cafe"}),
    ("ÉCOLE", {"cafe"}),
    ("catalan", {"castellano"}),
    ("strasse", {"strasse"}),
    ("STRAẞE", {"strasse"}),
    ("l'école", {"cafe"}),
    ('"fellow americans" country', {"jfk"}),
    ('"americans ask no*"', {"jfk"}),
    ("budget or castellano", {"budget", "meeting", "castellano"}),
    ("budget -meeting", {"budget"}),
    ('ask -"ask not"', {"ask", "reversed"}),
    ("2024", {"budget"}),
    ("20*", {"budget"}),
    ("*", set()),
    ('"*"', set()),
    ("-budget", set()),
    ("or", set()),
    ('"or"', set()),
]


def store_texts(db: Database, video: str, texts: dict[str, tuple[str, str]]) -> dict[str, str]:
    """One transcript run and one OCR run holding ``texts``; artifact id -> name."""
    names: dict[str, str] = {}
    for kind, artifact_type, payload in (
        ("transcript", "transcript.segment", segment),
        ("ocr", "ocr.text", ocr),
    ):
        chosen = [name for name, (of, _) in texts.items() if of == kind]
        ids = store(db, video, artifact_type, [payload(i * 1000, texts[n][1]) for i, n in
                                               enumerate(chosen)])  # fmt: skip
        names.update(zip(ids, chosen, strict=True))
    return names


def found(db: Database, video: str, q: str) -> list[TextMatch]:
    with db.sessions() as session:
        manager = SelectionPolicyManager(session)
        return find_text(session, manager, video, q, sources_for("all"), limit=100)


@pytest.mark.parametrize(("q", "expected"), CASES, ids=[q for q, _ in CASES])
def test_the_same_matches_on_both_databases(db: Database, q: str, expected: set[str]) -> None:
    video = new_video(db)
    names = store_texts(db, video, TEXTS)
    assert {names[match.artifact_id] for match in found(db, video, q)} == expected


def test_snippets_keep_the_original_text(db: Database) -> None:
    video = new_video(db)
    store_texts(db, video, TEXTS)
    [cafe] = found(db, video, "ecole")
    assert cafe.snippet == "Café de l'<mark>École</mark>"
    [jfk] = found(db, video, '"ASK NOT"')
    assert "Americans: <mark>ask not</mark> what" in jfk.snippet
    assert [m.snippet for m in found(db, video, "cast*")] == [
        "<mark>CASTING</mark> CALL",  # on screen from 0 ms
        "Hablo <mark>castellano</mark> y catalán",
    ]


HOSTILE = [
    '"', '""', '"""', "*", "**", '"*"', "a**", "*a*", 'ask"not', 'ask"not"what', '"ask"not"',
    '"' * 10_240, "*" * 10_240, "-" * 10_240, "or " * 3_000, "a*" * 5_000, '"ask not\x00',
    '\x00"*', 'ünï"cödé*', "🎬*", '-"', "-*", '"-ask"', "ask**not", '" or "', "'", "\\'",
    ":*", "ask:*", "'ask':*", "<->", "ask <-> not", "!ask", "a & b | c", "NOT ask",
    "ask NEAR not", "^ask", "ask:", "col:ask", "\ud800ask\udfff", "ǅ*", "\u0301*", "½*",
]  # fmt: skip


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_the_new_syntax_never_fails(db: Database, q: str) -> None:
    video = new_video(db)
    names = store_texts(db, video, TEXTS)
    assert all(match.artifact_id in names for match in found(db, video, q))
    with db.sessions() as session:
        jumped = jump_global(session, SelectionPolicyManager(session), TRANSCRIPT,
                             Direction.NEXT, None, 0, query=q)  # fmt: skip
    assert all(set(target.artifact_ids) <= set(names) for target in jumped)


ANY_QUERY = st.text(st.characters(codec=None), max_size=80) | st.text(
    st.sampled_from('"*- or\x00asknotéÉ'), max_size=40
)


@EXAMPLES
@given(q=ANY_QUERY)
def test_any_string_gives_results_or_nothing(db: Database, q: str) -> None:
    clear_tables(db)
    video = new_video(db)
    store_texts(db, video, TEXTS)
    found(db, video, q)
    with db.sessions() as session:
        jump_global(session, SelectionPolicyManager(session), TRANSCRIPT, Direction.PREV,
                    video, 5_000, query=q)  # fmt: skip


# Letters with accents, cases and ligatures, digits, CJK, Greek, marks, punctuation; no
# quote (a quote in the text would end the phrase typed from it).
WORDISH = st.text(
    st.sampled_from(list("abcdeéèñçßøœ ABCÉÑ 0123456789 日本語 ΣσςΩ ﬁ½² ,.;:!?'-()*\u0301 ")),
    min_size=1,
    max_size=60,
)
TYPED: dict[str, Callable[[str], str]] = {
    "as stored": lambda s: s,
    "upper case": str.upper,
    "swapped case": str.swapcase,
    "folded": search_text,
}


@EXAMPLES
@given(text=WORDISH, other=WORDISH, data=st.data())
def test_a_phrase_of_consecutive_words_finds_its_text(
    db: Database, text: str, other: str, data: st.DataObject
) -> None:
    words = tokens(text)
    assume(words)
    first = data.draw(st.integers(0, len(words) - 1))
    last = data.draw(st.integers(first, len(words) - 1))
    typed = data.draw(st.sampled_from(sorted(TYPED)))
    typed_words = text[words[first].start : words[last].end]
    # a character folding to two tokens (½: 1, 2) may give the cut more words than chosen
    assume(search_tokens(typed_words) == [word.text for word in words[first : last + 1]])
    phrase = TYPED[typed](typed_words)
    clear_tables(db)
    video = new_video(db)
    names = store_texts(db, video, {"text": ("ocr", text), "other": ("transcript", other)})
    assert "text" in {names[match.artifact_id] for match in found(db, video, f'"{phrase}"')}


@EXAMPLES
@given(text=WORDISH, data=st.data())
def test_a_prefix_of_a_stored_word_finds_its_text(
    db: Database, text: str, data: st.DataObject
) -> None:
    words = tokens(text)
    assume(words)
    word = data.draw(st.sampled_from(words)).text
    prefix = word[: data.draw(st.integers(1, len(word)))]
    clear_tables(db)
    video = new_video(db)
    names = store_texts(db, video, {"text": ("transcript", text)})
    assert [names[match.artifact_id] for match in found(db, video, prefix.upper() + "*")] == [
        "text"
    ]


def test_a_global_text_jump_carries_texts_and_snippets(db: Database) -> None:
    first, second = sorted(new_video(db) for _ in range(2))
    said = [segment(100, "Ask not, ask!"), segment(100, "ask what"), segment(800, "not ask")]
    store(db, first, "transcript.segment", said)
    store(db, second, "transcript.segment", [segment(300, "And so: ASK NOT what")])
    with db.sessions() as session:
        targets = jump_global(session, SelectionPolicyManager(session), TRANSCRIPT,
                              Direction.NEXT, None, 0, query='"ask not"')  # fmt: skip
    assert [(t.video_id, t.start_ms) for t in targets] == [(first, 100), (second, 300)]
    [spoken] = targets[0].texts or []
    assert (spoken.artifact_id, spoken.text) == (targets[0].artifact_ids[0], "Ask not, ask!")
    assert spoken.snippet == "<mark>Ask not</mark>, ask!"
    assert [t.snippet for t in targets[1].texts or []] == ["And so: <mark>ASK NOT</mark> what"]


@pytest.mark.slow
def test_the_demo_transcript_is_found_by_phrase(db: Database) -> None:
    """The words tiny.en hears in the demo sample, analyzed and stored by the real path."""
    catalog = AnalyzerCatalog(load_settings())
    request = AnalysisRequest(analyzers=["transcript"], profile="fast", overrides={})
    report = analyze_file(db, catalog, str(SAMPLE_VIDEO), request)
    assert [run.outcome for run in report.runs] == ["succeeded"]
    video = report.video_id
    assert video is not None
    [said] = found(db, video, '"ASK NOT what your"')
    assert "<mark>ask not what your</mark>" in said.snippet.lower()
    assert found(db, video, '"not ask"') == []
    assert found(db, video, "countr*") != []
