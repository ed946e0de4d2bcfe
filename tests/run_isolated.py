"""Run a downloaded script as a reader would, with only NumPy, matplotlib and dlbasics installed.

    python -I tests/run_isolated.py SCRIPT REPORT

Every import outside the standard library, NumPy, matplotlib (and what matplotlib itself
requires) and dlbasics fails with ModuleNotFoundError, as on a machine where only those are
installed. What the script writes to stdout is recorded with the script line that was running
(the outermost frame in SCRIPT), so each transcript's output can be found; REPORT receives it
as JSON, ``[[line, text], ...]``. The exit status is the script's.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.metadata
import io
import json
import re
import runpy
import sys
import sysconfig
import traceback
from pathlib import Path

ALLOWED_DISTRIBUTIONS = ("numpy", "matplotlib", "dlbasics")


def allowed_modules() -> set[str]:
    """Top-level modules of the allowed distributions and of everything they require."""
    wanted, seen = list(ALLOWED_DISTRIBUTIONS), set()
    while wanted:
        name = re.sub(r"[-_.]+", "-", wanted.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        for requirement in importlib.metadata.requires(name) or []:
            if "extra ==" not in requirement:
                wanted.append(re.match(r"[A-Za-z0-9_.-]+", requirement).group())
    return {
        module
        for module, dists in importlib.metadata.packages_distributions().items()
        if any(re.sub(r"[-_.]+", "-", d).lower() in seen for d in dists)
    } | {"dlbasics"}


class OnlyAllowed(importlib.abc.MetaPathFinder):
    """Refuse every import that the reader's minimal installation would not have."""

    def __init__(self, allowed: set[str]) -> None:
        self.allowed = allowed | set(sys.stdlib_module_names) | set(sys.modules)
        base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
        lib = sysconfig.get_path("platstdlib", vars=base)
        self.stdlib = [sysconfig.get_path("stdlib", vars=base), lib, f"{lib}/lib-dynload"]

    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        top = fullname.partition(".")[0]
        if top in self.allowed:
            return
        if importlib.machinery.PathFinder.find_spec(top, self.stdlib) is not None:
            self.allowed.add(top)  # private parts of the standard library (_sysconfigdata...)
        else:
            raise ModuleNotFoundError(
                f"No module named {top!r} (a downloaded script may import only the standard "
                f"library, NumPy, matplotlib and dlbasics)",
                name=top,
            )


class LineRecorder(io.TextIOBase):
    """stdout that remembers which line of `script` wrote each piece of text."""

    def __init__(self, script: str, real: io.TextIOBase) -> None:
        self.script, self.real, self.records = script, real, []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        frame, line = sys._getframe(1), 0
        while frame is not None:
            if frame.f_code.co_filename == self.script:
                line = frame.f_lineno  # the outermost frame of the script wins
            frame = frame.f_back
        self.records.append((line, text))
        return self.real.write(text)


def main(script: str, report: str) -> int:
    script = str(Path(script).resolve())
    sys.meta_path.insert(0, OnlyAllowed(allowed_modules()))
    recorder = LineRecorder(script, sys.stdout)
    sys.stdout = recorder
    status = 0
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exit_:
        status = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        traceback.print_exc()
        status = 1
    finally:
        sys.stdout = recorder.real
        Path(report).write_text(json.dumps(recorder.records))
    return status


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
