r"""The exercise convention of the pages: parse it, and say what breaks it (standard library only).

A page ends with an ``## Exercises`` section (its last ``##`` section), one ``###`` heading per
exercise, numbered from 1::

    ## Exercises

    ### Exercise 1 · easy: Undo the normalization

    The prompt: what to do, in prose (code blocks in it stay in the downloads).

    ??? tip "Hint"
        Optional, any number of them, each titled "Hint...".

    ??? success "Solution"
        Prose, and at least one checked code block (a ``pycon`` transcript or a
        ``python exec="on"`` block), indented with the solution.

The difficulty is one of ``easy``, ``medium``, ``hard``; the separator is a middle dot (·).
The build gives each exercise the anchor ``#exercise-N``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pagecode import HEADING_LINE, fenced_lines, fences

DIFFICULTIES = ("easy", "medium", "hard")
SECTION = re.compile(r"^##\s+Exercises\s*$")
EXERCISE = re.compile(
    r"^Exercise (?P<number>\d+) · (?P<difficulty>easy|medium|hard): (?P<title>[^{}]*\S)$"
)
BLOCK = re.compile(r'^(?P<marker>\?\?\?\+?|!!!)\s+(?P<kind>[\w-]+)(?:\s+"(?P<title>[^"]*)")?')
FORM = '"### Exercise N · easy|medium|hard: title"'


@dataclass
class Exercise:
    """One exercise: heading fields and the 1-based line ranges of its parts (end exclusive)."""

    number: int
    difficulty: str
    title: str
    line: int
    prompt: tuple[int, int]
    hints: list[tuple[int, int]] = field(default_factory=list)
    solution: tuple[int, int] | None = None

    @property
    def anchor(self) -> str:
        return f"exercise-{self.number}"


@dataclass
class Exercises:
    """A page's exercises and every way in which they break the convention."""

    items: list[Exercise] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    section: int | None = None  # line of "## Exercises"


def _blocks(lines: list[str], start: int, end: int, fenced: set[int]) -> list[tuple]:
    """Hint and solution blocks in lines [start, end): (match, first line, line after)."""
    found, n = [], start
    while n < end:
        m = BLOCK.match(lines[n - 1]) if n not in fenced else None
        if not m or not (m["title"] or "").startswith(("Hint", "Solution")):
            n += 1
            continue
        stop = n + 1
        while stop < end and (not lines[stop - 1].strip() or lines[stop - 1][:4] == "    "):
            stop += 1
        while stop - 1 > n and not lines[stop - 2].strip():  # trailing blank lines
            stop -= 1
        found.append((m, n, stop))
        n = stop
    return found


def parse(text: str) -> Exercises:
    """Read the exercises of a page (Markdown `text`) and check them against the convention."""
    lines = text.splitlines()
    fenced = fenced_lines(text)
    result = Exercises()
    headings = []  # (line, level, text)
    for n, line in enumerate(lines, start=1):
        m = HEADING_LINE.match(line) if n not in fenced else None
        if m:
            headings.append((n, len(m["hashes"]), m["text"]))
    for n, level, heading in headings:
        if level == 2 and SECTION.match(lines[n - 1]):
            if result.section is not None:
                result.problems.append(f"line {n}: a second '## Exercises' section")
            result.section = n
        elif level == 3 and heading.startswith("Exercise") and result.section is None:
            result.problems.append(f"line {n}: exercise heading outside '## Exercises'")
    if result.section is None:
        return result
    later = [n for n, level, _ in headings if level <= 2 and n > result.section]
    if later:
        result.problems.append(f"line {later[0]}: '## Exercises' must be the last section")
    inside = [(n, lv, h) for n, lv, h in headings if n > result.section and lv == 3]
    ends = [n for n, _, _ in inside[1:]] + [min(later or [len(lines) + 1])] if inside else []
    for (n, _, heading), end in zip(inside, ends, strict=True):
        m = EXERCISE.match(heading)
        if not m:
            result.problems.append(f"line {n}: exercise heading must read {FORM}, got {heading!r}")
            continue
        number = int(m["number"])
        if number != len(result.items) + 1:
            result.problems.append(
                f"line {n}: exercise numbered {number}, expected {len(result.items) + 1}"
            )
        exercise = Exercise(number, m["difficulty"], m["title"], n, (n + 1, end))
        result.problems += _read_body(exercise, lines, end, fenced, text)
        result.items.append(exercise)
    if not inside:
        result.problems.append(f"line {result.section}: '## Exercises' without any exercise")
    return result


def _read_body(ex: Exercise, lines: list[str], end: int, fenced: set[int], text: str) -> list[str]:
    """Split an exercise into prompt, hints and solution; say what is out of place."""
    problems = []
    blocks = _blocks(lines, ex.line + 1, end, fenced)
    ex.prompt = (ex.line + 1, blocks[0][1] if blocks else end)
    if not any(lines[n - 1].strip() for n in range(*ex.prompt)):
        problems.append(f"line {ex.line}: exercise {ex.number} has no prompt before its hints")
    covered = set(range(ex.prompt[0], ex.prompt[1]))
    for m, first, stop in blocks:
        covered.update(range(first, stop))
        form = (m["marker"], m["kind"], m["title"])
        if ex.solution is not None:
            problems.append(
                f"line {first}: nothing may follow the solution of exercise {ex.number}"
            )
        elif form == ("???", "success", "Solution"):
            ex.solution = (first, stop)
        elif form[:2] == ("???", "tip") and m["title"].startswith("Hint"):
            ex.hints.append((first, stop))
        else:
            problems.append(
                f'line {first}: write ??? tip "Hint" or ??? success "Solution" (collapsed), '
                f"got {lines[first - 1].strip()!r}"
            )
    stray = [n for n in range(ex.prompt[1], end) if n not in covered and lines[n - 1].strip()]
    if stray:
        problems.append(
            f"line {stray[0]}: only hints and then the solution may follow the prompt of "
            f"exercise {ex.number}"
        )
    if ex.solution is None:
        problems.append(f'line {ex.line}: exercise {ex.number} has no ??? success "Solution"')
        return problems
    first, stop = ex.solution
    if not any(b.checked and first < b.line < stop for _, _, b in fences(text)):
        problems.append(
            f"line {first}: the solution of exercise {ex.number} has no checked code block "
            '(a pycon transcript or python exec="on")'
        )
    return problems
