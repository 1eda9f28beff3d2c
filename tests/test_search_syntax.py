"""The search text (folding, tokens and their place in the original text), the query
grammar and what it renders for each database, and snippets — no database here;
tests/test_search.py runs the same on PostgreSQL and SQLite."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.db.search_text import MAX_TOKEN_CHARS, search_text, search_tokens, tokens
from pipeline.query.search_syntax import MAX_PHRASE_TOKENS, MAX_TERMS, Term, parse
from pipeline.query.snippets import snippet

ANY_TEXT = st.text(st.characters(codec=None), max_size=60)  # surrogates and NUL included


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Café, École! CASTELLANO", "cafe ecole castellano"),
        ("Cafe\u0301 au lait", "cafe au lait"),  # a combining accent, not a precomposed é
        ("Straße İstanbul ΟΔΟΣ", "strasse istanbul οδοσ"),
        ("ﬁnal ½ x²", "final 1 2 x2"),
        ("e-mail, don't: foo_bar", "e mail don t foo bar"),
        ("日本語 ٣٤ 🎬 \x00 -- ", "日本語 ٣٤"),
        ("", ""),
    ],
)
def test_search_text_is_folded_tokens_joined_by_spaces(text: str, expected: str) -> None:
    assert search_text(text) == expected


@given(ANY_TEXT)
def test_token_spans_give_the_search_tokens_and_cover_their_characters(text: str) -> None:
    found = tokens(text)
    assert [token.text for token in found] == search_tokens(text)
    for token in found:
        assert 0 <= token.start < token.end <= len(text)
        assert token.text[:1] in search_text(text[token.start : token.end])


def test_long_words_are_cut_alike_in_texts_and_queries() -> None:
    word = "x" * 10_000
    assert search_tokens(word) == ["x" * MAX_TOKEN_CHARS]
    assert parse(word).groups == ((Term(("x" * MAX_TOKEN_CHARS,)),),)


GRAMMAR = [
    # query, PostgreSQL to_tsquery, FTS5 (None: nothing can match, no statement)
    ("ask not", "'ask' & 'not'", '"ask" AND "not"'),
    ('"ask not"', "('ask' <-> 'not')", '"ask not"'),
    ('"ASK, Not', "('ask' <-> 'not')", '"ask not"'),  # no closing quote: to the end
    ("cast*", "'cast':*", '"cast"*'),
    ("Cást**", "'cast':*", '"cast"*'),
    ('"ask no*"', "('ask' <-> 'no':*)", '"ask no"*'),
    ('"ask no"*', "('ask' <-> 'no':*)", '"ask no"*'),
    ('"ask* not"', "('ask' <-> 'not')", '"ask not"'),  # a star counts on the last word only
    ("*cast", "'cast'", '"cast"'),
    ("ca*st", "('ca' <-> 'st')", '"ca st"'),
    ("budget or meeting", "('budget' | 'meeting')", '("budget" OR "meeting")'),
    ("a OR b c", "('a' | 'b') & 'c'", '("a" OR "b") AND "c"'),
    ('"or" a', "'or' & 'a'", '"or" AND "a"'),
    ("or a or", "'a'", '"a"'),
    ("budget -meeting", "'budget' & !'meeting'", '("budget") NOT "meeting"'),
    ('budget -"ask not"', "'budget' & !('ask' <-> 'not')", '("budget") NOT "ask not"'),
    ("a or -b", "'a' & !'b'", '("a") NOT "b"'),
    ("e-mail", "('e' <-> 'mail')", '"e mail"'),
    ('don"t know"', "'don' & ('t' <-> 'know')", '"don" AND "t know"'),
    ("budget budget BUDGET", "'budget'", '"budget"'),
    (
        "NEAR(budget AND) {col}: x'; DROP",
        "('near' <-> 'budget') & 'and' & 'col' & 'x' & 'drop'",
        '"near budget" AND "and" AND "col" AND "x" AND "drop"',
    ),
    ("-budget", None, None),
    ("*", None, None),
    ("**", None, None),
    ('"*"', None, None),
    ('"', None, None),
    ('""', None, None),
    ('"' * 10_240, None, None),
    ("-", None, None),
    ("or", None, None),
    ("\x00", None, None),
    ("🎬 & | ! ( ) : <->", None, None),
]


@pytest.mark.parametrize(("q", "tsquery", "fts5"), GRAMMAR, ids=range(len(GRAMMAR)))
def test_the_grammar_renders_alike_for_both_databases(
    q: str, tsquery: str | None, fts5: str | None
) -> None:
    query = parse(q)
    if tsquery is None:
        assert not query.matches_anything
    else:
        assert (query.tsquery(), query.fts5()) == (tsquery, fts5)


QUOTED_LEXEME = re.compile(r"'([^']*)'")
QUOTED_STRING = re.compile(r'"([^"]*)"')


@given(ANY_TEXT | st.text(st.sampled_from('"*-or ab\x00 é'), max_size=40))
def test_only_letters_and_digits_are_quoted_and_all_else_is_our_syntax(q: str) -> None:
    query = parse(q)
    if not query.matches_anything:
        return
    tsquery, fts5 = query.tsquery(), query.fts5()
    lexemes = QUOTED_LEXEME.findall(tsquery)
    assert lexemes and all(lexeme.isalnum() for lexeme in lexemes)
    assert set(QUOTED_LEXEME.sub("", tsquery)) <= set("()&|!<->:* ")
    strings = QUOTED_STRING.findall(fts5)
    assert strings and all(word.isalnum() for s in strings for word in s.split(" "))
    assert set(QUOTED_STRING.sub("", fts5)) <= set("()* ANDORT")


def test_terms_are_deduplicated_and_capped() -> None:
    assert len(parse("budget " * 2000).groups) == 1
    many = parse(" ".join(f"w{index}" for index in range(1000)))
    assert len(many.groups) == MAX_TERMS
    long_phrase = parse('"' + " ".join(f"w{index}" for index in range(100)) + '*"')
    [[term]] = long_phrase.groups
    assert len(term.words) == MAX_PHRASE_TOKENS and not term.prefix


SNIPPETS = [
    ("Un café, s'il vous plaît", "CAFE", "Un <mark>café</mark>, s'il vous plaît"),
    ("Cafe\u0301 noir", "cafe", "<mark>Cafe\u0301</mark> noir"),
    ("ÉCOLE normale", "ecole", "<mark>ÉCOLE</mark> normale"),
    ("Hablo castellano.", "cast*", "Hablo <mark>castellano</mark>."),
    (
        "And so, my fellow Americans: ask not what your country can do for you",
        '"ASK NOT"',
        "And so, my fellow Americans: <mark>ask not</mark> what your country can do for you",
    ),
    ("not ask, ask", '"ask not"', "not ask, ask"),  # the phrase is not there: no mark
    (
        "ask what you can do, ask",
        "ask -country",
        "<mark>ask</mark> what you can do, <mark>ask</mark>",
    ),
    ("budget or meeting", "meeting or budget", "<mark>budget</mark> or <mark>meeting</mark>"),
]


@pytest.mark.parametrize(("text", "q", "expected"), SNIPPETS, ids=range(len(SNIPPETS)))
def test_snippets_mark_the_hits_in_the_original_text(text: str, q: str, expected: str) -> None:
    assert snippet(text, parse(q)) == expected


def test_a_long_text_is_cut_around_the_first_hit() -> None:
    words = [f"w{index}" for index in range(100)]
    words[50] = "Zürich"
    shown = snippet(" ".join(words), parse("zurich"))
    assert (
        shown
        == "…" + " ".join(words[45:50]) + " <mark>Zürich</mark> " + " ".join(words[51:69]) + "…"
    )
    assert snippet(" ".join(words), parse("w99")).endswith("<mark>w99</mark>")
    assert snippet(" ".join(words), parse("w0")).startswith("<mark>w0</mark> w1")


@given(ANY_TEXT, ANY_TEXT)
def test_a_snippet_is_the_text_with_marks(text: str, q: str) -> None:
    shown = snippet(text, parse(q))
    plain = shown.replace("<mark>", "").replace("</mark>", "").strip("…")
    assert plain in text
    assert shown.count("<mark>") == shown.count("</mark>")
