"""No code a reader sees scrolls sideways: every displayed code line is at most 88 characters.

Statically, from the Markdown (the fences as `scripts/pagecode.py` reads them): transcripts
(inputs and outputs), plain Python blocks, and the source of executed blocks that show it
(`source="..."`), without the lines markdown-exec hides. In the built site, every line of every
code block, which adds what executed blocks print and the docstring examples of the reference
pages.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from pagecode import HIDE, RUNNABLE, Block, fences

from sitetools import DOCS, StrictSite

MAX_CHARS = 88
PAGES = sorted(DOCS.rglob("*.md"))
PRE = re.compile(r"<pre\b.*?</pre>", re.DOTALL)
TAG = re.compile(r"<[^>]+>")


def displayed_lines(block: Block) -> list[tuple[int, str]]:
    """`(line number in the page, text)` of each code line the page shows for `block`."""
    shown = "source" in block.attrs if block.executes else block.lang in RUNNABLE
    if not shown:
        return []
    lines = enumerate(block.body.splitlines(), start=block.line + 1)
    return [(n, text) for n, text in lines if not (block.executes and HIDE in text)]


def too_wide(lines: list[tuple[int, str]]) -> list[str]:
    return [f"{n}: {len(text)} characters: {text}" for n, text in lines if len(text) > MAX_CHARS]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_displayed_code_fits(page: Path) -> None:
    wide = [
        f"{page.relative_to(DOCS)}:{problem}"
        for _, _, block in fences(page.read_text(encoding="utf-8"))
        for problem in too_wide(displayed_lines(block))
    ]
    assert wide == [], f"code lines over {MAX_CHARS} characters:\n" + "\n".join(wide)


def test_every_code_block_of_the_built_site_fits(strict_site: StrictSite) -> None:
    wide = []
    for page in sorted(strict_site.path.rglob("index.html")):
        for pre in PRE.findall(page.read_text(encoding="utf-8")):
            text = html.unescape(TAG.sub("", pre))
            lines = list(enumerate(text.splitlines(), start=1))
            where = page.parent.relative_to(strict_site.path)
            wide += [f"{where}/ block line {problem}" for problem in too_wide(lines)]
    assert wide == [], f"code lines over {MAX_CHARS} characters:\n" + "\n".join(wide)


@pytest.mark.parametrize(
    ("fence", "shown"),
    [
        ("```pycon\n>>> x = 1\n" + "1" * 89 + "\n```", ["1" * 89]),
        ("```python\n" + "y" * 89 + "\n```", ["y" * 89]),
        ('```python exec="on"\n' + "z" * 89 + "\n```", []),
        ('```python exec="on" source="above"\n' + "w" * 89 + "\n```", ["w" * 89]),
        (f'```python exec="on" source="above"\nassert {"v" * 89}  # {HIDE}\n```', []),
        ('    ```python exec="on" source="above"\n    ' + "u" * 89 + "\n    ```", ["u" * 89]),
        ("```text\n" + "t" * 89 + "\n```", []),
    ],
    ids=["pycon-output", "python", "exec-hidden", "exec-source", "hide", "indented", "text"],
)
def test_the_check_reads_what_the_page_shows(fence: str, shown: list[str]) -> None:
    [(_, _, block)] = fences(fence)
    lines = displayed_lines(block)
    assert [text for _, text in lines if len(text) > MAX_CHARS] == shown
    assert all(fence.splitlines()[n - 1].strip() == text.strip() for n, text in lines)
