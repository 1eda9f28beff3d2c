"""Every relative link of README.md and docs/*.md leads to a file that exists and, with a
#fragment, to a heading of that file."""

from pathlib import Path

import pytest

from tests.support.doc_links import Link, anchors, broken_links, is_broken, link_targets

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_the_readme_and_the_docs_have_no_broken_link() -> None:
    assert [str(link) for link in broken_links(DOCUMENTS)] == []


def test_the_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 300


@pytest.mark.parametrize(
    ("markdown", "targets"),
    [
        ("see [cli](docs/cli.md) and ![shot](a.png)", ["docs/cli.md", "a.png"]),
        ('[x](docs/cli.md#eioku-analyze "title")', ["docs/cli.md#eioku-analyze"]),
        ("[x](<with space.md>)", ["with space.md"]),
        ("`[not](a-link.md)` and ``[nor](this.md)``", []),
        ("```\n[fenced](away.md)\n```\n[kept](k.md)", ["k.md"]),
        ("[a [nested] text](n.md)", ["n.md"]),
        ("| [in](table.md) \\| cell |", ["table.md"]),
        (
            "[ext](https://example.com/x.md) [mail](mailto:a@b.c)",
            ["https://example.com/x.md", "mailto:a@b.c"],
        ),
        ("no link [here] (x.md)", []),
    ],
)
def test_links_are_found_outside_code(markdown: str, targets: list[str]) -> None:
    assert link_targets(markdown) == targets


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("# Eioku", {"eioku"}),
        ("## `eioku analyze PATH... [options]`", {"eioku-analyze-path-options"}),
        ("### Installing and upgrading", {"installing-and-upgrading"}),
        ("## Settings (environment)", {"settings-environment"}),
        ("## GPU workers ##", {"gpu-workers"}),
        ("## HTTP\n## HTTP\n## HTTP", {"http", "http-1", "http-2"}),
        ("## `EIOKU_*` names", {"eioku_-names"}),
        ("```\n# not a heading\n```\n#also-not", set()),
        ("## Ünïcode ok", {"ünïcode-ok"}),
    ],
)
def test_heading_anchors_are_githubs(markdown: str, expected: set[str]) -> None:
    assert anchors(markdown) == expected


@pytest.mark.parametrize(
    ("target", "broken"),
    [
        ("other.md", False),
        ("other.md#a-heading", False),
        ("other.md#no-such-heading", True),
        ("missing.md", True),
        ("#own-heading", False),
        ("#nowhere", True),
        ("picture.png", False),
        ("picture.png#fragment", True),
        ("../outside.md", True),
    ],
)
def test_a_link_is_broken_without_its_file_or_heading(
    tmp_path: Path, target: str, broken: bool
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "other.md").write_text("# Other\n\n## A heading\n")
    (docs / "picture.png").write_bytes(b"\x89PNG")
    source = docs / "source.md"
    source.write_text(f"## Own heading\n\n[link]({target})\n")
    assert is_broken(Link(source, target)) is broken
