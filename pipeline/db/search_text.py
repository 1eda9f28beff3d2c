"""The searchable form of a text, computed in Python so that both databases match the same
words: case folded (``str.casefold``), compatibility-decomposed (NFKD) with the combining
marks dropped (``Café`` -> ``cafe``, ``ﬁ`` -> ``fi``, ``²`` -> ``2``), cut into tokens at
every character that is not a letter or digit, and joined by single spaces. Stored beside
the text in ``artifact_text`` (``search_text``): PostgreSQL's tsvector and SQLite's FTS5
index index it, and a user's query is folded by the same functions
(``pipeline.query.search_syntax``), so neither database's own case or accent handling
(locale-dependent; ``unaccent`` is an extension a server may lack) takes part.

Changing what these functions produce changes the stored search text: it needs a migration
that recomputes it (as 0011 computed it first).
"""

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

MAX_TOKEN_CHARS = 255
"""Longer tokens are cut to this many characters, in stored texts and queries alike:
PostgreSQL ignores a word over 2047 bytes (with a notice), FTS5 would not."""

_TOKEN = re.compile(r"[^\W_]+")  # runs of letters and digits (str.isalnum)


def folded(text: str) -> str:
    """Case folded, NFKD, combining marks removed: the same as folding each character
    alone and joining the results (NFKD reorders only combining marks, which go), which
    is what lets ``tokens`` map every token back to the characters it comes from."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def search_tokens(text: str) -> list[str]:
    return [token[:MAX_TOKEN_CHARS] for token in _TOKEN.findall(folded(text))]


def search_text(text: str) -> str:
    """What the databases index for ``text``: its tokens, space-separated."""
    return " ".join(search_tokens(text))


class Token(NamedTuple):
    """A token of ``search_tokens`` and the characters of the original text it comes from:
    ``text[start:end]`` (a tuple: cheaper to make than a dataclass, per word of each text
    a snippet is computed for)."""

    text: str
    start: int
    end: int


@lru_cache(maxsize=4096)
def _folded_char(char: str) -> str:
    return folded(char)


def tokens(text: str) -> list[Token]:
    """The tokens of ``search_tokens(text)`` with their place in ``text`` (for snippets).
    A token ends after the last character it comes from and the marks that folded away
    behind it; a character folding to several tokens (``½``: ``1``, ``2``) is in each."""
    if text.isascii():  # folding keeps every character in place
        return [
            Token(found.group()[:MAX_TOKEN_CHARS], found.start(), found.end())
            for found in _TOKEN.finditer(text.lower())
        ]
    pieces = [_folded_char(char) for char in text]
    origin = [index for index, piece in enumerate(pieces) for _ in piece]  # per folded char
    joined = "".join(pieces)
    return [
        Token(
            found.group()[:MAX_TOKEN_CHARS],
            origin[found.start()],
            max(
                origin[found.end() - 1] + 1,
                origin[found.end()] if found.end() < len(joined) else len(text),
            ),
        )
        for found in _TOKEN.finditer(joined)
    ]
