"""Fixtures for the real-browser tests: Debian chromium driven by Playwright, the strictly built
site served by `python -m http.server`, and `mkdocs serve` — both on 127.0.0.1.

Tests that take `server` and `page_url` run once per (server, page); the page list is read from
docs/ at collection time (docs/a/b.md is served at a/b/), so new pages are covered automatically.
Where chromium is missing the tests skip, saying how to install it — but fail when CI=true.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from readercheck import AXE_TOTALS
from sitetools import (
    CHROMIUM,
    LAUNCH_ARGS,
    QUIET_ENV,
    SERVERS,
    SUBPATH,
    Server,
    free_port,
    page_urls,
    serve_directory,
)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if AXE_TOTALS:
        terminalreporter.section("axe-core findings per view (every page)")
        for view, counts in AXE_TOTALS.items():
            found = ", ".join(f"{impact} {n}" for impact, n in sorted(counts.items())) or "none"
            terminalreporter.write_line(f"{view}: {found}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "server" in metafunc.fixturenames:
        metafunc.parametrize("server", SERVERS)
    if "page_url" in metafunc.fixturenames:
        urls = page_urls()
        metafunc.parametrize("page_url", urls, ids=[u.rstrip("/") or "index" for u in urls])


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    if CHROMIUM.is_file():
        return str(CHROMIUM)
    message = (
        f"Debian chromium not found at {CHROMIUM}: install it with "
        "`apt-get install chromium fonts-liberation` to run the browser tests"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium(chromium_executable: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable, args=LAUNCH_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Browser) -> Iterator[Page]:
    """A page in a fresh browser context (no cache, no storage), 10 s default timeout."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def sites(
    chromium_executable: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    """Base URL per server: "static" (strict build + http.server, under a path as on GitHub
    Pages) and "serve" (mkdocs serve, at the root).

    Each is built with SITE_URL equal to the origin it is served on, as instant navigation needs.
    `mkdocs serve` starts first so that its build overlaps the strict one (`strict_site`).
    """
    logs = tmp_path_factory.mktemp("logs")
    serve_port = free_port()
    serve_url = f"http://127.0.0.1:{serve_port}/"
    serve_args = [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{serve_port}"]
    serve = Server(
        "mkdocs serve", serve_args, logs / "serve.log", {**QUIET_ENV, "SITE_URL": serve_url}
    )
    started: list[Server] = [serve]
    try:
        site = request.getfixturevalue("strict_site")
        started.append(serve_directory(site.root, site.port, logs / "static.log", SUBPATH))
        serve.wait_until_answering(serve_url)
        yield {"static": site.url, "serve": serve_url}
    finally:
        for server in started:
            server.stop()
