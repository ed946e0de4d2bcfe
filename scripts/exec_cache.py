"""MkDocs hook: under `mkdocs serve`, a page whose executed code has not changed is rebuilt
without running that code again.

A prose edit would otherwise re-run every `python exec="on"` block of the page (seconds on
pages that train networks). While serving, the output of each block a page runs is kept, in
order, with the block's code and session. When the page is rebuilt, each block whose code and
session are the same as the kept ones, in the same order, gets its kept output without running.
At the first block that differs, the blocks before it are run again (so that their sessions hold
the state the block expects) and from there on everything runs, as without this hook.

Only `mkdocs serve` uses it; `mkdocs build` (and so the tests) always runs every block. The kept
outputs live in the server's memory: restart the server after editing `src/` (the server has
imported the package once anyway). It wraps markdown-exec's private `_run_python`, whose
signature is pinned by constraints.txt; should that name go away, serving still works, only
without the cache.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("mkdocs.plugins.exec_cache")

Run = tuple[str | None, str, str]  # session, code, output


@dataclass
class PageRuns:
    kept: list[Run]  # the runs of the page's last complete build
    runs: list[Run] = field(default_factory=list)  # the runs of this build, so far
    replaying: bool = True
    complete: bool = True


kept_runs: dict[str, list[Run]] = {}
current: PageRuns | None = None
serving = False


def on_startup(command: str, dirty: bool) -> None:
    global serving
    serving = command == "serve"
    if serving:
        install()


def install() -> None:
    try:
        from markdown_exec._internal.formatters import python as formatter
    except ImportError:
        log.info("markdown-exec's Python formatter moved: serving without the output cache")
        return
    run_python = getattr(formatter, "_run_python", None)
    if run_python is None or getattr(run_python, "dl_cached", False):
        return

    def cached_run(
        code: str, returncode: int | None = None, session: str | None = None,
        id: str | None = None, **extra: Any,
    ) -> str:  # fmt: skip
        page = current
        if page is None:
            return run_python(code, returncode, session, id, **extra)
        i = len(page.runs)
        if page.replaying:
            if i < len(page.kept) and page.kept[i][:2] == (session, code):
                page.runs.append(page.kept[i])
                return page.kept[i][2]
            page.replaying = False
            for kept_session, kept_code, _ in page.runs:  # restore the sessions' state
                run_python(kept_code, None, kept_session, None)
        try:
            output = run_python(code, returncode, session, id, **extra)
        except Exception:
            page.complete = False
            raise
        page.runs.append((session, code, output))
        return output

    cached_run.dl_cached = True  # type: ignore[attr-defined]
    formatter._run_python = cached_run


def on_page_markdown(markdown: str, page, config, files) -> str:
    global current
    if serving:
        current = PageRuns(kept_runs.get(page.file.src_uri, []))
    return markdown


def on_page_content(html: str, page, config, files) -> str:
    global current
    if current is not None and current.complete:
        kept_runs[page.file.src_uri] = current.runs
    current = None
    return html
