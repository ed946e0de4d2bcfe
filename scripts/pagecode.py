"""The code blocks of a page, as the build and the tests see them (standard library only).

Shared by the snippet collector (`tests/mdsnippets.py`), the downloads and the exercises
hooks, so that the code a reader downloads is the code that the build ran and pytest checked:

- ```` ```pycon ```` (no attributes): a checked transcript, run by pytest as a doctest;
- ```` ```python exec="on" ... ````: executed by markdown-exec at build time and by pytest;
- plain ```` ```python ```` blocks are shown, not run.

Fences may be indented (inside an admonition or a collapsed ``???`` block): the body is
dedented by the fence's own indent, as superfences does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

RUNNABLE = {"python", "py", "pycon"}
EXEC_ATTRS = {
    "session",
    "result",
    "html",
    "source",
    "id",
    "idprefix",
    "returncode",
    "title",
    "tabs",
    "workdir",
    "width",
    "updatetoc",
}
TRUE = {"yes", "on", "true", "1"}
HIDE = "markdown-exec: hide"  # markdown-exec drops every line that contains this

FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
ATTR = re.compile(r'(?P<key>[\w-]+)="(?P<value>[^"]*)"')
HEADING_LINE = re.compile(r"^(?P<hashes>#{1,6})\s+(?P<text>.*?)\s*$")


@dataclass
class Block:
    """One fenced code block: its language, attributes, body and 1-based line."""

    lang: str
    attrs: dict[str, str]
    body: str
    line: int
    bad_attrs: str = ""
    end_line: int = 0  # the line of the closing fence

    @property
    def executes(self) -> bool:
        """markdown-exec runs this block at build time."""
        return self.attrs.get("exec", "").lower() in TRUE

    @property
    def checked(self) -> bool:
        """pytest runs this block (a transcript, or an executed Python block)."""
        if problem(self) is not None:
            return False
        return self.lang == "pycon" or (self.executes and self.lang in RUNNABLE)

    @property
    def visible_body(self) -> str:
        """The code as the page shows it: without the lines markdown-exec hides."""
        return "".join(ln for ln in self.body.splitlines(keepends=True) if HIDE not in ln)


def fences(text: str) -> Iterator[tuple[int, int, Block]]:
    """Yield ``(start, end, block)`` for each fenced block, offsets into `text`."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln))
    i = 0
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i].rstrip("\n"))
        if not m:
            i += 1
            continue
        indent, fence, info = m["indent"], m["fence"], m["info"].strip()
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        j = i + 1
        while j < len(lines) and not closing.match(lines[j].rstrip("\n")):
            j += 1
        body = "".join(
            ln[len(indent) :] if ln.startswith(indent) else ln.lstrip() for ln in lines[i + 1 : j]
        )
        lang, _, rest = info.partition(" ")
        attrs = {a["key"]: a["value"] for a in ATTR.finditer(rest)}
        leftover = ATTR.sub("", rest).strip()
        block = Block(lang.strip("{}. ").lower(), attrs, body, i + 1, leftover, j + 1)
        yield offsets[i], offsets[min(j + 1, len(lines))], block
        i = j + 1


def problem(block: Block) -> str | None:
    """Why this fence must not be published, or None."""
    if "exec" in block.attrs and not block.executes:
        return f'exec="{block.attrs["exec"]}": superfences stops recognising this fence'
    if not block.executes:
        stray = sorted(set(block.attrs) & EXEC_ATTRS)
        if stray:
            return f'{", ".join(stray)} without exec="on": superfences would mangle this fence'
        return None
    if block.lang == "pycon":
        return 'pycon exec="on" re-runs the code and ignores the written output; drop exec="on"'
    if block.lang not in RUNNABLE:
        return f'exec="on" on a {block.lang!r} block: only Python blocks are executed and tested'
    unknown = sorted(set(block.attrs) - EXEC_ATTRS - {"exec"})
    if unknown or block.bad_attrs:
        return f"unknown fence attributes {unknown or block.bad_attrs!r}"
    return None


def fenced_lines(text: str) -> set[int]:
    """The 1-based numbers of the lines inside fenced blocks, fences included."""
    return {n for _, _, b in fences(text) for n in range(b.line, b.end_line + 1)}
