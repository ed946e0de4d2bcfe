"""A page's code as a Python script and as a Jupyter notebook (standard library only).

The checked blocks of the page, in page order, are the code (see `pagecode`):

- a ``pycon`` transcript becomes plain code. An expression whose output the transcript shows
  is printed in the script (``print(repr(x))``, or ``print(x)`` where both are the same text)
  and is the last line of its own cell in the notebook, which displays it; an example whose
  transcript shows a traceback is wrapped in ``try``/``except`` in the script and is a cell
  tagged ``raises-exception`` in the notebook;
- a ``python exec="on"`` block is copied without its hidden lines (``# markdown-exec: hide``);
  in a figure block (``html="true"``) each ``print(figure_html(fig, ...))`` becomes
  ``plt.show()``, which shows the figure in a window or inline in the notebook.

Headings of the sections that hold code, and exercise prompts and hints, are comments in the
script and Markdown cells in the notebook; solutions are left out, so the reader can try first.
"""

from __future__ import annotations

import ast
import doctest
import json
import re
import textwrap
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin

import exercise_format
from namespaces import Unit, clashes
from pagecode import HEADING_LINE, fenced_lines, fences

TRANSCRIPTS = "the transcripts"  # the namespace that a page's pycon blocks share
MD_LINK = re.compile(r"\]\((?!\w+:|/|#)(?P<path>[^)\s#]+)\.md(?P<anchor>#[^)\s]*)?\)")
SAME_TEXT_CALLS = {"bool", "int", "float", "len"}  # print(x) writes repr(x) for these values
SAME_TEXT_NODES = (ast.Tuple, ast.List, ast.ListComp, ast.Dict, ast.DictComp, ast.Set, ast.SetComp)


class ExportError(ValueError):
    """A checked block that a script or a notebook could not reproduce."""


@dataclass
class Example:
    """One ``>>>`` example of a transcript."""

    source: str
    want: str
    exception: str | None  # the exception name the transcript shows, if it shows one
    line: int  # on the page
    block: int  # the page line of its transcript


@dataclass
class Code:
    """An executed block's code as the page shows it, figures replaced by ``plt.show()``.

    `function` names the function that holds the code in the downloads, when its names would
    otherwise replace those of another namespace (`replaces`).
    """

    source: str
    line: int
    namespace: str
    figures: int = 0
    function: str = ""
    replaces: list[str] = field(default_factory=list)


@dataclass
class Markdown:
    text: str
    hint: bool = False


@dataclass
class ExerciseEnd:
    number: int


Piece = Example | Code | Markdown | ExerciseEnd


@dataclass
class Check:
    """Output the download must reproduce: the transcript's `want` for the example at page
    line `line`, printed by lines `first`..`last` of the script (or by one notebook cell)."""

    want: str
    line: int
    exception: bool = False
    first: int = 0
    last: int = 0


@dataclass
class Page:
    title: str
    url: str
    pieces: list[Piece] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)  # what the downloads may get wrong

    @property
    def figures(self) -> int:
        return sum(p.figures for p in self.pieces if isinstance(p, Code))


