"""The page checker must catch what it claims to: a tiny throwaway MkDocs project with good
pages and one page per defect, built strictly and served on 127.0.0.1.

TeX typos pass `mkdocs build --strict` (arithmatex does not parse TeX): only the browser sees
them. The same pages are built three times: with our MathJax config (ours/); with Material's
documented re-typeset hook (trap/), which leaves every equation invisible on first load — only
the glyph check sees that; and with no hook at all (nohook/), where pages reached by instant
navigation stay raw TeX.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from pagecheck import check_instant_navigation, check_page, check_pages
from sitetools import DOCS, Build, Server, build_sites, free_port, serve_directory

pytestmark = pytest.mark.browser

CONFIG = """\
site_name: checker self-test
site_url: !ENV SITE_URL
strict: true
theme:
  name: material
  font: false
  features: [navigation.instant]
markdown_extensions:
  - pymdownx.arithmatex:
      generic: true
extra_javascript:
  - javascripts/{config_js}
  - javascripts/mathjax/tex-chtml.js
extra_css:
  - stylesheets/extra.css
"""

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

# The same settings with no re-typeset hook: pages reached by instant navigation stay raw.
NO_HOOK = MATERIAL_DOCUMENTED_HOOK[: MATERIAL_DOCUMENTED_HOOK.index("document$")]

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
        config.write_text(CONFIG.format(config_js=config_js))
        builds.append(Build(config, site / name, f"{base}{name}/"))
    build_sites(*builds)  # concurrently: separate site directories, one server for all
    server: Server = serve_directory(site, port, tmp / "server.log")
    try:
        yield base
    finally:
        server.stop()


GOOD_PAGES = ["ours/", "ours/plain/"]
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
}


@pytest.fixture(scope="module")
def selftest_problems(chromium: Browser, selftest_site: str) -> dict[str, list[str]]:
    context = chromium.new_context()
    try:
        return check_pages(context, [selftest_site + page for page in [*GOOD_PAGES, *BAD_PAGES]])
    finally:
        context.close()


@pytest.mark.parametrize("page_name", GOOD_PAGES)
def test_good_page_passes(
    selftest_problems: dict[str, list[str]], selftest_site: str, page_name: str
) -> None:
    assert selftest_problems[selftest_site + page_name] == []


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
