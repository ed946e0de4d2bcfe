"""The page checker must catch what it claims to: a tiny throwaway MkDocs project with good
pages and one page per defect, built strictly and served on 127.0.0.1.

TeX typos pass `mkdocs build --strict` (arithmatex does not parse TeX): only the browser sees
them. The same pages are built three times: with our MathJax config, theme overrides, site
scripts and build hooks (ours/); with Material's documented re-typeset hook (trap/), which
leaves every equation invisible on first load — only the glyph check sees that; and with no
hook at all and no assistive MathML (nohook/), where pages reached by instant navigation stay
raw TeX. The reader checks (readercheck.py) must pass on the good pages in every view and catch
each planted defect: too wide, unreachable by keyboard, unreadable, inaccessible.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from pagecheck import check_instant_navigation, check_page, check_pages
from readercheck import Report, check_views
from sitetools import DOCS, ROOT, Build, Server, build_sites, free_port, serve_directory

pytestmark = pytest.mark.browser

CONFIG = """\
site_name: checker self-test
site_url: !ENV SITE_URL
strict: true
theme:
  name: material
  font: false
  features: [navigation.instant, content.code.copy]
  palette:
    - scheme: default
      toggle: {{icon: material/weather-night, name: Switch to dark mode}}
    - scheme: slate
      toggle: {{icon: material/weather-sunny, name: Switch to light mode}}
{ours_theme}
markdown_extensions:
  - attr_list
  - md_in_html
  - tables
  - pymdownx.arithmatex:
      generic: true
  - pymdownx.highlight:
      pygments_lang_class: true
  - pymdownx.superfences
extra_javascript:
  - javascripts/{config_js}
  - javascripts/mathjax/tex-chtml-nomenu.js
{ours_js}
extra_css:
  - stylesheets/extra.css
{ours_hooks}
"""
# Ours: the site's theme overrides, scripts and page-markup hook as well.
OURS = {
    "ours_theme": f"  custom_dir: {ROOT}/overrides",
    "ours_js": "  - javascripts/scroll-regions.js",
    "ours_hooks": f"hooks: [{ROOT}/scripts/page_markup.py]",
}
NOT_OURS = dict.fromkeys(OURS, "")

# Material's documented hook (the trap in shared/design/browser.md).
MATERIAL_DOCUMENTED_HOOK = """\
window.MathJax = {
  tex: {inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]],
        processEscapes: true, processEnvironments: true},
  options: {ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex"}
};
document$.subscribe(() => {
  MathJax.startup.output.clearCache()
  MathJax.typesetClear()
  MathJax.texReset()
  MathJax.typesetPromise()
})
"""

# The same settings with no re-typeset hook (pages reached by instant navigation stay raw) and
# without the MathML that MathJax keeps for screen readers.
NO_MML = "enableAssistiveMml: false"
NO_HOOK = MATERIAL_DOCUMENTED_HOOK[: MATERIAL_DOCUMENTED_HOOK.index("document$")].replace(
    'processHtmlClass: "arithmatex"}', f'processHtmlClass: "arithmatex", {NO_MML}}}'
)

GOOD = r"""# Good

Inline $\hat z = \frac{z - \mu}{\sqrt{\sigma^2 + \varepsilon}}$, $\sin x$, $\boldsymbol{\gamma}$.

$$
\tilde z^{(i)} = \gamma \hat z^{(i)} + \beta, \qquad
\begin{aligned} a &= b \\ c &= d \end{aligned}
$$

`\(code\)` and `$$` in code are fine.

## A heading with $\gamma$ (typeset in the table of contents too)
"""

PAGES = {
    "index.md": GOOD,
    "plain.md": "# Plain\n\nNo extension to load: $\\sin x$ and $$a^2 + b^2$$\n",
    "frac.md": "# Frac\n\nA missing argument: $\\frac{1}$.\n",
    "sigmaa.md": "# Sigmaa\n\nAn unknown macro: $\\sigmaa$.\n",
    "raw.md": "# Raw\n\nEscaped delimiters stay raw: \\\\(x\\\\) and \\\\alpha.\n",
    "foreign.md": '# Foreign\n\n<img alt="icon" src="http://localhost:{port}/ours/assets/images/favicon.png">\n',
    "broken.md": '# Broken\n\n<img alt="missing" src="/missing.png">\n',
    "consoleerror.md": '# Console\n\n<script>console.error("boom from the page")</script>\n',
    # Reader defects (readercheck.py) and defects while loading (pagecheck.py).
    "pycon.md": "# Pycon\n\n```pycon\n>>> x = 1 + 1\n>>> for i in range(2):\n...     x += i\n"
    ">>> x\n3\n```\n",
    "widetable.md": "# Wide table\n\n| "
    + " | ".join(f"`col_{i}`" for i in range(6))
    + " |\n"
    + "|---" * 6
    + "|\n| "
    + " | ".join(f"`sample_function_{i}(argument={i})`" for i in range(6))
    + " |\n",
    "wideequation.md": "# Wide equation\n\n$$\n"
    + " + ".join(f"x_{{{i}}}" for i in range(90))
    + "\n$$\n",
    "widepage.md": '# Wide page\n\n<div style="width: 1600px">Wider than the window.</div>\n',
    "contrast.md": '# Contrast\n\n<p style="color: #bbb">Faint grey text on white.</p>\n',
    "figure.md": '# Figure\n\n<figure class="dl-figure"><svg viewBox="0 0 400 100" width="400pt">'
    '<g id="text_1"><g transform="translate(10 50) scale(0.05 -0.05)"><path d="M0 0h50v70H0z"/>'
    "</g></g></svg><figcaption>Text at 5 pt.</figcaption></figure>\n",
    "tabstop.md": '# Tab stop\n\n$x$\n\n<script>addEventListener("load", () => MathJax.startup'
    '.promise.then(() => { document.querySelector("mjx-container").tabIndex = 0; }));</script>\n',
    "rawtex.md": '# Raw on screen\n\nNot math: <span class="arithmatex">a bare span</span>.\n',
    # The paragraph moves down twice once the page has been shown (the checker waits for it:
    # the script extends MathJax's startup promise). Chromium does not count the first move
    # of content just shown from visibility: hidden; the second counts.
    "shift.md": '# Shift\n\n$x$\n\n<div id="grow"></div>\n\nThis paragraph moves down.\n\n'
    "<script>const grow = (px) => () => new Promise((r) => setTimeout(() => { document"
    '.getElementById("grow").style.height = px; r(); }, 300)); addEventListener("load", () => '
    '{ MathJax.startup.promise = MathJax.startup.promise.then(grow("100px")).then(grow("400px"))'
    '.then(grow("400px")); });</script>\n',
}


@pytest.fixture(scope="module")
def selftest_site(
    chromium_executable: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Root URL of the self-test server: the pages built with our MathJax config are under ours/,
    with Material's documented hook under trap/ and with no re-typeset hook under nohook/."""
    tmp = tmp_path_factory.mktemp("checker")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    project = tmp / "project"
    shutil.copytree(DOCS / "javascripts", project / "docs" / "javascripts")
    shutil.copytree(DOCS / "stylesheets", project / "docs" / "stylesheets")
    (project / "docs" / "javascripts" / "trap.js").write_text(MATERIAL_DOCUMENTED_HOOK)
    (project / "docs" / "javascripts" / "nohook.js").write_text(NO_HOOK)
    for name, text in PAGES.items():
        (project / "docs" / name).write_text(text.replace("{port}", str(port)))
    site = tmp / "site"
    builds = []
    for name, config_js in [
        ("ours", "mathjax-config.js"),
        ("trap", "trap.js"),
        ("nohook", "nohook.js"),
    ]:
        config = project / f"mkdocs-{name}.yml"
        ours = OURS if name == "ours" else NOT_OURS
        config.write_text(CONFIG.format(config_js=config_js, **ours))
        builds.append(Build(config, site / name, f"{base}{name}/"))
    build_sites(*builds)  # concurrently: separate site directories, one server for all
    server: Server = serve_directory(site, port, tmp / "server.log")
    try:
        yield base
    finally:
        server.stop()


GOOD_PAGES = ["ours/", "ours/plain/", "ours/pycon/", "ours/widetable/"]
# Page -> what the checker must report (fragments of its problem list).
BAD_PAGES = {
    "ours/frac/": ["MathJax error", "console error: MathJax TeX error"],
    "ours/sigmaa/": ["MathJax error", "Undefined control sequence \\sigmaa"],
    "ours/raw/": ['raw TeX "\\\\("', '"\\\\)"', '"\\\\alpha"'],
    "ours/foreign/": ["request to another origin: http://localhost:"],
    "ours/broken/": ["image not loaded", "HTTP 404", "console error"],
    "ours/consoleerror/": ["console error: boom from the page"],
    # With an extension to autoload (\\boldsymbol) the first typeset finishes late and the
    # trap may not show: the plain page shows it every time.
    "trap/plain/": ["invisible glyph(s)"],
    "ours/rawtex/": ["raw TeX on screen while loading: 'a bare span'"],
    "ours/shift/": ["layout shift while loading"],
}
# Page -> what the reader checks must report in some view (fragments of its problems).
READER_BAD_PAGES = {
    "trap/pycon/": ["copy: pycon block 1 copies more than its code: '>>> x = 1 + 1'"],
    "trap/widetable/": ["table: code token split across lines: sample_function_"],
    "ours/wideequation/": ["equation: ", "px column: \\[ x_{0} + x_{1}"],
    "ours/widepage/": ["page: 1"],
    "ours/contrast/": ["axe serious color-contrast"],
    "ours/figure/": ["figure 1: text drawn at"],
    "ours/tabstop/": ["math: 1 of the equations are tab stops"],
    "nohook/plain/": ["math: 0 assistive MathML trees instead of 1 for"],
}


@pytest.fixture(scope="module")
def selftest_problems(chromium: Browser, selftest_site: str) -> dict[str, list[str]]:
    context = chromium.new_context()
    try:
        return check_pages(context, [selftest_site + page for page in [*GOOD_PAGES, *BAD_PAGES]])
    finally:
        context.close()


@pytest.fixture(scope="module")
def selftest_views(chromium: Browser, selftest_site: str) -> dict[str, dict[str, Report]]:
    """The reader checks of the good pages and of the pages with reader defects, every view."""
    views: dict[str, dict[str, Report]] = {}
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    try:
        urls = [selftest_site + page for page in [*GOOD_PAGES, *READER_BAD_PAGES]]
        check_pages(
            context,
            urls,
            inspect=lambda url, page: views.update({url: check_views(page, every_axe=True)}),
        )
    finally:
        context.close()
    return views


@pytest.mark.parametrize("page_name", GOOD_PAGES)
def test_good_page_passes(
    selftest_problems: dict[str, list[str]],
    selftest_views: dict[str, dict[str, Report]],
    selftest_site: str,
    page_name: str,
) -> None:
    assert selftest_problems[selftest_site + page_name] == []
    for view, report in selftest_views[selftest_site + page_name].items():
        assert report.problems == [], view


@pytest.mark.parametrize(("page_name", "expected"), READER_BAD_PAGES.items())
def test_reader_defect_is_caught(
    selftest_views: dict[str, dict[str, Report]], selftest_site: str, page_name: str,
    expected: list[str],
) -> None:  # fmt: skip
    reports = selftest_views[selftest_site + page_name]
    report = "\n".join(p for view in reports.values() for p in view.problems)
    for fragment in expected:
        assert fragment in report, f"{page_name}: {fragment!r} not reported; got:\n{report}"


def test_check_page_alone_agrees(new_page: Page, selftest_site: str) -> None:
    # check_pages interleaves check_page's steps over several pages; one page alone agrees
    # (the instant-navigation tests below start with check_page on a good page).
    problems = check_page(new_page, selftest_site + "ours/sigmaa/")
    assert any("Undefined control sequence \\sigmaa" in p for p in problems), problems


@pytest.mark.parametrize(("page_name", "expected"), BAD_PAGES.items())
def test_bad_page_is_caught(
    selftest_problems: dict[str, list[str]], selftest_site: str, page_name: str,
    expected: list[str],
) -> None:  # fmt: skip
    report = "\n".join(selftest_problems[selftest_site + page_name])
    for fragment in expected:
        assert fragment in report, f"{page_name}: {fragment!r} not reported; got:\n{report}"


def test_instant_navigation_passes(new_page: Page, selftest_site: str) -> None:
    base = selftest_site + "ours/"
    problems = check_instant_navigation(new_page, base, [base + "plain/"])
    assert problems == []


def test_instant_navigation_without_hook_is_caught(new_page: Page, selftest_site: str) -> None:
    base = selftest_site + "nohook/"
    problems = check_instant_navigation(new_page, base, [base + "plain/"], typeset_timeout_ms=1_000)
    assert any("instant navigation to" in p and "not typeset" in p for p in problems), problems
