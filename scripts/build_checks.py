"""MkDocs hooks: fail the strict build on pages that rendered wrongly without an error.

A fence that superfences gave up on leaves its backticks in a paragraph, and the rest of the
page turns into nested blockquotes while the build reports nothing. Each such page is logged
as a warning, which `mkdocs build --strict` turns into a failure.
"""

from __future__ import annotations

import logging
import os
import re

# Page code runs with one BLAS thread, as the tests do (conftest.py): small matrices are
# faster that way on a shared machine, and every build computes in the same order.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

log = logging.getLogger("mkdocs.plugins.build_checks")

# Either the backticks survive as text, or they become inline code: `python session="..."`.
LEFTOVER_FENCE = re.compile(r'<p>(?:[^<]*(?:```|~~~)|<code>[\w+-]+\s+[\w-]+=")')


def on_page_content(html: str, page, config, files) -> str:
    match = LEFTOVER_FENCE.search(html)
    if match:
        snippet = html[match.start() : match.start() + 80].replace("\n", " ")
        log.warning(
            "%s: a code fence was not recognised and is rendered as text: %r",
            page.file.src_uri,
            snippet,
        )
    return html
