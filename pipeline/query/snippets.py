"""Snippets: the text around a search's first hit, the hits wrapped in ``<mark>…</mark>``.
Computed in Python from the original text (its case, accents and punctuation kept) and the
parsed query, for the returned matches only, the same on both databases: the hits are the
stored text's tokens a required term matches, mapped back to the characters they come
from (``pipeline.db.search_text.tokens``)."""

from pipeline.db.search_text import Token, tokens
from pipeline.query.search_syntax import SearchQuery

MARK_START, MARK_END = "<mark>", "</mark>"
ELLIPSIS = "…"
SNIPPET_TOKENS = 24  # words shown at most
CONTEXT_TOKENS = 5  # words shown before the first hit, where there are


def snippet(text: str, query: SearchQuery) -> str:
    found = tokens(text)
    if not found:
        return text
    hits = query.hits(found)
    first = min((start for start, _ in hits), default=0)
    begin = max(0, min(first - CONTEXT_TOKENS, len(found) - SNIPPET_TOKENS))
    end = min(len(found), begin + SNIPPET_TOKENS)
    low = 0 if begin == 0 else found[begin].start
    high = len(text) if end == len(found) else found[end - 1].end
    parts = [ELLIPSIS] if low > 0 else []
    position = low
    for mark_start, mark_end in _marked(found, hits, begin, end):
        parts += [text[position:mark_start], MARK_START, text[mark_start:mark_end], MARK_END]
        position = mark_end
    parts.append(text[position:high])
    if high < len(text):
        parts.append(ELLIPSIS)
    return "".join(parts)


def _marked(
    found: list[Token], hits: list[tuple[int, int]], begin: int, end: int
) -> list[tuple[int, int]]:
    """The character spans of the hits within tokens [begin, end), overlapping ones merged,
    in order."""
    spans = sorted(
        (found[max(first, begin)].start, found[min(last, end) - 1].end)
        for first, last in hits
        if first < end and last > begin
    )
    merged: list[tuple[int, int]] = []
    for start, stop in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged
