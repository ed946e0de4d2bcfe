"""The downloads of the built site: each teaching page's script and notebook, and the archive.

- Every script runs to completion in a fresh interpreter that can import only the standard
  library, NumPy, matplotlib and dlbasics (`run_isolated.py`), with MPLBACKEND=Agg, and prints
  what the page's transcripts show (the collector's output checker and flags).
- Every notebook is a valid nbformat 4 notebook; those of the batch-norm and optimization
  pages, executed headless in a Jupyter kernel, output what the transcripts show, and display
  each figure inline.

The scripts and notebooks run once, two at a time (the machines have two cores), in one
session fixture that uses the strict build shared with the other site tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import downloads
import export
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from mdsnippets import FLAGS, RoundedNumbers
from sitetools import StrictSite, page_urls

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RUNNER = Path(__file__).resolve().parent / "run_isolated.py"
EXECUTED_NOTEBOOKS = ("batch-norm/", "optimization/")  # sections whose notebooks are run
SLOTS = 2  # scripts and kernels running at once
TIMEOUT = 600


def teaching_pages() -> list[str]:
    """src_uri of every page that has downloads, read from docs/ at collection time."""
    pages = []
    for md in sorted(DOCS.rglob("*.md")):
        uri = md.relative_to(DOCS).as_posix()
        if downloads.make_download(uri, md.read_text(encoding="utf-8"), uri) is not None:
            pages.append(uri)
    return pages


PAGES = teaching_pages()
NOTEBOOK_PAGES = [p for p in PAGES if p.startswith(EXECUTED_NOTEBOOKS)]


URLS = dict(
    zip(
        (md.relative_to(DOCS).as_posix() for md in sorted(DOCS.rglob("*.md"))),
        page_urls(),
        strict=True,
    )
)


def page_url(site: StrictSite, uri: str) -> str:
    return urljoin(site.url, URLS[uri])


def exported(site: StrictSite, uri: str) -> export.Page:
    return export.read_page((DOCS / uri).read_text(encoding="utf-8"), page_url(site, uri))


@dataclass
class Run:
    """What running one download gave."""

    status: int = 0
    log: str = ""  # stderr of a script, or the failing cell of a notebook
    records: list = field(default_factory=list)  # script: [[line, text], ...]
    notebook: nbformat.NotebookNode | None = None


def _kernel_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # inline, as for a reader
    return {**env, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


async def _run_script(script: Path, workdir: Path) -> Run:
    report = workdir / "report.json"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-I", str(RUNNER), str(script), str(report),
        cwd=workdir, env={**env, "MPLBACKEND": "Agg"}, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(proc.communicate(), TIMEOUT)
    records = json.loads(report.read_text()) if report.exists() else []
    return Run(proc.returncode or 0, err.decode(errors="replace"), records)


async def _run_notebook(path: Path, workdir: Path) -> Run:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        await client.async_execute(env=_kernel_env())
    except CellExecutionError as error:
        return Run(1, str(error)[-3000:], notebook=notebook)
    return Run(0, notebook=notebook)


@pytest.fixture(scope="session")
def executed(strict_site: StrictSite, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """{("py" | "ipynb", src_uri): Run} for every script and the executed notebooks."""
    jobs = [("ipynb", uri) for uri in NOTEBOOK_PAGES] + [("py", uri) for uri in PAGES]
    order = sorted(jobs, key=lambda job: -(DOCS / job[1]).stat().st_size)  # the longest first

    async def run_all() -> list[Run]:
        slots = asyncio.Semaphore(SLOTS)

        async def one(kind: str, uri: str) -> Run:
            path = strict_site.path / downloads.FOLDER / f"{downloads.download_name(uri)}.{kind}"
            workdir = tmp_path_factory.mktemp(f"{kind}-{downloads.download_name(uri)}")
            async with slots:
                return await (_run_script if kind == "py" else _run_notebook)(path, workdir)

        return await asyncio.gather(*(one(kind, uri) for kind, uri in order))

    return dict(zip(order, _in_thread(run_all), strict=True))


def _in_thread(coroutine_function):
    """Run it in a thread with its own event loop: Playwright owns the main thread's loop."""
    results = []
    thread = threading.Thread(target=lambda: results.append(asyncio.run(coroutine_function())))
    thread.start()
    thread.join()
    return results[0]