def read_page(text: str, url: str, index: bool = False) -> Page:
    """The pieces of a page that its downloads hold, in page order.

    `url` is the page's address; links to other pages in the prose kept (exercise prompts and
    hints) are made absolute from it (`index`: the page is a folder's index.md).
    """
    lines = text.splitlines()
    exercises = exercise_format.parse(text).items
    fenced = fenced_lines(text)
    titles = [ln[2:].strip() for n, ln in enumerate(lines, 1) if ln[:2] == "# " and n not in fenced]
    page = Page(titles[0] if titles else url, url)
    blocks = {b.line: b for _, _, b in fences(text)}
    skip = {e.solution[0]: (e.solution[1], e.number) for e in exercises if e.solution}
    hints = {first: stop for e in exercises for first, stop in e.hints}
    prompts = {n for e in exercises for n in range(e.line, e.prompt[1])}
    prose: list[str] = []

    def flush() -> None:
        if any(ln.strip() for ln in prose):
            page.pieces.append(Markdown(_absolute_links("\n".join(prose).strip("\n"), url, index)))
        prose.clear()

    n = 1
    while n <= len(lines):
        if n in skip:
            flush()
            n, number = skip[n]
            page.pieces.append(ExerciseEnd(number))
            continue
        if n in hints:
            flush()
            body = textwrap.dedent("\n".join(lines[n : hints[n] - 1])).strip("\n")
            page.pieces.append(Markdown(_absolute_links(body, url, index), hint=True))
            n = hints[n]
            continue
        block = blocks.get(n)
        if block is not None and block.checked:
            flush()
            page.pieces += _transcript(block) if block.lang == "pycon" else [_code(block)]
            n = block.end_line + 1
            continue
        if n in prompts:
            prose.append(lines[n - 1])
        elif (
            n not in fenced
            and HEADING_LINE.match(lines[n - 1])
            and not lines[n - 1].startswith("# ")
        ):
            flush()
            page.pieces.append(Markdown(lines[n - 1].strip()))
        n += 1
    flush()
    page.pieces = _drop_empty_sections(page.pieces)
    _isolate(page)
    return page


def _absolute_links(markdown: str, url: str, index: bool) -> str:
    """Markdown links to other pages (``](other.md#anchor)``) as links to their addresses."""

    def absolute(m: re.Match) -> str:
        target = m["path"].removesuffix("index") if m["path"].endswith("index") else m["path"] + "/"
        return f"]({urljoin(url, ('' if index else '../') + target)}{m['anchor'] or ''})"

    return MD_LINK.sub(absolute, markdown)


def _isolate(page: Page) -> None:
    """Put in a function each single-block namespace whose names would replace another's."""
    runs = [p for p in page.pieces if isinstance(p, Example | Code)]
    units = [Unit(p.source, p.namespace if isinstance(p, Code) else TRANSCRIPTS) for p in runs]
    blocks_per_namespace = Counter(p.namespace for p in runs if isinstance(p, Code))
    isolated: set[int] = set()
    while True:
        found = clashes(units, isolated)
        movable = {
            c.writer
            for c in found
            if isinstance(runs[c.writer], Code)
            and blocks_per_namespace[units[c.writer].namespace] == 1
        }
        if movable <= isolated:
            break
        isolated |= movable
        for c in found:
            if c.writer in movable and c.name not in runs[c.writer].replaces:
                runs[c.writer].replaces.append(c.name)
    for i in sorted(isolated):
        code = runs[i]
        assert isinstance(code, Code)
        name = re.sub(r"\W+", "_", code.namespace).strip("_")
        code.function = (
            name if name.isidentifier() and not name.startswith("line_") else f"block_{code.line}"
        )
    page.clashes = [
        f"line {runs[c.reader].line} reads {c.name!r}, which the block at line "
        f"{runs[c.writer].line} ({units[c.writer].namespace}) replaced"
        for c in found
    ]


def _level(piece: Piece) -> int:
    """A heading's level (1-6), or 7 for anything else."""
    if isinstance(piece, Markdown) and not piece.hint:
        m = HEADING_LINE.match(piece.text)
        if m and "\n" not in piece.text:
            return len(m["hashes"])
    return 7


def _drop_empty_sections(pieces: list[Piece]) -> list[Piece]:
    """Headings of sections (and their subsections) that hold no code or prompt."""
    kept: list[Piece] = []
    for piece in reversed(pieces):
        level = _level(piece)
        if level < 7 and (not kept or _level(kept[-1]) <= level):
            continue
        kept.append(piece)
    return kept[::-1]


