"""What a user's search string means, the same on both databases, and what each database
is given for it. Parsed in Python into terms folded like the stored text
(``pipeline.db.search_text``), then rendered to a PostgreSQL ``to_tsquery`` string or an
FTS5 query in which every token is a quoted run of letters and digits: nothing the user
types is syntax to either database.

The grammar (docs/cli.md, "eioku find"):

- ``ask not``: both words, anywhere in one text, in any order;
- ``"ask not"``: a phrase, the words adjacent and in this order (a closing quote missing:
  to the end of the string);
- ``cast*``: a word starting with ``cast``; on a phrase, its last word (``"ask no*"``);
- ``budget or meeting``: either (``or``, in any case, joins the words or phrases beside it;
  ``"or"`` is the word);
- ``-meeting``: texts without the word (or ``-"a phrase"``); exclusions alone find nothing;
- a word with punctuation inside (``e-mail``, ``don't``) is the phrase of its parts, as in
  the stored text; any other character separates words and is otherwise ignored.

At most ``MAX_TERMS`` distinct terms of at most ``MAX_PHRASE_TOKENS`` words each count, so a
10 kB string costs what a sentence does.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pipeline.db.search_text import Token, tokens

MAX_TERMS = 32
MAX_PHRASE_TOKENS = 32
QUOTE, STAR, MINUS = '"', "*", "-"


@dataclass(frozen=True)
class Term:
    """One word, or a phrase: ``words`` adjacent in this order; with ``prefix`` the last
    is a prefix."""

    words: tuple[str, ...]
    prefix: bool = False

    def tsquery(self) -> str:
        lexemes = [f"'{word}'" for word in self.words]
        if self.prefix:
            lexemes[-1] += ":*"
        return lexemes[0] if len(lexemes) == 1 else "(" + " <-> ".join(lexemes) + ")"

    def fts5(self) -> str:
        return '"' + " ".join(self.words) + '"' + (STAR if self.prefix else "")

    def starts(self, words: Sequence[str]) -> list[int]:
        """Where in a text's ``words`` this term matches."""
        *exact, last = self.words
        width = len(self.words)
        return [
            index
            for index in range(len(words) - width + 1)
            if words[index + width - 1].startswith(last)
            and (self.prefix or len(words[index + width - 1]) == len(last))
            and all(words[index + offset] == word for offset, word in enumerate(exact))
        ]


@dataclass(frozen=True)
class SearchQuery:
    """Every group must match (any one of its terms), no exclusion may."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...]

    @property
    def matches_anything(self) -> bool:
        """Whether a text can match: exclusions alone match nothing."""
        return bool(self.groups)

    def tsquery(self) -> str:
        """For ``to_tsquery('simple', ...)``."""
        required = [_joined([term.tsquery() for term in group], " | ") for group in self.groups]
        return " & ".join([*required, *(f"!{term.tsquery()}" for term in self.excluded)])

    def fts5(self) -> str:
        """An FTS5 MATCH expression (NOT is binary in FTS5: it follows the required part)."""
        query = " AND ".join(
            _joined([term.fts5() for term in group], " OR ") for group in self.groups
        )
        for term in self.excluded:
            query = f"({query}) NOT {term.fts5()}"
        return query

    def hits(self, found: Sequence[Token]) -> list[tuple[int, int]]:
        """The [first, last) token ranges of ``found`` that a required term matches."""
        words = [token.text for token in found]
        terms = {term for group in self.groups for term in group}
        return [(index, index + len(term.words)) for term in terms for index in term.starts(words)]


def _joined(parts: list[str], operator: str) -> str:
    return parts[0] if len(parts) == 1 else "(" + operator.join(parts) + ")"


@dataclass(frozen=True)
class _Item:
    """A word or phrase as typed: ``term`` None when it holds no letter or digit."""

    term: Term | None
    negated: bool = False
    is_or: bool = False


def parse(q: str) -> SearchQuery:
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    counted: set[tuple[Term, bool]] = set()
    after_required = joining = False  # the last term was required / an `or` followed it
    for item in _items(q):
        if item.is_or:
            joining = after_required
            continue
        term = item.term
        if term is None:
            continue
        key = (term, item.negated)
        if key not in counted:
            if len(counted) == MAX_TERMS:
                continue
            counted.add(key)
        if item.negated:
            excluded.append(term)
        elif joining:
            groups[-1].append(term)
        else:
            groups.append([term])
        after_required, joining = not item.negated, False
    distinct = dict.fromkeys(tuple(dict.fromkeys(group)) for group in groups)
    return SearchQuery(tuple(distinct), tuple(dict.fromkeys(excluded)))


def _items(q: str) -> Iterator[_Item]:
    """The string's words and phrases in order: a phrase runs from a quote to the next
    (or the end), a word to the next space or quote; ``-`` starting either excludes it."""
    position, length = 0, len(q)
    while position < length:
        char = q[position]
        if char.isspace():
            position += 1
            continue
        negated = char == MINUS and position + 1 < length and not q[position + 1].isspace()
        if negated:
            position += 1
        if q[position] == QUOTE:
            closing = q.find(QUOTE, position + 1)
            end = length if closing < 0 else closing
            raw, position = q[position + 1 : end], min(length, end + 1)
            starred = position < length and q[position] == STAR
            while position < length and q[position] == STAR:
                position += 1
            term = _term(raw + (STAR if starred else ""))
        else:
            end = position
            while end < length and not q[end].isspace() and q[end] != QUOTE:
                end += 1
            raw, position = q[position:end], end
            if not negated and raw.casefold() == "or":
                yield _Item(None, is_or=True)
                continue
            term = _term(raw)
        yield _Item(term, negated)


def _term(raw: str) -> Term | None:
    """The term of a word or a phrase's inside: its tokens, the last a prefix when a ``*``
    follows it directly (only stars after it)."""
    found = tokens(raw)
    if not found:
        return None
    words = tuple(token.text for token in found[:MAX_PHRASE_TOKENS])
    stripped = raw.rstrip()
    bare = stripped.rstrip(STAR)
    prefix = len(found) <= MAX_PHRASE_TOKENS and bare != stripped and found[-1].end == len(bare)
    return Term(words, prefix)
