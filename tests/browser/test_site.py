"""Every page of the site, in a real browser, from the strict build (served under a path, as on
GitHub Pages) and from `mkdocs serve`; on the strict build also in four views (1280 and 390 px
wide, light and dark) with the reader checks of readercheck.py, axe-core included."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from pagecheck import Verdicts, check_instant_navigation, check_pages
from readercheck import AXE_TOTALS, VIEWS, WINDOW_HEIGHT, Report, check_views
from sitetools import SERVERS, StrictSite, page_urls

pytestmark = pytest.mark.browser


def built_pages(site: Path) -> list[str]:
    """Site-relative URL of every page in a built site (every index.html but the 404 page)."""
    return sorted(
        "".join(f"{p}/" for p in html.relative_to(site).parent.parts)
        for html in site.rglob("index.html")
    )


def math_pages(site: Path) -> list[str]:
    return [url for url in built_pages(site) if 'class="arithmatex"' in page_html(site, url)]


def page_html(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def checked(
    chromium: Browser, sites: dict[str, str]
) -> tuple[dict[str, list[str]], dict[tuple[str, str], Report]]:
    """Problems of every page on every server, a few pages loading at once, one browser context
    per server (its first page is a first visit, the rest share its cache like a reader's
    browsing); and the reader reports of every strict-build page in every view."""
    problems = Verdicts()
    reports: dict[tuple[str, str], Report] = {}
    base = sites["static"]

    def views(url: str, page: Page) -> None:
        page_url = url.removeprefix(base)
        for view, report in check_views(page, every_axe=page_url == "").items():
            reports[page_url, view] = report
            AXE_TOTALS[view] += report.axe_counts

    for server in SERVERS:
        context = chromium.new_context(viewport={"width": 1280, "height": WINDOW_HEIGHT})
        try:
            inspect = views if server == "static" else None
            urls = [sites[server] + url for url in page_urls()]
            problems |= check_pages(context, urls, inspect=inspect)
        finally:
            context.close()
    return problems, reports


@pytest.fixture(scope="module")
def reader_reports(
    checked: tuple[dict[str, list[str]], dict[tuple[str, str], Report]],
) -> dict[tuple[str, str], Report]:
    return checked[1]


def test_page(
    checked: tuple[dict[str, list[str]], dict[tuple[str, str], Report]],
    sites: dict[str, str],
    server: str,
    page_url: str,
) -> None:
    url = sites[server] + page_url
    problems = checked[0][url]
    assert not problems, f"{url}:\n" + "\n".join(problems)


@pytest.mark.parametrize("view", VIEWS)
def test_reader(reader_reports: dict[tuple[str, str], Report], page_url: str, view: str) -> None:
    problems = reader_reports[page_url, view].problems
    assert not problems, f"{page_url or '(home)'} at {view}:\n" + "\n".join(problems)


def test_every_built_page_is_checked(sites: dict[str, str], strict_site: StrictSite) -> None:
    # Pages come from docs/ at collection time; the built site must hold exactly those.
    assert built_pages(strict_site.path) == sorted(page_urls())


def test_instant_navigation_retypesets(
    new_page: Page, sites: dict[str, str], server: str, strict_site: StrictSite
) -> None:
    # From one page with math to another (or from the home page if only one has math) and back.
    with_math = math_pages(strict_site.path)
    assert with_math, "no page with math: nothing to test instant navigation on"
    start = with_math[0] if len(with_math) > 1 else ""
    base = sites[server]
    targets = [base + url for url in with_math if url != start]
    problems = check_instant_navigation(new_page, base + start, targets)
    assert problems == [], "\n".join(problems)