def _transcript(block) -> list[Piece]:
    examples = doctest.DocTestParser().get_examples(block.body)
    if not examples:
        raise ExportError(f"line {block.line}: a pycon block without any >>> example")
    pieces: list[Piece] = []
    for ex in examples:
        exception = None
        if ex.exc_msg is not None:
            exception = re.match(r"[\w.]+", ex.exc_msg).group()
        want = ex.exc_msg if ex.exc_msg is not None else ex.want
        pieces.append(Example(ex.source, want, exception, block.line + 1 + ex.lineno, block.line))
    return pieces


def _code(block) -> Code:
    source = block.visible_body
    namespace = block.attrs.get("session") or f"line {block.line}"
    if block.attrs.get("html", "").lower() not in ("true", "1", "yes", "on"):
        return Code(source, block.line, namespace)
    lines = source.splitlines()
    figures = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "print"
        ):
            args = node.value.args
            if not (
                len(args) == 1 and isinstance(args[0], ast.Call) and _name(args[0]) == "figure_html"
            ):
                raise ExportError(
                    f"line {block.line}: an html block may print only figure_html(...), "
                    f"which the downloads replace by plt.show(); got {ast.unparse(node)[:60]!r}"
                )
            figures.append(node)
    # figure_html leaves with the prints: its import goes, the rest of that import stays.
    imports = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and any(a.name == "figure_html" for a in node.names)
    ]
    for node in sorted(figures + imports, key=lambda f: -f.lineno):
        indent = lines[node.lineno - 1][: node.col_offset]
        if isinstance(node, ast.ImportFrom):
            node.names = [a for a in node.names if a.name != "figure_html"]
            kept = [f"{indent}{ast.unparse(node)}"] if node.names else []
        else:
            kept = [f"{indent}plt.show()"]
        lines[node.lineno - 1 : node.end_lineno] = kept
    return Code("\n".join(lines).strip("\n") + "\n", block.line, namespace, len(figures))


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _printed(source: str) -> str:
    """`source` with its single expression printed: print(repr(x)), or print(x) if the same."""
    tree = ast.parse(source)
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Expr):
        return source
    expr = tree.body[0].value
    same = isinstance(expr, SAME_TEXT_NODES) or (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Name)
        and expr.func.id in SAME_TEXT_CALLS
    )
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "print":
        return source
    lines = source.splitlines()
    start, end = (expr.lineno - 1, expr.col_offset), (expr.end_lineno - 1, expr.end_col_offset)
    bare_tuple = isinstance(expr, ast.Tuple) and source.splitlines()[start[0]][start[1]] != "("
    head, tail = ("print((", "))") if bare_tuple else ("print(", ")")
    if not same:
        head, tail = "print(repr(", "))"
    last = lines[end[0]]
    lines[end[0]] = last[: end[1]] + tail + last[end[1] :]
    first = lines[start[0]]
    lines[start[0]] = first[: start[1]] + head + first[start[1] :]
    return "\n".join(lines) + "\n"


def _header(page: Page, text: str) -> list[str]:
    return textwrap.wrap(
        f"The code of {page.url} in page order. {text} Solutions to the exercises are on the page.",
        width=88,
        break_on_hyphens=False,
        break_long_words=False,
    )


def to_script(page: Page) -> tuple[str, list[Check]]:
    """The page as a script in the percent format (``# %%`` cells), and what it must print."""
    text = "Every transcript is plain code that prints what the page shows; figures open with "
    text += "plt.show()."
    out = [f'"""{page.title}', "", *_header(page, text), '"""']
    if page.figures:
        out += ["", "import matplotlib.pyplot as plt"]
    checks: list[Check] = []
    previous: Piece | None = None
    for piece in page.pieces:
        if isinstance(piece, Markdown):
            if not (isinstance(previous, Markdown) and not previous.hint and not piece.hint):
                out += ["", "", "# %% [markdown]"]
            else:
                out.append("#")
            text = f"Hint: {piece.text}" if piece.hint else piece.text
            out += [f"# {ln}".rstrip() for ln in text.splitlines()]
        elif isinstance(piece, ExerciseEnd):
            out += ["", "", "# %%", f"# Your answer to exercise {piece.number}."]
        else:
            same_transcript = (
                isinstance(piece, Example)
                and isinstance(previous, Example)
                and previous.block == piece.block
            )
            if not same_transcript:
                out += ["", "", "# %%"]
            first = len(out) + 1
            if isinstance(piece, Code):
                out += code_text(piece).rstrip("\n").splitlines()
            else:
                out += _script_example(piece).rstrip("\n").splitlines()
                if piece.want:
                    exception = piece.exception is not None
                    checks.append(Check(piece.want, piece.line, exception, first, len(out)))
        previous = piece
    return "\n".join(out) + "\n", checks