def _mismatches(checks: list[export.Check], outputs: list[str], page: export.Page) -> str:
    checker, report = RoundedNumbers(), []
    for check, got in zip(checks, outputs, strict=True):
        if not checker.check_output(check.want, got, FLAGS):
            report.append(f"line {check.line}: expected\n{check.want}got\n{got or '(nothing)'}\n")
    if report and page.clashes:
        report.append("names one namespace replaced in another's:\n" + "\n".join(page.clashes))
    return "\n".join(report)


def _finished(executed: dict, kind: str, uri: str) -> Run:
    run = executed[kind, uri]
    if run.status != 0:
        name = f"{downloads.download_name(uri)}.{kind}"
        pytest.fail(f"{name} failed:\n{run.log[-3000:]}", pytrace=False)
    return run


def _expect(checks: list[export.Check], outputs: list[str], page: export.Page) -> None:
    if problems := _mismatches(checks, outputs, page):
        pytest.fail(problems, pytrace=False)


def test_the_downloads_are_the_pages_own_code(strict_site: StrictSite) -> None:
    """Each teaching page links its two files, which hold what its fences generate."""
    assert len(PAGES) >= 15, PAGES  # every section's pages, not an accident of the lexer
    for uri in PAGES:
        name = downloads.download_name(uri)
        html_dir = strict_site.path / page_url(strict_site, uri).removeprefix(strict_site.url)
        html = (html_dir / "index.html").read_text(encoding="utf-8")
        page = exported(strict_site, uri)
        served = strict_site.path / downloads.FOLDER
        assert (served / f"{name}.py").read_text(encoding="utf-8") == export.to_script(page)[0]
        notebook = export.notebook_text(export.to_notebook(page)[0])
        assert (served / f"{name}.ipynb").read_text(encoding="utf-8") == notebook
        for file in (f"{name}.py", f"{name}.ipynb"):
            link = f'download="{file}" href="{os.path.relpath(served / file, html_dir)}"'
            assert link in html, f"{uri}: no link to {file}"
    for reference in (DOCS / "reference").glob("*.md"):
        assert f"reference/{reference.name}" not in PAGES


@pytest.mark.parametrize("uri", PAGES)
def test_script_runs_alone_and_prints_the_transcripts(
    uri: str, executed: dict, strict_site: StrictSite
) -> None:
    run = _finished(executed, "py", uri)
    page = exported(strict_site, uri)
    _, checks = export.to_script(page)
    outputs = [
        "".join(text for line, text in run.records if c.first <= line <= c.last) for c in checks
    ]
    _expect(checks, outputs, page)


@pytest.mark.parametrize("uri", PAGES)
def test_notebook_is_valid_nbformat_4(uri: str, strict_site: StrictSite) -> None:
    path = strict_site.path / downloads.FOLDER / f"{downloads.download_name(uri)}.ipynb"
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    assert notebook.nbformat == 4
    nbformat.validate(notebook)  # raises nbformat.ValidationError with the offending part


def _cell_text(cell: nbformat.NotebookNode) -> str:
    text = []
    for output in cell.outputs:
        if output.output_type == "stream" and output.name == "stdout":
            text.append(output.text)
        elif output.output_type == "execute_result":
            text.append(output.data.get("text/plain", "") + "\n")
        elif output.output_type == "error":
            text.append(f"{output.ename}: {output.evalue}\n")
    return "".join(text)


@pytest.mark.parametrize("uri", NOTEBOOK_PAGES)
def test_notebook_outputs_the_transcripts(
    uri: str, executed: dict, strict_site: StrictSite
) -> None:
    run = _finished(executed, "ipynb", uri)
    page = exported(strict_site, uri)
    _, checks = export.to_notebook(page)
    _expect(checks, [_cell_text(run.notebook.cells[c.first]) for c in checks], page)


