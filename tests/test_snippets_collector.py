"""Proof that the docs snippet collector and the strict build can fail.

Each test writes a small docs tree with one known defect and checks that it is reported.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

GOOD = """\
# Good

```pycon
>>> 6 * 7
42
```

```python exec="on" session="good-a" result="text"
x = 41
```

```python exec="on" session="good-a" result="text"
print(x + 1)
```
"""

WRONG_OUTPUT = """\
# Wrong output

```pycon
>>> 0.1 + 0.2
0.4
```
"""

RAISES = """\
# Raises

```python exec="on" result="text"
raise RuntimeError("this block is broken")
```
"""

MANGLED = """\
# Mangled

```python session="mangled-a" result="text"
print("never runs")
```

```python exec="off"
print("never runs")
```
"""

REUSED = """\
# Reused session

```python exec="on" session="good-a"
pass
```
"""

SOLUTIONS = """\
# Exercises

```pycon
>>> x = 6
```

## Exercises

### Exercise 1 · easy: Right

Multiply.

??? success "Solution"
    ```pycon
    >>> x * 7
    42
    ```

### Exercise 2 · medium: Wrong answer

Multiply again.

??? tip "Hint"
    Seven times.

??? success "Solution"
    Here:

    ```pycon
    >>> x * 7
    41
    ```

### Exercise 3 · hard: Broken code

Print it.

??? success "Solution"
    ```python exec="on" session="solutions-broken" result="text"
    raise RuntimeError("this solution is broken")
    ```
"""

CONFTEST = """\
from pathlib import Path
from mdsnippets import collector
ROOT = Path(__file__).resolve().parent
pytest_collect_file = collector(docs=ROOT / "docs", root=ROOT)
"""


def write_docs(root: Path, pages: dict[str, str]) -> None:
    for name, text in pages.items():
        path = root / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_collector_reports_each_defect(pytester: pytest.Pytester, monkeypatch) -> None:
    pages = {
        "good.md": GOOD,
        "wrong.md": WRONG_OUTPUT,
        "raises.md": RAISES,
        "mangled.md": MANGLED,
        "zz-reused.md": REUSED,
    }
    write_docs(pytester.path, pages)
    pytester.makeconftest(CONFTEST)
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rf", "docs")
    out = result.stdout.str()
    # good.md: 3 blocks pass; wrong, raises, 2 mangled fences and the reused session fail
    result.assert_outcomes(passed=3, failed=5)
    assert "FAILED docs/wrong.md::line:3,column:1" in out
    assert "Expected:\n    0.4\nGot:\n    0.30000000000000004" in out
    assert "FAILED docs/raises.md::line:3,column:1" in out
    assert "RuntimeError: this block is broken" in out
    assert "FAILED docs/mangled.md::line:3,column:1" in out
    assert 'result, session without exec="on"' in out
    assert "FAILED docs/mangled.md::line:7,column:1" in out
    assert 'exec="off": superfences stops recognising this fence' in out
    assert "FAILED docs/zz-reused.md::line:3,column:1" in out
    assert "session 'good-a' is already used by docs/good.md" in out


def test_collector_checks_solutions_inside_collapsed_blocks(
    pytester: pytest.Pytester, monkeypatch
) -> None:
    """Fences indented in a ??? block are checked like the others: a wrong answer and a
    raising solution fail, each named by its line."""
    write_docs(pytester.path, {"solutions.md": SOLUTIONS})
    pytester.makeconftest(CONFTEST)
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rf", "docs")
    out = result.stdout.str()
    result.assert_outcomes(passed=2, failed=2)  # the setup transcript and exercise 1 pass
    assert "FAILED docs/solutions.md::line:29,column:1" in out
    assert "Expected:\n    41\nGot:\n    42" in out
    assert "FAILED docs/solutions.md::line:39,column:1" in out
    assert "RuntimeError: this solution is broken" in out


def test_a_block_run_alone_replays_its_session(pytester: pytest.Pytester, monkeypatch) -> None:
    write_docs(pytester.path, {"good.md": GOOD})
    pytester.makeconftest(CONFTEST)
    monkeypatch.setenv("PYTHONPATH", str(TESTS))
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "docs/good.md::line:12,column:1"
    )
    result.assert_outcomes(passed=1)


def mkdocs_build(
    root: Path, pages: dict[str, str], hooks: bool = False
) -> subprocess.CompletedProcess:
    write_docs(root, pages)
    config = textwrap.dedent("""\
        site_name: proof
        strict: true
        plugins: [markdown-exec]
        markdown_extensions:
          - pymdownx.superfences
          - pymdownx.arithmatex: {generic: true}
        """)
    if hooks:
        config += f"hooks: [{TESTS.parent / 'scripts' / 'build_checks.py'}]\n"
    (root / "mkdocs.yml").write_text(config)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(root / "site")],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )


def test_strict_build_fails_on_a_raising_block(tmp_path: Path) -> None:
    build = mkdocs_build(tmp_path, {"index.md": GOOD, "raises.md": RAISES})
    assert build.returncode != 0
    assert "this block is broken" in build.stdout
    assert "Aborted with 1 warnings in strict mode" in build.stdout


def test_strict_build_alone_misses_a_mangled_fence(tmp_path: Path) -> None:
    """Why the collector is needed: the build publishes the mangled page without complaint."""
    build = mkdocs_build(tmp_path, {"index.md": GOOD, "mangled.md": MANGLED})
    assert build.returncode == 0, build.stdout
    assert "never runs" in (tmp_path / "site" / "mangled" / "index.html").read_text()


def test_build_check_hook_fails_the_build_on_a_mangled_fence(tmp_path: Path) -> None:
    build = mkdocs_build(tmp_path, {"index.md": GOOD, "mangled.md": MANGLED}, hooks=True)
    assert build.returncode != 0
    assert "mangled.md: a code fence was not recognised" in build.stdout


TEX_TYPOS = r"""# TeX typos

Fine: $\hat z = (z - \mu)/\sqrt{\sigma^2 + \varepsilon}$.

Typo: $\sigmaa^2$.

$$
\frac{1}{\sqrt{m}
$$
"""


def test_build_check_hook_fails_the_build_on_tex_typos(tmp_path: Path) -> None:
    build = mkdocs_build(tmp_path, {"index.md": TEX_TYPOS}, hooks=True)
    assert build.returncode != 0
    assert "index.md: undefined control sequence \\sigmaa" in build.stdout
    assert "index.md: unbalanced braces" in build.stdout
    assert build.stdout.count("WARNING") == 2, build.stdout  # the correct equation passes
