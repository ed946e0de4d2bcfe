"""How soon a prose edit shows in the browser under `mkdocs serve`.

A benchmark, not a test: it prints figures and asserts nothing. Run from the repository root:

    .venv/bin/python benchmarks/livereload.py [--edits 3] [--pages notation.md ...]
        [-- extra mkdocs serve arguments, e.g. --dirty]

It copies the site's sources (mkdocs.yml, docs/, scripts/, overrides/, src/) to a temporary
directory, starts `mkdocs serve` there on 127.0.0.1 (with the arguments after `--`; by default
those of `make serve`, read from the Makefile), opens each page in Debian's headless Chromium
and then, `--edits` times, appends a sentence to the page's first paragraph and times how long
until the sentence is in the page the browser shows (file write -> rebuild -> live reload ->
page loaded). The installed package is the repository's own (an editable install), so page code
runs exactly as under `make serve`. Prints every time and the median per page.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Error, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the browser tests' launch settings and helpers
from sitetools import CHROMIUM, LAUNCH_ARGS, free_port  # noqa: E402

COPIED = ["mkdocs.yml", "docs", "scripts", "overrides", "src"]
DEFAULT_PAGES = ["notation.md", "optimization/momentum.md", "batch-norm/why-it-works.md"]


def serve_args_of_make() -> list[str]:
    """The `mkdocs serve` arguments that `make serve` passes (after the address)."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"mkdocs serve -a \$\(HOST\)(.*)", makefile)
    return shlex.split(match.group(1)) if match else []


def page_url(base: str, md: str) -> str:
    path = md.removesuffix(".md")
    path = path.removesuffix("index")
    return base + (path + "/" if path and not path.endswith("/") else path)


def append_to_first_paragraph(md: Path, sentence: str) -> None:
    """Append `sentence` to the first prose line after the title (outside fences)."""
    lines = md.read_text(encoding="utf-8").splitlines(keepends=True)
    fenced = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and i > 0 and re.match(r"[A-Za-z*_`]", line):
            lines[i] = line.rstrip("\n") + f" {sentence}\n"
            md.write_text("".join(lines), encoding="utf-8")
            return
    raise SystemExit(f"{md}: no prose line to edit")


SHOWS_TEXT = "(text) => document.querySelector('article')?.textContent.includes(text)"


def wait_for_text(page: Page, text: str, timeout: float) -> float | None:
    """Seconds until `text` is in the page's article (across live reloads), or None."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if page.evaluate(SHOWS_TEXT, text):
                return time.perf_counter() - start
        except Error:
            pass  # the page is being reloaded
        time.sleep(0.02)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--edits", type=int, default=3, help="edits per page")
    parser.add_argument("--pages", nargs="*", default=DEFAULT_PAGES, help="pages under docs/")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("serve_args", nargs="*", help="after --: mkdocs serve arguments")
    args = parser.parse_args()
    serve_args = args.serve_args if "--" in sys.argv else serve_args_of_make()

    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        for name in COPIED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, project / name)
            elif source.is_file():
                project.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, project / name)
        port = free_port()
        base = f"http://127.0.0.1:{port}/"
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": base}
        cmd = [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", *serve_args]
        print(f"mkdocs serve {' '.join(serve_args) or '(no extra arguments)'}")
        log_path = Path(tmp) / "serve.log"
        log = log_path.open("w")
        start = time.perf_counter()
        server = subprocess.Popen(
            cmd, cwd=project, env=env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            while True:
                if server.poll() is not None:
                    log.close()
                    raise SystemExit(f"mkdocs serve exited:\n{log_path.read_text()}")
                try:
                    urllib.request.urlopen(base, timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            print(f"first build and serve: {time.perf_counter() - start:.1f} s")
            measure(args, project, base)
        finally:
            server.terminate()
            server.wait()
            log.close()


def measure(args: argparse.Namespace, project: Path, base: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        try:
            page = browser.new_page()
            for md in args.pages:
                page.goto(page_url(base, md), wait_until="load")
                times = []
                for edit in range(args.edits):
                    sentence = f"Edited{edit}x{time.monotonic_ns()}."
                    page.wait_for_timeout(1000)  # let the previous reload settle
                    append_to_first_paragraph(project / "docs" / md, sentence)
                    seconds = wait_for_text(page, sentence, args.timeout)
                    times.append(seconds)
                shown = ", ".join("timeout" if t is None else f"{t:.2f}" for t in times)
                done = [t for t in times if t is not None]
                median = f"{statistics.median(done):.2f} s" if done else "-"
                print(f"{md:<36} median {median:>8}   (edits: {shown} s)")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
