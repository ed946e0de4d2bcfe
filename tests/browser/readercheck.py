"""What a reader needs once a page has loaded, at a given window width and colour scheme: a page
that fits the screen, equations and tables that fit their column (or scroll with a cue and can
be reached by keyboard), code in tables unbroken inside a token, legible figure text, assistive
MathML and no tab stop for each equation, copy buttons that copy runnable code, and no axe-core
violation of impact serious or critical.

`check_reader(page)` runs every check on the page as it is now and returns a `Report`: the
problems (empty when the page is good) and the count of axe findings per impact.
`check_views(page)` does so in each of the four VIEWS, changing the window width and the colour
scheme of the loaded page as a reader would (no reload). axe-core takes most of the time, so on
most pages it runs in two views, light at 1280 px and dark at 390 px (every page is checked in
both colour schemes and at both widths); `check_views(page, every_axe=True)` runs it in all four
(the tests do so on the home page, which has the same header, navigation and footer as all).
"""

from __future__ import annotations

import doctest
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")
MIN_FIGURE_TEXT_PX = 9.0

LAYOUT_PROBLEMS = r"""
(minFigurePx) => {
  const problems = [];
  const px = (x) => Math.round(x);
  const tex = (el) => (el.closest(".arithmatex")?.getAttribute("data-dl-tex") || "")
    .replace(/\s+/g, " ").slice(0, 70);
  const shown = (el) => el.checkVisibility({ visibilityProperty: true });
  const width = innerWidth;

  const page = document.documentElement.scrollWidth;
  if (page > width) problems.push(`page: ${page} px wide in a ${width} px window`);

  const article = document.querySelector("article");
  const column = article.clientWidth - parseFloat(getComputedStyle(article).paddingLeft)
    - parseFloat(getComputedStyle(article).paddingRight);
  document.querySelectorAll("mjx-container").forEach((box) => {
    if (!shown(box)) return;
    const right = box.firstElementChild.getBoundingClientRect().right;
    if (box.getAttribute("display") === "true") {
      const frame = box.parentElement;
      if (frame.scrollWidth > frame.clientWidth + 1) {
        problems.push(`equation: ${frame.scrollWidth} px in a ${frame.clientWidth} px column: `
          + tex(box));
      } else if (right > width + 1) {
        problems.push(`equation: reaches ${px(right)} px in a ${width} px window: ${tex(box)}`);
      }
    } else if (box.closest("article") && box.getBoundingClientRect().width > column + 1) {
      problems.push(`inline equation: ${px(box.getBoundingClientRect().width)} px in a `
        + `${px(column)} px column: ${tex(box)}`);
    }
  });

  document.querySelectorAll("article table").forEach((table) => {
    const head = table.rows[0]?.textContent.replace(/\s+/g, " ").trim().slice(0, 50);
    const frame = table.closest(".md-typeset__scrollwrap");
    if (frame === null) {
      if (table.getBoundingClientRect().width > column + 1) {
        problems.push(`table: wider than its column and not scrollable: ${head}`);
      }
      return;
    }
    if (frame.scrollWidth <= frame.clientWidth + 1) return;
    const style = getComputedStyle(frame);
    const cue = style.backgroundImage.includes("gradient")
      && style.backgroundAttachment.includes("local");
    if (!cue) {
      problems.push(`table: scrolls sideways without a visible cue: ${head}`);
    }
    if (frame.tabIndex < 0) {
      problems.push(`table: scrolls sideways but the keyboard cannot reach it: ${head}`);
    }
  });

  // A token of code in a table (a run of non-blank characters) drawn on two lines.
  document.querySelectorAll("article table code").forEach((code) => {
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top)));
        if (tops.size > 1) problems.push(`table: code token split across lines: ${match[0]}`);
      }
    }
  });

  // Matplotlib draws text as glyph paths in a group scaled by size/100 (svg.fonttype "path").
  document.querySelectorAll(".dl-figure svg").forEach((svg, i) => {
    if (!shown(svg)) return;
    let smallest = Infinity;
    svg.querySelectorAll('g[id^="text_"] > g[transform*="scale("]').forEach((g) => {
      const m = g.getScreenCTM();
      smallest = Math.min(smallest, 100 * Math.hypot(m.c, m.d));
    });
    if (smallest < minFigurePx) {
      problems.push(`figure ${i + 1}: text drawn at ${smallest.toFixed(1)} px (< ${minFigurePx})`);
    }
  });
  return problems;
}
"""

MATH_ACCESS_PROBLEMS = r"""
() => {
  const problems = [];
  let stops = 0;
  document.querySelectorAll("mjx-container").forEach((box) => {
    const mml = box.querySelectorAll(":scope > mjx-assistive-mml > math");
    if (mml.length !== 1) {
      const tex = (box.closest(".arithmatex")?.getAttribute("data-dl-tex") || box.textContent)
        .replace(/\s+/g, " ").slice(0, 70);
      problems.push(`math: ${mml.length} assistive MathML trees instead of 1 for ${tex}`);
    }
    if (box.tabIndex >= 0) stops += 1;
  });
  if (stops > 0) problems.push(`math: ${stops} of the equations are tab stops`);
  return problems;
}
"""

# What Material's copy button copies: an ancestor's data-copy, else the code's rendered text.
PYCON_COPIES = """
() => Array.from(document.querySelectorAll(".language-pycon pre > code"), (code) => {
  const holder = code.closest("[data-copy]");
  const copied = holder ? holder.getAttribute("data-copy") : code.textContent;
  return { shown: code.textContent, copied };
})
"""

VIEWS = {  # name: (window width, colour scheme, whether axe runs there on every page)
    "1280-light": (1280, "light", True),
    "390-light": (390, "light", False),
    "390-dark": (390, "dark", True),
    "1280-dark": (1280, "dark", False),
}
WINDOW_HEIGHT = 800

RUN_AXE = """
async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ") + " " + (n.any[0]?.message || "")),
  }));
}
"""


# axe findings per view and impact over every page checked: printed after the tests (moderate
# and minor findings do not fail a page, but are reported).
AXE_TOTALS: defaultdict[str, Counter[str]] = defaultdict(Counter)


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    axe_counts: Counter[str] = field(default_factory=Counter)


def copy_problems(page: Page) -> list[str]:
    """Every pycon block copies exactly its statements: no prompt, no output, valid Python."""
    problems = []
    for i, block in enumerate(page.evaluate(PYCON_COPIES), start=1):
        examples = doctest.DocTestParser().get_examples(block["shown"])
        expected = "".join(example.source for example in examples)
        copied = block["copied"].rstrip("\n") + "\n"
        if copied != expected:
            first = copied.splitlines()[0] if copied.strip() else ""
            problems.append(f"copy: pycon block {i} copies more than its code: {first!r}")
            continue
        try:
            compile(copied, f"<pycon block {i}>", "exec")
        except SyntaxError as error:
            problems.append(f"copy: pycon block {i} copies invalid Python: {error}")
    return problems


def axe_report(page: Page) -> tuple[list[str], Counter[str]]:
    """Run axe-core (vendored) on the page: serious and critical findings, and the count of
    findings per impact."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    problems = []
    counts: Counter[str] = Counter()
    for violation in page.evaluate(RUN_AXE):
        counts[violation["impact"]] += len(violation["targets"])
        if violation["impact"] in FAILING_IMPACTS:
            for target in violation["targets"][:5]:
                problems.append(f"axe {violation['impact']} {violation['id']}: {target}")
            if len(violation["targets"]) > 5:
                problems.append(f"axe {violation['id']}: {len(violation['targets']) - 5} more")
    return problems, counts


SETTLE = """
async () => {
  // Two frames: resize handlers and observers have run. Then colour transitions (the theme
  // animates them) have ended, or axe would measure colours half-way.
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const running = document.getAnimations().map((a) => a.finished.catch(() => undefined));
  await Promise.race([Promise.all(running), new Promise((r) => setTimeout(r, 2000))]);
}
"""


def settle(page: Page) -> None:
    """Wait until the page has caught up with a change of window width or colour scheme."""
    page.evaluate(SETTLE)


def check_reader(page: Page, *, axe: bool = True) -> Report:
    """Every reader check on the page as it is displayed now (axe-core too, if `axe`)."""
    settle(page)
    report = Report()
    report.problems += page.evaluate(LAYOUT_PROBLEMS, MIN_FIGURE_TEXT_PX)
    report.problems += page.evaluate(MATH_ACCESS_PROBLEMS)
    report.problems += copy_problems(page)
    if axe:
        problems, report.axe_counts = axe_report(page)
        report.problems += problems
    return report


def check_views(page: Page, *, every_axe: bool = False) -> dict[str, Report]:
    """`check_reader` in every view of VIEWS, in order, on the loaded page; back to light."""
    # The theme animates every colour when the scheme changes; Chromium then starts a transition
    # on each of the page's thousands of elements, which takes seconds. A reader who prefers
    # reduced motion gets the theme's end state at once (its CSS drops every transition): the
    # same state a reader without that preference sees once the transitions have run.
    page.emulate_media(reduced_motion="reduce")
    # Chromium runs animation frames about once a second in a tab that is not in front (the
    # tests load several pages at once): settle() would wait a second for each of its frames.
    page.bring_to_front()
    reports = {}
    for name, (width, scheme, axe) in VIEWS.items():
        if page.viewport_size != {"width": width, "height": WINDOW_HEIGHT}:
            page.set_viewport_size({"width": width, "height": WINDOW_HEIGHT})
        if current_scheme(page) != scheme:
            switch_scheme(page, scheme)
        reports[name] = check_reader(page, axe=axe or every_axe)
    if current_scheme(page) != "light":
        switch_scheme(page, "light")  # the theme keeps the choice for the next pages
    return reports


def current_scheme(page: Page) -> str:
    return "dark" if page.evaluate("document.body.dataset.mdColorScheme") == "slate" else "light"


def switch_scheme(page: Page, scheme: str) -> None:
    """Switch the palette to "light" or "dark" with the theme's toggle, as a reader does (the
    theme reads the system setting only when the page loads). On a phone the toggle sits in
    the header's hidden options, so the label is clicked from script."""
    to = {"light": "default", "dark": "slate"}[scheme]
    page.evaluate(
        "(scheme) => document.querySelector(`label[title='Switch to ${scheme} mode']`).click()",
        scheme,
    )
    page.wait_for_function("(to) => document.body.dataset.mdColorScheme === to", arg=to)
