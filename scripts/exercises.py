"""MkDocs hook: the pages' exercises, checked against the convention and listed on one page.

- Every page: each way in which its exercises break the convention (see `exercise_format`) is
  a warning, so strict builds fail; each exercise heading gets the anchor ``#exercise-N``.
- ``exercises.md``: the marker line is replaced by the list of every exercise of the pages in
  the nav, grouped by nav section and difficulty, each linked to its anchor. The list is made
  at build time from the pages, so it cannot drift from them.
"""

from __future__ import annotations

import logging
import posixpath
from collections import Counter
from dataclasses import dataclass

import exercise_format
from exercise_format import DIFFICULTIES, Exercise

log = logging.getLogger("mkdocs.plugins.exercises")

INDEX = "exercises.md"
MARKER = "<!-- every exercise, listed at build time by scripts/exercises.py -->"


@dataclass(frozen=True)
class Entry:
    """One exercise and where it is: the nav section and title of its page."""

    section: str
    page_title: str
    src_uri: str
    exercise: Exercise


def entries(pages: list[tuple[str, str, str, str]]) -> list[Entry]:
    """The exercises of `pages`, given as (section, page title, src_uri, Markdown) in nav order."""
    return [
        Entry(section, title, src_uri, exercise)
        for section, title, src_uri, text in pages
        for exercise in exercise_format.parse(text).items
    ]


def index_markdown(found: list[Entry], index_uri: str = INDEX) -> str:
    """The list, by section (in nav order) and difficulty, with links relative to the index."""
    if not found:
        return "No page has exercises yet."
    counts = Counter(e.exercise.difficulty for e in found)
    pages = len({e.src_uri for e in found})
    exercises = "1 exercise" if len(found) == 1 else f"{len(found)} exercises"
    on = "1 page" if pages == 1 else f"{pages} pages"
    out = [f"{exercises} on {on}: " + ", ".join(f"{counts[d]} {d}" for d in DIFFICULTIES) + "."]
    here = posixpath.dirname(index_uri) or "."
    sections = list(dict.fromkeys(e.section for e in found))
    for s, section in enumerate(sections, start=1):
        out += ["", f"## {section} {{ #section-{s} }}"]
        for difficulty in DIFFICULTIES:
            group = [
                e for e in found if e.section == section and e.exercise.difficulty == difficulty
            ]
            if not group:
                continue
            out += ["", f"### {difficulty.capitalize()} {{ #section-{s}-{difficulty} }}", ""]
            for e in group:
                link = posixpath.relpath(e.src_uri, here) + f"#{e.exercise.anchor}"
                out.append(
                    f"- [{e.exercise.title}]({link}) — {e.page_title}, exercise {e.exercise.number}"
                )
    return "\n".join(out)


def with_anchors(markdown: str) -> str:
    """Give each exercise heading the anchor #exercise-N."""
    lines = markdown.split("\n")
    for exercise in exercise_format.parse(markdown).items:
        lines[exercise.line - 1] += f" {{ #{exercise.anchor} }}"
    return "\n".join(lines)


_FOUND: list[Entry] = []


def on_nav(nav, config, files):
    pages = []
    for page in nav.pages:
        section = page.parent.title if page.parent is not None else (page.title or "")
        pages.append(
            (section, page.title or page.file.src_uri, page.file.src_uri, page.file.content_string)
        )
    _FOUND[:] = entries(pages)
    return nav


def on_page_markdown(markdown: str, page, config, files) -> str:
    for problem in exercise_format.parse(markdown).problems:
        log.warning("%s: %s", page.file.src_uri, problem)
    markdown = with_anchors(markdown)
    if page.file.src_uri == INDEX:
        if MARKER not in markdown:
            log.warning("%s: the marker line %s is missing", INDEX, MARKER)
        markdown = markdown.replace(MARKER, index_markdown(_FOUND))
    return markdown
