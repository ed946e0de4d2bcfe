"""MkDocs hooks: fail the strict build on pages that would render wrongly without an error.

Each problem is logged as a warning, which `mkdocs build --strict` turns into a failure:

- a code fence that superfences gave up on: its backticks are left in a paragraph and the
  rest of the page turns into nested blockquotes, while the build reports nothing;
- TeX that MathJax would reject in the reader's browser: a control sequence that no part of
  the vendored MathJax defines (`\\sigmaa`), or unbalanced braces (`\\frac{1`). The browser
  tests catch the rest (such as a missing argument) by typesetting every page.
"""

from __future__ import annotations

import html
import logging
import os
import re
from functools import cache
from pathlib import Path

# Page code runs with one BLAS thread, as the tests do (conftest.py): small matrices are
# faster that way on a shared machine, and every build computes in the same order.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

log = logging.getLogger("mkdocs.plugins.build_checks")

# Either the backticks survive as text, or they become inline code: `python session="..."`.
LEFTOVER_FENCE = re.compile(r'<p>(?:[^<]*(?:```|~~~)|<code>[\w+-]+\s+[\w-]+=")')
MATH = re.compile(r'<(span|div) class="arithmatex">(.*?)</\1>', re.DOTALL)
CONTROL_SEQUENCE = re.compile(r"\\([A-Za-z]+)")
MATHJAX = Path(__file__).resolve().parent.parent / "docs" / "javascripts" / "mathjax"


@cache
def known_control_sequences() -> frozenset[str]:
    """Every name the vendored MathJax could define: keys and strings in its sources.

    Generous on purpose (any identifier in the code counts), so that only a name MathJax
    certainly lacks is reported.
    """
    names: set[str] = set()
    for js in sorted(MATHJAX.rglob("*.js")):
        text = js.read_text(encoding="utf-8")
        names.update(re.findall(r"[A-Za-z]+", text))
    return frozenset(names)


def math_problems(tex: str) -> list[str]:
    """What MathJax would reject in one piece of TeX (with its delimiters)."""
    problems = [
        f"undefined control sequence \\{name}"
        for name in CONTROL_SEQUENCE.findall(tex)
        if name not in known_control_sequences()
    ]
    depth = 0
    for brace in re.findall(r"\\[{}]|[{}]", tex):
        if brace in ("{", "}"):
            depth += 1 if brace == "{" else -1
            if depth < 0:
                break
    if depth != 0:
        problems.append("unbalanced braces")
    return problems


def on_page_content(html_text: str, page, config, files) -> str:
    match = LEFTOVER_FENCE.search(html_text)
    if match:
        snippet = html_text[match.start() : match.start() + 80].replace("\n", " ")
        log.warning(
            "%s: a code fence was not recognised and is rendered as text: %r",
            page.file.src_uri,
            snippet,
        )
    for math in MATH.finditer(html_text):
        tex = html.unescape(math.group(2)).strip()
        for problem in math_problems(tex):
            log.warning("%s: %s in %s", page.file.src_uri, problem, tex[:120])
    return html_text
