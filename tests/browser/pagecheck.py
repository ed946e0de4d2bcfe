"""What a reader's browser must see on every page: the checks shared by the site tests and the
checker's self-test.

`check_page(page, url)` opens `url` in a fresh Playwright page and returns a list of problems
(empty when the page is good): equations typeset once each and visible (the glyph check), no
MathJax error, no raw TeX left in the text, every image and figure drawn, and no console error,
page error, failed request, HTTP error or request to any origin but the page's own. While the
page loads, no frame may show an equation on screen as raw TeX, and nothing may move.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, ConsoleMessage, Error, Page, Request, Response

# `mkdocs serve` long-polls /livereload/...; leaving the page aborts that request.
LIVERELOAD_PATH = "/livereload/"

WAIT_FOR_MATHJAX = """
async () => {
  // startup.promise is replaced each time the re-typeset hook chains onto it: wait until it stays.
  for (;;) {
    const current = window.MathJax.startup.promise;
    await current;
    if (current === window.MathJax.startup.promise) break;
  }
  // Lazy images would never load off screen: load them all, then wait for the math fonts.
  await Promise.all(Array.from(document.images, (img) => {
    img.loading = "eager";
    return img.decode().catch(() => undefined);
  }));
  await document.fonts.ready;
}
"""

# After instant navigation: the old article is gone and every equation of the new one is typeset.
NEW_CONTENT_TYPESET = """
() => document.querySelector("article:not([data-dl-stale])") !== null
  && Array.from(document.querySelectorAll(".arithmatex"))
    .every((el) => el.querySelector("mjx-container"))