def _script_example(ex: Example) -> str:
    if ex.exception is None:
        return _printed(ex.source) if ex.want else ex.source
    caught = ex.exception if "." not in ex.exception else "Exception"
    return (
        "try:\n"
        + textwrap.indent(ex.source, "    ")
        + f"except {caught} as error:\n"
        + f'    print(f"{ex.exception}: {{error}}")\n'
    )


def to_notebook(page: Page) -> tuple[dict, list[Check]]:
    """The page as an nbformat 4 notebook, and what each checked cell must output.

    A check's `first` is the index of the cell whose output it is.
    """
    text = "Every transcript is a cell that outputs what the page shows."
    cells: list[dict] = [_cell("markdown", f"# {page.title}\n\n" + " ".join(_header(page, text)))]
    if page.figures:
        cells.append(_cell("code", "import matplotlib.pyplot as plt"))
    checks: list[Check] = []
    open_cell: list[str] = []  # the sources of an unfinished transcript cell
    previous: Piece | None = None

    def close(check: Check | None = None) -> None:
        if open_cell:
            tags = ["raises-exception"] if check is not None and check.exception else []
            cells.append(_cell("code", "".join(open_cell), tags))
            open_cell.clear()
            if check is not None:
                check.first = check.last = len(cells) - 1
                checks.append(check)

    for piece in page.pieces:
        if isinstance(piece, Example):
            if not (isinstance(previous, Example) and previous.block == piece.block):
                close()
            open_cell.append(piece.source)
            if piece.want:
                close(Check(piece.want, piece.line, piece.exception is not None))
        else:
            close()
            if isinstance(piece, Code) and isinstance(previous, Code):
                # One cell: an inline backend shows a figure at the end of the cell that drew it.
                cells[-1]["source"] += "\n\n" + code_text(piece).rstrip("\n")
            elif isinstance(piece, Code):
                cells.append(_cell("code", code_text(piece)))
            elif isinstance(piece, ExerciseEnd):
                cells.append(_cell("code", ""))
            elif piece.hint:
                text = f"<details><summary>Hint</summary>\n\n{piece.text}\n\n</details>"
                cells.append(_cell("markdown", text))
            elif isinstance(previous, Markdown) and not previous.hint:
                cells[-1]["source"] += f"\n\n{piece.text}"
            else:
                cells.append(_cell("markdown", piece.text))
        previous = piece
    close()
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    notebook = {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return notebook, checks


def _cell(kind: str, source: str, tags: list[str] | None = None) -> dict:
    source = source.rstrip("\n")
    cell: dict = {"cell_type": kind, "id": "", "metadata": {}, "source": source}
    if tags:
        cell["metadata"]["tags"] = tags
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def notebook_text(notebook: dict) -> str:
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"


def code_text(code: Code) -> str:
    """An executed block as the downloads hold it: as is, or inside its function."""
    if not code.function:
        return code.source
    names = ", ".join(code.replaces)
    comment = textwrap.fill(
        f"On the page this block runs in a namespace of its own ({code.namespace}); the "
        f"function keeps its names ({names}) from replacing those of the other blocks.",
        width=88,
        initial_indent="# ",
        subsequent_indent="# ",
    )
    body = textwrap.indent(code.source, "    ")
    return f"{comment}\ndef {code.function}():\n{body}\n\n{code.function}()\n"
