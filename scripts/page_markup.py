"""MkDocs hook: markup that makes pages easier to use, added to each page's HTML.

- A `pycon` transcript's copy button copies runnable code: the statements without their
  `>>>`/`...` prompts and without the printed output (Material copies an ancestor's
  `data-copy` attribute instead of the block's text when there is one).
- Code in a table wraps only between tokens: each run of non-blank characters is marked
  `dl-token` (kept on one line by extra.css), so `momentum=0.9` or `SGD(lr=α(1-β),` is never
  split across lines in a narrow column.
"""

from __future__ import annotations

import doctest
import html
import re

PYCON_BLOCK = re.compile(r'<div class="language-pycon highlight">(.*?)</pre>', re.DOTALL)
TAG = re.compile(r"<[^>]*>")
TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL)
CODE = re.compile(r"(<code\b[^>]*>)(.*?)(</code>)", re.DOTALL)
TAG_OR_TOKEN = re.compile(r"<[^>]*>|[^<\s]+")


def pycon_source(transcript: str) -> str:
    """The statements of a doctest transcript, prompts and output removed."""
    examples = doctest.DocTestParser().get_examples(transcript)
    return "".join(example.source for example in examples)


def add_copy_text(html_text: str) -> str:
    """Give every pycon block a `data-copy` attribute holding its runnable source."""

    def copy_attribute(match: re.Match[str]) -> str:
        code = html.unescape(TAG.sub("", match.group(1)))
        source = pycon_source(code)
        if not source:
            return match.group(0)
        attribute = html.escape(source, quote=True)
        return match.group(0).replace(
            '<div class="language-pycon highlight">',
            f'<div class="language-pycon highlight" data-copy="{attribute}">',
            1,
        )

    return PYCON_BLOCK.sub(copy_attribute, html_text)


def mark_tokens(html_text: str) -> str:
    """Wrap each run of non-blank characters of the code in tables in `span.dl-token`."""

    def token(match: re.Match[str]) -> str:
        text = match.group(0)
        return text if text.startswith("<") else f'<span class="dl-token">{text}</span>'

    def tokens(code: re.Match[str]) -> str:
        return code.group(1) + TAG_OR_TOKEN.sub(token, code.group(2)) + code.group(3)

    return TABLE.sub(lambda table: CODE.sub(tokens, table.group(0)), html_text)


def on_page_content(html_text: str, page, config, files) -> str:
    return mark_tokens(add_copy_text(html_text))