"""
MARK_CONTENT_STALE = "document.querySelector('article').setAttribute('data-dl-stale', '')"
SIDEBAR_LINKS = ".md-sidebar--primary a.md-nav__link[href]:visible"

# Runs before the page's own scripts: before every frame until the checker reads the result,
# note any equation on screen that is visible but still raw TeX; add up layout shifts.
LOAD_PROBE = """
(() => {
  const seen = (window.__dlLoad = { rawTex: [], shift: 0, moved: [], done: false });
  const name = (node) => node ? `${node.nodeName.toLowerCase()}.${node.className || ""}` : "?";
  // Kept on `seen`: an observer nothing refers to may be garbage-collected.
  seen.observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (seen.done) continue;
      seen.shift += entry.value;
      for (const s of entry.sources) {  // what moved, for the report: the first few
        const dy = Math.round(s.currentRect.y - s.previousRect.y);
        if (seen.moved.length < 3) seen.moved.push(`${name(s.node)} by ${dy} px`);
      }
    }
  });
  seen.observer.observe({ type: "layout-shift", buffered: true });
  const frame = () => {
    if (seen.done) return;
    for (const el of document.querySelectorAll(".arithmatex, .md-ellipsis")) {
      if (el.querySelector("mjx-container") || !el.checkVisibility({ visibilityProperty: true })
          || (!el.classList.contains("arithmatex") && !el.textContent.includes("\\\\("))) {
        continue;
      }
      const box = el.getBoundingClientRect();
      if (box.bottom > 0 && box.top < innerHeight && box.width > 0 && seen.rawTex.length < 5) {
        seen.rawTex.push(el.textContent.trim().slice(0, 60));
      }
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
"""
# The cumulative layout shift score (a fraction of the window moved, times how far) that counts
# as content moving: a line of text moving one line in a 800 px window scores about 0.001. The
# theme's own script makes a few tiny shifts (it wraps tables in a frame: 0.0003).
MAX_LAYOUT_SHIFT = 0.001
READ_LOAD_PROBE = """
() => {
  const seen = window.__dlLoad;
  if (!seen) return null;
  seen.done = true;
  return { rawTex: seen.rawTex, shift: seen.shift, moved: seen.moved };
}
"""

DOM_PROBLEMS = r"""
() => {
  const problems = [];
  const source = (el) => {
    const math = el.closest(".arithmatex") || el;
    return (math.getAttribute("data-dl-tex") || math.textContent || "").trim().slice(0, 80);
  };
  const shown = (el) => el.checkVisibility();

  document.querySelectorAll(".arithmatex").forEach((el) => {
    const n = el.querySelectorAll("mjx-container").length;
    if (n !== 1) problems.push(`math: ${n} mjx-container instead of 1 for ${source(el)}`);
  });
  document.querySelectorAll("mjx-merror, [data-mjx-error]").forEach((el) => {
    const message = el.getAttribute("data-mjx-error") || el.textContent;
    problems.push(`math: MathJax error "${message}" in ${source(el)}`);
  });
  // A glyph is drawn by its ::before content; empty content means invisible math. Only the
  // invisible operators (function application U+2061 after \sin, invisible times, ...) and
  // zero-width spaces are meant to be empty.
  const invisible = new Set(["200B", "200C", "200D", "2060", "2061", "2062", "2063", "2064"]);
  const blank = new Map();
  document.querySelectorAll("mjx-c").forEach((el) => {
    const code = (el.className.match(/\bmjx-c([0-9A-F]+)\b/) || [])[1];
    if (invisible.has(code)) return;
    const content = getComputedStyle(el, "::before").content;
    if (content === "none" || content === "normal" || content === '""') {
      const key = source(el);
      blank.set(key, (blank.get(key) || 0) + 1);
    }
  });
  blank.forEach((n, key) => {
    problems.push(`math: ${n} invisible glyph(s) (empty ::before) in ${key}`);
  });
  document.querySelectorAll("mjx-container").forEach((el) => {
    const box = el.getBoundingClientRect();
    if (shown(el) && (box.width === 0 || box.height === 0)) {
      problems.push(`math: zero-size container (${box.width}x${box.height}) for ${source(el)}`);
    }
  });

  // Raw TeX left in the text (outside code and math): $$, \( \) \[ \] or a \command.
  const skip = "code, pre, kbd, samp, script, style, noscript, textarea, .arithmatex, "
    + "mjx-container";
  const rawTex = /\$\$|\\[()[\]]|\\[A-Za-z]+/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest(skip)) continue;
    const found = [...new Set(node.textContent.match(rawTex))];
    if (found.length > 0) {
      const where = node.parentElement.closest("article")
        ? "the article"
        : "the navigation, table of contents or header";
      const tex = found.map((t) => JSON.stringify(t)).join(", ");
      const text = JSON.stringify(node.textContent.trim().slice(0, 80));
      problems.push(`raw TeX ${tex} in ${where}: ${text}`);
    }
  }

  Array.from(document.images).forEach((img) => {
    if (!(img.complete && img.naturalWidth > 0)) problems.push(`image not loaded: ${img.src}`);
  });
  document.querySelectorAll(".dl-figure svg").forEach((svg, i) => {
    const box = svg.getBoundingClientRect();
    if (shown(svg) && (box.width === 0 || box.height === 0)) {
      problems.push(`figure ${i}: inline svg has zero size (${box.width}x${box.height})`);
    }
  });
  return problems;
}
"""


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@dataclass
class Recorder:
    """Everything the page does on the network and the console, from `attach` on."""

    origin: str
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    inflight: set[Request] = field(default_factory=set)

    @classmethod
    def attach(cls, page: Page, url: str) -> Recorder:
        rec = cls(origin(url))
        page.on("request", rec._request)
        page.on("requestfinished", rec._finished)
        page.on("requestfailed", rec._failed)
        page.on("response", rec._response)
        page.on("console", rec._console)
        page.on("pageerror", rec._pageerror)
        return rec

    def _request(self, request: Request) -> None:
        url = request.url
        self.requests.append(url)
        if url.startswith(("data:", "blob:")):
            return
        if origin(url) != self.origin:
            self.problems.append(f"request to another origin: {url}")
        if LIVERELOAD_PATH not in url:
            self.inflight.add(request)

    def _finished(self, request: Request) -> None:
        self.inflight.discard(request)

    def _failed(self, request: Request) -> None:
        self.inflight.discard(request)
        if LIVERELOAD_PATH in request.url and request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"request failed ({request.failure}): {request.url}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            self.problems.append(f"console error: {message.text} ({where})")

    def _pageerror(self, error: Error) -> None:
        self.problems.append(f"page error: {error.message}")

    def take(self) -> list[str]:
        """The problems recorded since the last `take`."""
        problems, self.problems = self.problems, []
        return problems

    def wait_quiet(self, page: Page, timeout_ms: int = 5_000) -> None:
        """Wait until no request (but the livereload long poll) has been in flight for 100 ms."""
        quiet = 0
        for _ in range(timeout_ms // 50):
            quiet = quiet + 1 if not self.inflight else 0
            if quiet >= 2:
                return
            page.wait_for_timeout(50)
        pending = ", ".join(sorted(r.url for r in self.inflight))
        self.problems.append(f"requests still in flight after {timeout_ms} ms: {pending}")


def wait_for_math(page: Page) -> list[str]:
    """Wait until MathJax has started, finished every typeset and loaded its fonts."""
    try:
        page.wait_for_function("() => typeof window.MathJax?.startup?.promise?.then === 'function'")
        page.evaluate(WAIT_FOR_MATHJAX)
    except Error as exc:
        return [f"MathJax did not finish: {exc.message.splitlines()[0]}"]
    return []


def dom_problems(page: Page) -> list[str]:
    """Problems visible in the page's current DOM (math, raw TeX, images, figures)."""
    return list(page.evaluate(DOM_PROBLEMS))