@pytest.mark.parametrize("uri", NOTEBOOK_PAGES)
def test_notebook_shows_each_figure_inline(uri: str, executed: dict) -> None:
    run = _finished(executed, "ipynb", uri)
    missing = [
        i
        for i, cell in enumerate(run.notebook.cells)
        if cell.cell_type == "code"
        and "plt.show()" in cell.source
        and not any("image/png" in o.get("data", {}) for o in cell.outputs)
    ]
    assert not missing, (
        f"cells {missing} call plt.show() but display no image (is matplotlib switched to a "
        "non-interactive backend on import?)"
    )


def test_archive_holds_every_download(strict_site: StrictSite) -> None:
    served = strict_site.path / downloads.FOLDER
    with zipfile.ZipFile(strict_site.path / downloads.ARCHIVE) as archive:
        names = set(archive.namelist())
        expected = {"dlbasics-code/README.txt"} | {
            f"dlbasics-code/{downloads.download_name(uri)}{suffix}"
            for uri in PAGES
            for suffix in (".py", ".ipynb")
        }
        assert names == expected
        for name in expected - {"dlbasics-code/README.txt"}:
            assert archive.read(name) == (served / name.removeprefix("dlbasics-code/")).read_bytes()
    home = (strict_site.path / "index.html").read_text(encoding="utf-8")
    assert f'href="{downloads.ARCHIVE}"' in home


CONVERSIONS = """\
# Conversions

```pycon
>>> import numpy as np
>>> z = np.array([1.0, 2.0])
>>> z * 2
array([2., 4.])
>>> bool(z.sum() > 2), len(z)   # a tuple, printed as is
(True, 2)
>>> "text"
'text'
>>> int("x")
Traceback (most recent call last):
...
ValueError: invalid literal for int() with base 10: 'x'
```

```python exec="on" html="true" session="conversions-figure"
import numpy as np
from dlbasics.plots import figure_html, subplots

z = np.zeros(3)
fig, ax = subplots()
ax.plot(z)
print(figure_html(fig, caption="c", alt="a"))
assert z.sum() == 0  # markdown-exec: hide
```

```pycon
>>> print(z)
[1. 2.]
```
"""


def test_transcripts_become_plain_code_that_prints_the_same(tmp_path: Path) -> None:
    page = export.read_page(CONVERSIONS, "https://example.org/conversions/")
    script, checks = export.to_script(page)
    for line in (
        "import matplotlib.pyplot as plt",
        "print(repr(z * 2))",
        "print((bool(z.sum() > 2), len(z)))   # a tuple, printed as is",
        'print(repr("text"))',
        'except ValueError as error:\n    print(f"ValueError: {error}")',
        "def conversions_figure():",  # its z would replace the transcripts' z
        "    plt.show()\n\n\nconversions_figure()",
    ):
        assert line in script
    assert "markdown-exec" not in script
    assert "figure_html(fig" not in script
    (tmp_path / "conversions.py").write_text(script)
    run = _in_thread(lambda: _run_script(tmp_path / "conversions.py", tmp_path))
    assert run.status == 0, run.log
    outputs = ["".join(t for n, t in run.records if c.first <= n <= c.last) for c in checks]
    assert len(checks) == 5
    assert _mismatches(checks, outputs, page) == ""
    notebook, cell_checks = export.to_notebook(page)
    nbformat.validate(nbformat.from_dict(notebook))
    raising = notebook["cells"][cell_checks[3].first]
    assert raising["source"] == 'int("x")'
    assert raising["metadata"]["tags"] == ["raises-exception"]


def test_a_script_may_import_only_numpy_matplotlib_and_dlbasics(tmp_path: Path) -> None:
    script = tmp_path / "imports.py"
    script.write_text(
        "import json, numpy, matplotlib.pyplot, dlbasics, dlbasics.plots\nprint('allowed')\n"
        "import sklearn\n"
    )
    run = _in_thread(lambda: _run_script(script, tmp_path))
    assert run.status == 1
    assert run.records == [[2, "allowed"], [2, "\n"]]
    assert "No module named 'sklearn' (a downloaded script may import only" in run.log
