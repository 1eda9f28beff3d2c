"""Relative links of the Markdown docs: each must name a file that exists and, with a
``#fragment``, a heading of that file (as GitHub derives anchors from headings)."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
# [text](target) and ![alt](target): the target in <angle brackets>, or up to a space (a
# title may follow)
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(?:<([^>]*)>|([^)\s]+))(?:\s+[^)]*)?\)")
HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # http:, mailto:, ...
NOT_IN_ANCHOR = re.compile(r"[^\w\- ]", re.UNICODE)


@dataclass(frozen=True)
class Link:
    source: Path
    target: str

    def __str__(self) -> str:
        return f"{self.source.name}: {self.target}"


def without_code(markdown: str) -> str:
    """The text outside fenced blocks and code spans, where a link is a link."""
    return CODE_SPAN.sub("", FENCE.sub("", markdown))


def link_targets(markdown: str) -> list[str]:
    return [match.group(1) or match.group(2) for match in LINK.finditer(without_code(markdown))]


def anchor(heading: str) -> str:
    """GitHub's anchor of a heading: its text without code marks and punctuation, lower
    case, spaces as hyphens."""
    return NOT_IN_ANCHOR.sub("", heading.strip().lower()).replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """The anchors of every heading; a repeated one also as anchor-1, anchor-2, ..."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for match in HEADING.finditer(FENCE.sub("", markdown)):
        base = anchor(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def relative_links(document: Path) -> Iterator[Link]:
    for target in link_targets(document.read_text(encoding="utf-8")):
        if not EXTERNAL.match(target):
            yield Link(document, target)


def is_broken(link: Link) -> bool:
    path, _, fragment = link.target.partition("#")
    resolved = (link.source.parent / path).resolve() if path else link.source
    if not resolved.exists():
        return True
    if not fragment:
        return False
    if resolved.suffix != ".md":
        return True
    return fragment not in anchors(resolved.read_text(encoding="utf-8"))


def broken_links(documents: list[Path]) -> list[Link]:
    return [link for document in documents for link in relative_links(document) if is_broken(link)]