def loading_problems(page: Page) -> list[str]:
    """Raw TeX shown on screen, or layout shifts, while the page was loading."""
    seen = page.evaluate(READ_LOAD_PROBE)
    if seen is None:
        return []
    raw = dict.fromkeys(seen["rawTex"])
    problems = [f"raw TeX on screen while loading: {tex!r}" for tex in raw]
    if seen["shift"] > MAX_LAYOUT_SHIFT:
        moved = ", ".join(seen["moved"])
        problems.append(f"layout shift while loading: {seen['shift']:.4f} ({moved})")
    return problems


def settle_and_check(page: Page, rec: Recorder) -> list[str]:
    """Wait for math, fonts and network, then return every problem seen so far, each once."""
    problems = wait_for_math(page)
    rec.wait_quiet(page)
    problems += loading_problems(page) + dom_problems(page) + rec.take()
    return list(dict.fromkeys(problems))


def start_loading(page: Page, url: str) -> tuple[Recorder, list[str]]:
    """Start loading `url` in `page` (fresh) without waiting for it; problems so far."""
    rec = Recorder.attach(page, url)
    page.add_init_script(LOAD_PROBE)
    try:
        response = page.goto(url, wait_until="commit")
    except Error as exc:
        return rec, [f"could not open {url}: {exc.message.splitlines()[0]}"]
    if response is None or not response.ok:
        status = None if response is None else response.status
        return rec, [f"could not open {url}: status {status}"]
    return rec, []


def finish_check(page: Page, rec: Recorder, problems: list[str]) -> list[str]:
    """Wait for the page started by `start_loading` to settle; every problem found, each once."""
    if problems:
        return list(dict.fromkeys(problems + rec.take()))
    try:
        page.wait_for_load_state("load")
    except Error as exc:
        return [f"page did not load: {exc.message.splitlines()[0]}", *rec.take()]
    return settle_and_check(page, rec)


def check_page(page: Page, url: str) -> list[str]:
    """Open `url` in `page` (fresh) and return every problem found; empty means good."""
    return finish_check(page, *start_loading(page, url))


class Verdicts(dict[str, list[str]]):
    """Problems per url; a short repr keeps pytest's failure reports readable."""

    def __repr__(self) -> str:
        return f"<problems of {len(self)} pages>"


def check_pages(
    context: BrowserContext,
    urls: Iterable[str],
    *,
    concurrency: int = 3,
    inspect: Callable[[str, Page], None] | None = None,
) -> Verdicts:
    """`check_page` for every url, each in a new page of `context` (closed when done), keeping
    up to `concurrency` pages loading at once: the browser loads the next pages while the first
    one is checked. The pages share the context's cache, as when a reader browses the site.
    `inspect(url, page)`, if given, runs on each page once it has been checked."""
    results = Verdicts()
    waiting = deque(urls)
    loading: deque[tuple[str, Page, Recorder, list[str]]] = deque()
    while waiting or loading:
        while waiting and len(loading) < concurrency:
            url = waiting.popleft()
            page = context.new_page()
            page.set_default_timeout(10_000)
            loading.append((url, page, *start_loading(page, url)))
        url, page, rec, problems = loading.popleft()
        results[url] = finish_check(page, rec, problems)
        if inspect is not None:
            inspect(url, page)
        page.close()
    return results


def check_instant_navigation(
    page: Page, start_url: str, targets: Sequence[str], *, typeset_timeout_ms: float = 10_000
) -> list[str]:
    """Open `start_url`, click the sidebar link to the first of `targets` that has a visible
    one, then go back; after each step every equation must be typeset and visible, with no
    full page reload (a marker set on `window` must survive)."""
    problems = [f"first load: {p}" for p in check_page(page, start_url)]
    page.evaluate("window.__dlMarker = 'still here'")
    rec = Recorder.attach(page, start_url)
    links = page.locator(SIDEBAR_LINKS)
    hrefs = links.evaluate_all("(links) => links.map((a) => a.href)")
    target_url = next((url for url in targets if url in hrefs), None)
    if target_url is None:
        return [*problems, f"no visible sidebar link from {start_url} to any of {targets}"]
    link = links.nth(hrefs.index(target_url))
    for step, action, url in [
        ("instant navigation", link.click, target_url),
        ("back", page.go_back, start_url),
    ]:
        page.evaluate(MARK_CONTENT_STALE)
        action()
        try:
            page.wait_for_url(url)
            page.wait_for_function(NEW_CONTENT_TYPESET, timeout=typeset_timeout_ms)
        except Error as exc:
            problems.append(f"{step} to {url}: not typeset: {exc.message.splitlines()[0]}")
            return problems + [f"{step} to {url}: {p}" for p in rec.take()]
        problems += [f"{step} to {url}: {p}" for p in settle_and_check(page, rec)]
        if page.evaluate("window.__dlMarker") != "still here":
            problems.append(f"{step} to {url}: the page was fully reloaded (window marker lost)")
    return problems
