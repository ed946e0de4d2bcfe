"""MkDocs hook: every teaching page offers its code as a script and a notebook, and the home
page links one archive of all of them.

A teaching page is a page with checked code (see `pagecode`) outside ``docs/reference/``. For
``docs/batch-norm/forward.md`` the build serves ``code/batch-norm-forward.py`` and
``code/batch-norm-forward.ipynb`` (see `export`), generated from the page's fences in
`on_files` as MkDocs files (`File.generated`), so that strict builds accept links to them; all
of them are in ``code/dlbasics-code.zip``. A line under the page's title links to the page's
two files: plain Markdown, so that no theme template is involved.
"""

from __future__ import annotations

import io
import logging
import posixpath
import zipfile
from dataclasses import dataclass
from urllib.parse import urljoin

import export
from mkdocs.structure.files import File, Files
from pagecode import fenced_lines

log = logging.getLogger("mkdocs.plugins.downloads")

FOLDER = "code"
ARCHIVE = f"{FOLDER}/dlbasics-code.zip"
README = """\
dlbasics: the code of every page, as a script and as a notebook

Each page of the site (its address is at the top of each file) is here twice:
NAME.py, a script that prints what the page's transcripts show and opens its figures, and
NAME.ipynb, a Jupyter notebook with the same cells. Exercises are comments or Markdown cells;
their solutions are on the pages. Both need Python 3.11+, dlbasics and matplotlib.
"""


@dataclass(frozen=True)
class Download:
    """The two files of one page."""

    name: str  # batch-norm-forward
    script: str
    notebook: str


def download_name(src_uri: str) -> str:
    """batch-norm/forward.md -> batch-norm-forward; optimization/index.md -> optimization."""
    parts = src_uri.removesuffix(".md").split("/")
    if parts[-1] == "index" and len(parts) > 1:
        parts.pop()
    return "-".join(parts)


def is_teaching(src_uri: str) -> bool:
    return src_uri.endswith(".md") and not src_uri.startswith("reference/")


def make_download(src_uri: str, text: str, url: str) -> Download | None:
    """The page's script and notebook, or None if the page has no code to download."""
    page = export.read_page(text, url, index=src_uri.split("/")[-1] == "index.md")
    if not is_teaching(src_uri) or not any(
        isinstance(p, export.Example | export.Code) for p in page.pieces
    ):
        return None
    script, _ = export.to_script(page)
    notebook, _ = export.to_notebook(page)
    return Download(download_name(src_uri), script, export.notebook_text(notebook))


def archive(downloads: list[Download]) -> bytes:
    """A zip of every download, byte-identical from build to build."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        entries = [("README.txt", README)]
        for d in downloads:
            entries += [(f"{d.name}.py", d.script), (f"{d.name}.ipynb", d.notebook)]
        for name, content in entries:
            info = zipfile.ZipInfo(f"dlbasics-code/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            zf.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


_LINKS: dict[str, Download] = {}  # page src_uri -> its download, for on_page_markdown


def on_files(files: Files, config) -> Files:
    _LINKS.clear()
    downloads = []
    for file in files.documentation_pages():
        url = urljoin(config.site_url or "/", file.url)
        try:
            download = make_download(file.src_uri, file.content_string, url)
        except (export.ExportError, SyntaxError) as error:
            log.warning("%s: cannot make the page's downloads: %s", file.src_uri, error)
            continue
        if download is None:
            continue
        downloads.append(download)
        _LINKS[file.src_uri] = download
        for suffix, content in ((".py", download.script), (".ipynb", download.notebook)):
            files.append(
                File.generated(config, f"{FOLDER}/{download.name}{suffix}", content=content)
            )
    files.append(File.generated(config, ARCHIVE, content=archive(downloads)))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    download = _LINKS.get(page.file.src_uri)
    if download is None:
        return markdown
    here = posixpath.dirname(page.file.src_uri) or "."
    links = []
    for suffix in (".py", ".ipynb"):
        name = f"{download.name}{suffix}"
        target = posixpath.relpath(f"{FOLDER}/{name}", here)
        links.append(f'[{name}]({target}){{ download="{name}" }}')
    line = f"Download this page's code: {' · '.join(links)}"
    lines = markdown.split("\n")
    fenced = fenced_lines(markdown)
    titles = [n for n, ln in enumerate(lines, 1) if ln.startswith("# ") and n not in fenced]
    at = titles[0] if titles else 0  # below the title, or at the top of an untitled page
    return "\n".join([*lines[:at], "", line, "", *lines[at:]])
