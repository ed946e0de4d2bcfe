"""Run every Python code block of the Markdown pages as a pytest item, as the site build does.

One item per fenced block, named by page and line (``docs/x.md::line:12,column:1``):

- ```` ```pycon ```` (no attributes): a checked transcript, run as a doctest and compared with
  the output written under each ``>>>`` line. All transcripts of a page share one namespace.
- ```` ```python exec="on" ... ```` : run as markdown-exec runs it at build time, in one
  namespace per (page, session) and in page order, or in a fresh namespace without a session.
- Fences that the build would not execute faithfully are failures: attributes that make
  superfences give up on the fence (``exec="off"``, ``session=`` or ``result=`` without
  ``exec="on"``), executed languages this collector cannot run, ``pycon exec="on"`` (which
  re-runs the code and discards the written output), and a session name reused on another page.

Plain ```` ```python ```` blocks without ``exec`` are shown, not run.
"""

from __future__ import annotations

import doctest
import io
import os
import re
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from sybil import Document, Example, Region, Sybil
from sybil.evaluators.doctest import NUMBER, OutputChecker

# The lexer and the rules for fences live with the build hooks, which generate the downloads
# from the same blocks.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from pagecode import Block, fences, problem

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE | NUMBER


class RoundedNumbers(OutputChecker):
    """Sybil's checker with a stricter NUMBER: a written number must be the value rounded.

    Sybil (and pytest) accept any value within one unit of the last written digit, so a page
    showing 0.4 would pass for 0.3. Here the value got must round to the digits written.
    """

    def _remove_unwanted_precision(self, want: str, got: str) -> str:
        wants = list(self._number_re.finditer(want))
        gots = list(self._number_re.finditer(got))
        if len(wants) != len(gots):
            return got
        pieces, last = [], 0
        for w, g in zip(wants, gots, strict=True):
            digits = len(w["fraction"] or "") - int(w["exponent1"] or w["exponent2"] or 0)
            if abs(float(w.group()) - float(g.group())) <= 0.5 * 10.0**-digits * (1 + 1e-9):
                pieces += [got[last : g.start()], w.group()]
            else:
                pieces.append(got[last : g.end()])
            last = g.end()
        return "".join([*pieces, got[last:]])


@dataclass
class Session:
    """A namespace shared by blocks, and which of its blocks have run."""

    namespace: dict[str, Any]
    blocks: list[Block] = field(default_factory=list)
    done: int = 0


SESSION_OWNERS: dict[str, str] = {}  # session name -> page that uses it


def _buffer_print(buffer: io.StringIO, *texts: Any, end: str = "\n", **_: Any) -> None:
    """markdown-exec's replacement for print (ignores sep= and file=)."""
    buffer.write(" ".join(str(t) for t in texts) + end)


def _new_namespace(name: str) -> dict[str, Any]:
    module_name = re.sub(r"[^a-zA-Z\d]+", "_", name)
    sys.modules.setdefault(module_name, types.ModuleType(module_name))
    return {"__name__": module_name}


def _in_root(root: Path, fn: Any, *args: Any) -> Any:
    """Run in the directory the build runs in (snippets may read relative paths)."""
    cwd = os.getcwd()
    os.chdir(root)
    try:
        return fn(*args)
    finally:
        os.chdir(cwd)


def _run_exec(path: str, session: Session, block: Block) -> None:
    buffer = io.StringIO()
    session.namespace["print"] = partial(_buffer_print, buffer)
    # Pad with newlines so tracebacks point at the page's own line numbers.
    code = compile("\n" * block.line + block.body, path, "exec")
    try:
        exec(code, session.namespace)
    except Exception as exc:
        output = buffer.getvalue()
        if output:
            exc.add_note(f"output before the error:\n{output}")
        raise


def make_parser(root: Path):
    """A Sybil parser that turns each fenced block of a page into a Region."""

    def parse(document: Document) -> Iterator[Region]:
        page = os.path.relpath(document.path, root)
        sessions: dict[str, Session] = {}
        transcripts: dict[str, Any] = _new_namespace(f"{page}-pycon")
        for start, end, block in fences(document.text):
            why = problem(block)
            name = block.attrs.get("session", "")
            if why is None and block.executes and name:
                owner = SESSION_OWNERS.setdefault(name, page)
                if owner != page:
                    why = f"session {name!r} is already used by {owner}; prefix it with this page"
            if why is not None:
                yield Region(start, end, why, partial(_reject, page, block.line))
            elif block.lang == "pycon":
                yield Region(
                    start, end, block, partial(_evaluate_pycon, root, document.path, transcripts)
                )
            elif block.executes:
                if name:
                    session = sessions.setdefault(name, Session(_new_namespace(f"{page}-{name}")))
                else:
                    session = Session(_new_namespace(f"{page}-line{block.line}"))
                session.blocks.append(block)
                yield Region(
                    start, end, block, partial(_evaluate_exec, root, document.path, session)
                )

    return parse


def _reject(page: str, line: int, example: Example) -> str:
    return f"{page}:{line}: {example.parsed}"


def _evaluate_pycon(root: Path, path: str, namespace: dict, example: Example) -> str | None:
    block: Block = example.parsed
    parser = doctest.DocTestParser()
    test = parser.get_doctest(block.body, namespace, f"{path}:{block.line}", path, block.line)
    test.globs = namespace  # share one namespace across the page's transcripts
    if not test.examples:
        return f"{path}:{block.line}: pycon block without any >>> example"
    runner = doctest.DocTestRunner(checker=RoundedNumbers(), optionflags=FLAGS, verbose=False)
    report = io.StringIO()
    result = _in_root(root, partial(runner.run, test, out=report.write, clear_globs=False))
    return report.getvalue() if result.failed else None


def _evaluate_exec(root: Path, path: str, session: Session, example: Example) -> None:
    block: Block = example.parsed
    index = session.blocks.index(block)
    while session.done < index:  # run earlier blocks of this session first (item run alone)
        _in_root(root, _run_exec, path, session, session.blocks[session.done])
        session.done += 1
    _in_root(root, _run_exec, path, session, block)
    session.done = index + 1


def collector(docs: Path, root: Path) -> Any:
    """The ``pytest_collect_file`` hook for every ``*.md`` page under `docs`."""
    return Sybil(parsers=[make_parser(root)], patterns=["*.md"], path=str(docs)).pytest()
