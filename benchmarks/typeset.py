"""How soon a reader sees the math: first-screen equations typeset, per page, in Chromium.

A benchmark, not a test: it prints figures and asserts nothing. Run from the repository root:

    .venv/bin/python benchmarks/typeset.py [--site DIR ...] [--runs 5] [--throttle 4] [--width 390]

It builds the site strictly (unless `--site` names built sites: several are compared, their
runs interleaved so that a busy machine slows them alike), serves each with
`python -m http.server` on 127.0.0.1 and opens every page `--runs` times in Debian's headless
Chromium, each time in a fresh browser context (cold cache). Per page it prints the median, in
ms after navigation start, of:

- `screen`: every equation that intersects the first screen is typeset, visible, and the fonts
  its glyphs use have loaded (the reader sees the math); `-` when the first screen holds none;
- `load`: the load event;
- `typeset`: `MathJax.startup.promise` settled with no equation still waiting to be typeset
  on the first screen (later ones may be typeset as they scroll into view);
- `shift`: the cumulative layout shift score until `screen` (0 = nothing moved);
- `after load`: `screen` minus `load`.

`--throttle N` slows the CPU N times (Chrome DevTools' CPU throttling), as on a slow phone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the browser tests' launch settings and helpers
from sitetools import CHROMIUM, LAUNCH_ARGS, free_port  # noqa: E402

# Runs in every page before its own scripts: records when the first screen's math is shown.
PROBE = """
(() => {
  const marks = (window.__dlMarks = { screen: null, shift: 0, firstScreenMath: null });
  marks.observer = new PerformanceObserver((list) => {  // kept: it could be garbage-collected
    for (const entry of list.getEntries()) {
      if (!entry.hadRecentInput && marks.screen === null) marks.shift += entry.value;
    }
  });
  marks.observer.observe({ type: "layout-shift", buffered: true });
  const onScreen = (el) => {
    const box = el.getBoundingClientRect();
    return box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth;
  };
  const shown = (el) => {
    const box = el.querySelector("mjx-container");
    if (!box || !box.checkVisibility({ visibilityProperty: true })) return false;
    const rect = box.getBoundingClientRect();
    return rect.width > 0 && rect.height > 0;
  };
  // Drawn: every font its glyphs use has loaded (other equations may still load others).
  const drawn = (math) => {
    const fonts = new Set();
    math.forEach((el) => el.querySelectorAll("mjx-c").forEach((c) => {
      fonts.add(getComputedStyle(c).fontFamily);
    }));
    return Array.from(fonts).every((family) => document.fonts.check(`16px ${family}`));
  };
  const poll = () => {
    if (document.readyState !== "loading" && marks.firstScreenMath === null) {
      // Fixed when the HTML has been parsed: the equations a reader sees first.
      marks.firstScreenMath = Array.from(document.querySelectorAll(".arithmatex"))
        .filter(onScreen);
    }
    const math = marks.firstScreenMath;
    if (math !== null && math.length > 0 && math.every(shown) && drawn(math)) {
      marks.screen = performance.now();
      return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();
"""

RESULTS = """
async () => {
  const marks = window.__dlMarks;
  const nav = performance.getEntriesByType("navigation")[0];
  for (;;) {
    const current = window.MathJax.startup.promise;
    await current;
    if (current === window.MathJax.startup.promise) break;
  }
  const typeset = performance.now();
  await document.fonts.ready;
  const deadline = performance.now() + 5000;
  while (marks.firstScreenMath.length > 0 && marks.screen === null
         && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return {
    screen: marks.firstScreenMath.length > 0 ? marks.screen : null,
    load: nav.loadEventStart,
    typeset,
    shift: marks.shift,
    math: marks.firstScreenMath.length,
  };
}
"""


def build(site: Path, url: str) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": url}
    args = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)]
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def serve(site: Path, port: int) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    args += ["--directory", str(site)]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def page_urls(site: Path) -> list[str]:
    return sorted(
        "".join(f"{p}/" for p in html.relative_to(site).parent.parts)
        for html in site.rglob("index.html")
    )


def measure(browser: Browser, url: str, width: int, throttle: float) -> dict[str, float | None]:
    context = browser.new_context(viewport={"width": width, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.add_init_script(PROBE)
        if throttle > 1:
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        page.goto(url, wait_until="load")
        page.wait_for_function("() => window.MathJax?.startup?.promise !== undefined")
        return dict(page.evaluate(RESULTS))
    finally:
        context.close()


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def show(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, action="append", help="a built site (repeatable)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--throttle", type=float, default=1.0, help="CPU slow-down factor")
    parser.add_argument("--width", type=int, default=1280, help="viewport width in px")
    parser.add_argument("--pages", nargs="*", help="site-relative URLs (default: every page)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        sites = args.site
        ports = [free_port() for _ in sites or [None]]
        if sites is None:
            sites = [Path(tmp) / "site"]
            build(sites[0], f"http://127.0.0.1:{ports[0]}/")
        servers = [serve(site, port) for site, port in zip(sites, ports, strict=True)]
        try:
            bases = [f"http://127.0.0.1:{port}/" for port in ports]
            for base in bases:
                for _ in range(100):
                    try:
                        urllib.request.urlopen(base, timeout=1).close()
                        break
                    except OSError:
                        time.sleep(0.1)
            run(args, sites, bases)
        finally:
            for server in servers:
                server.terminate()
                server.wait()


def run(args: argparse.Namespace, sites: list[Path], bases: list[str]) -> None:
    pages = args.pages if args.pages is not None else page_urls(sites[0])
    print(
        f"{len(pages)} pages, {args.runs} cold runs each, viewport {args.width}x800, "
        f"CPU throttle {args.throttle:g}x; medians in ms after navigation start"
    )
    for i, site in enumerate(sites):
        print(f"site {i}: {site}")
    print(
        f"{'page':<34} {'site':>4} {'screen':>7} {'load':>7} {'typeset':>8} {'shift':>6} "
        f"{'math':>5} {'after load':>10}"
    )
    after_load: list[list[float]] = [[] for _ in sites]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True
        )
        try:
            for base in bases:  # warm the servers and the OS cache
                measure(browser, base + pages[0], args.width, 1.0)
            for url in pages:
                runs: list[list[dict[str, float | None]]] = [[] for _ in sites]
                for _ in range(args.runs):
                    for i, base in enumerate(bases):
                        runs[i].append(measure(browser, base + url, args.width, args.throttle))
                for i, site_runs in enumerate(runs):
                    row = {key: median([r[key] for r in site_runs]) for key in site_runs[0]}
                    late = median(
                        [r["screen"] - r["load"] for r in site_runs if r["screen"] is not None]
                    )
                    if late is not None:
                        after_load[i].append(late)
                    print(
                        f"{url or '(home)':<34} {i:>4} {show(row['screen']):>7} "
                        f"{show(row['load']):>7} {show(row['typeset']):>8} "
                        f"{show(row['shift'], 3):>6} {show(row['math']):>5} {show(late):>10}"
                    )
        finally:
            browser.close()
    for i, values in enumerate(after_load):
        if values:
            print(
                f"site {i}: first screen typeset {min(values):.0f} to {max(values):.0f} ms "
                f"after the load event (medians over {len(values)} pages with math on it)"
            )


if __name__ == "__main__":
    main()
