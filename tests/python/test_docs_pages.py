"""The README stays a short front page, and every relative link in it and in docs/ leads somewhere:
a file that exists and, for a `#fragment` into Markdown, a heading that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

FRONT_PAGE_MAX_LINES = 250
PAGES = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]

FENCED_BLOCK = re.compile(r"^```.*?^```", re.M | re.S)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def _prose(text: str) -> str:
    """The text without code, where brackets and parentheses are not links."""
    return INLINE_CODE.sub("", FENCED_BLOCK.sub("", text))


def heading_anchor(heading: str) -> str:
    """The fragment GitHub gives a heading: lower case, punctuation but `-` and `_` dropped,
    spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {heading_anchor(h) for h in HEADING.findall(FENCED_BLOCK.sub("", page.read_text()))}


def broken_links(page: Path) -> list[str]:
    """Every relative link of ``page`` whose file or heading does not exist, as `target: why`."""
    broken = []
    for target in LINK.findall(_prose(page.read_text())):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: leave the project
            continue
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no file {linked}")
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(f"{target}: no heading #{fragment} in {linked.name}")
    return broken


def test_the_readme_is_a_short_front_page():
    lines = len((PROJECT_ROOT / "README.md").read_text().splitlines())
    assert lines < FRONT_PAGE_MAX_LINES, f"README.md has {lines} lines: move reference material to docs/"


def test_the_readme_links_every_docs_page():
    readme_targets = {
        target.partition("#")[0] for target in LINK.findall(_prose((PROJECT_ROOT / "README.md").read_text()))
    }
    unlinked = [page.name for page in PAGES[1:] if f"docs/{page.name}" not in readme_targets]
    assert not unlinked, f"docs pages the README does not link: {unlinked}"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(PROJECT_ROOT).as_posix())
def test_every_relative_link_points_to_an_existing_file_and_heading(page):
    assert broken_links(page) == []


def test_broken_links_finds_a_missing_file_and_a_missing_heading_but_not_code(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "other.md").write_text("# Other\n\n## Reading the shards (`npy`)\n")
    page = tmp_path / "README.md"
    page.write_text(
        "See [other](docs/other.md#reading-the-shards-npy), [here](#see-also) and [web](https://example.com).\n"
        "Broken: [gone](docs/gone.md), [no heading](docs/other.md#writing-the-shards), [self](#nowhere).\n"
        "`[not a link](docs/code.md)`\n\n```python\nx = [a](b)\n```\n\n## See also\n"
    )
    assert broken_links(page) == [
        f"docs/gone.md: no file {tmp_path.resolve() / 'docs' / 'gone.md'}",
        "docs/other.md#writing-the-shards: no heading #writing-the-shards in other.md",
        "#nowhere: no heading #nowhere in README.md",
    ]
