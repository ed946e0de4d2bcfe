"""The strict build itself, and what can be checked in its HTML without a browser."""

import re

from sitetools import StrictSite

EXTERNAL = re.compile(
    r'<(?:script|img|link|iframe|source)\b[^>]*\b(?:src|href)="(?:https?:)?//', re.IGNORECASE
)


def test_strict_build_succeeds_without_warnings(strict_site: StrictSite) -> None:
    # build_sites fails the fixture on a non-zero exit or any WARNING line.
    assert (strict_site.path / "index.html").is_file()
    assert (strict_site.path / "javascripts" / "mathjax" / "tex-chtml.js").is_file()


def test_no_page_loads_anything_from_another_origin(strict_site: StrictSite) -> None:
    offenders = [
        f"{html.relative_to(strict_site.path)}: {m.group(0)}"
        for html in sorted(strict_site.path.rglob("*.html"))
        for m in EXTERNAL.finditer(html.read_text(encoding="utf-8"))
        if 'rel="canonical"' not in m.group(0)  # a name for the page, not a request
    ]
    assert offenders == []
