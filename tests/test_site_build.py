"""The strict build itself, what can be checked in its HTML without a browser, and the build
hooks in scripts/ (plain modules that MkDocs loads by path)."""

import importlib.util
import json
import re
import sys
from types import ModuleType

import pytest

from sitetools import ROOT, StrictSite

EXTERNAL = re.compile(
    r'<(?:script|img|link|iframe|source)\b[^>]*\b(?:src|href)="(?:https?:)?//', re.IGNORECASE
)
TEX = re.compile(r"\\[()[\]]|\\[A-Za-z]+")
CODE = re.compile(r"<pre\b.*?</pre>|<code\b.*?</code>", re.DOTALL)


def hook(name: str) -> ModuleType:
    """A fresh copy of the build hook scripts/`name`.py, loaded as MkDocs loads it."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_strict_build_succeeds_without_warnings(strict_site: StrictSite) -> None:
    # build_sites fails the fixture on a non-zero exit or any WARNING line.
    assert (strict_site.path / "index.html").is_file()
    assert (strict_site.path / "javascripts" / "mathjax" / "tex-chtml-nomenu.js").is_file()


def test_no_page_loads_anything_from_another_origin(strict_site: StrictSite) -> None:
    offenders = [
        f"{html.relative_to(strict_site.path)}: {m.group(0)}"
        for html in sorted(strict_site.path.rglob("*.html"))
        for m in EXTERNAL.finditer(html.read_text(encoding="utf-8"))
        if 'rel="canonical"' not in m.group(0)  # a name for the page, not a request
    ]
    assert offenders == []


def test_search_index_holds_words_not_tex(strict_site: StrictSite) -> None:
    index = json.loads((strict_site.path / "search" / "search_index.json").read_text("utf-8"))
    with_tex = [
        f"{doc['location']}: {match.group(0)!r}"
        for doc in index["docs"]
        for match in [TEX.search(CODE.sub("", doc["title"] + " " + doc["text"]))]
        if match
    ]
    assert with_tex == []
    # The math is still there as text: the forward pass defines the normalized value.
    forward = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("batch-norm/f"))
    assert "σ" in forward
    assert "μ" in forward


def test_pages_load_no_pyodide(strict_site: StrictSite) -> None:
    # markdown-exec adds its pyodide script and stylesheet to every page unless told the
    # languages it runs; the site runs only Python at build time.
    html = (strict_site.path / "index.html").read_text(encoding="utf-8")
    assert "pyodide" not in html


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"\hat z = (z - \mu)/\sqrt{\sigma^2 + \varepsilon}", "z = (z - μ)/√(σ^2 + ε)"),
        (r"\mu_\mathcal{B} = \frac{1}{m}\sum_{i=1}^{m} z^{(i)}", "μ_B = 1/m ∑ _i=1^m z^(i)"),
        (r"J^{\{t\}} = \frac{1}{b}\text{ per batch}", "J^{t} = 1/b per batch"),
        (r"\begin{aligned} a &= b \\ c &\leftarrow d \end{aligned}", "a = b ; c ← d"),
        (r"W - \alpha\, \dfrac{dW}{\sqrt{s_{dW}} + \varepsilon}", "W - α dW/(√s_dW + ε)"),
    ],
)
def test_search_text_reads_math_as_words(tex: str, text: str) -> None:
    search_text = hook("search_text")
    assert search_text.plain(tex) == text
    assert search_text.plain_math(rf"<p>so \({tex}\) and \[{tex}\].</p>") == (
        f"<p>so {text} and {text}.</p>"
    )


def test_pycon_copy_text_is_the_statements() -> None:
    page_markup = hook("page_markup")
    transcript = (
        ">>> x = [1,\n...      2]\n>>> for v in x:\n...     print(v)\n1\n2\n>>> x\n[1, 2]\n"
    )
    assert page_markup.pycon_source(transcript) == (
        "x = [1,\n     2]\nfor v in x:\n    print(v)\nx\n"
    )
    html = (
        '<div class="language-pycon highlight"><pre><span></span><code>'
        '<span class="gp">&gt;&gt;&gt; </span><span class="n">a</span> <span class="o">&lt;</span>'
        ' <span class="mi">2</span>\n<span class="go">True</span>\n</code></pre></div>'
    )
    assert 'data-copy="a &lt; 2\n"' in page_markup.add_copy_text(html)


def test_table_code_wraps_only_between_tokens() -> None:
    page_markup = hook("page_markup")
    html = (
        '<p><code>not in a table</code></p><table><tr><td><code>SGD(lr=α, <a href="#m">'
        "momentum</a>=0.9)</code></td></tr></table>"
    )
    assert page_markup.mark_tokens(html) == (
        '<p><code>not in a table</code></p><table><tr><td><code><span class="dl-token">'
        'SGD(lr=α,</span> <a href="#m"><span class="dl-token">momentum</span></a>'
        '<span class="dl-token">=0.9)</span></code></td></tr></table>'
    )


class FakePage:
    def __init__(self, src_uri: str) -> None:
        self.file = type("File", (), {"src_uri": src_uri})()


def test_exec_cache_reruns_only_what_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    from markdown_exec._internal.formatters import python as formatter

    ran: list[str] = []

    def run_python(code: str, returncode=None, session=None, id=None, **extra):
        ran.append(code)
        return f"output of {code}"

    monkeypatch.setattr(formatter, "_run_python", run_python)
    exec_cache = hook("exec_cache")
    exec_cache.on_startup(command="serve", dirty=True)
    page = FakePage("a.md")

    def build(*codes: str) -> list[str]:
        exec_cache.on_page_markdown("", page, None, None)
        outputs = [formatter._run_python(code, session="s") for code in codes]
        exec_cache.on_page_content("", page, None, None)
        return outputs

    assert build("x = 1", "print(x)") == ["output of x = 1", "output of print(x)"]
    assert ran == ["x = 1", "print(x)"]
    ran.clear()
    assert build("x = 1", "print(x)") == ["output of x = 1", "output of print(x)"]
    assert ran == []  # a prose edit: nothing runs
    assert build("x = 1", "print(x + 1)") == ["output of x = 1", "output of print(x + 1)"]
    assert ran == ["x = 1", "print(x + 1)"]  # the changed block, after the state it needs


def test_exec_cache_is_off_for_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    from markdown_exec._internal.formatters import python as formatter

    original = formatter._run_python
    exec_cache = hook("exec_cache")
    exec_cache.on_startup(command="build", dirty=False)
    assert formatter._run_python is original
    assert exec_cache.on_page_markdown("text", FakePage("a.md"), None, None) == "text"
    assert exec_cache.current is None


def test_serve_uses_the_exec_cache() -> None:
    # Its effect shows only under `mkdocs serve` (benchmarks/livereload.py times it).
    assert "scripts/exec_cache.py" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
