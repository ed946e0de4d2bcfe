"""The exercise convention: its parser, the build that checks and lists exercises, and the
downloads, which keep prompts and hints and leave solutions out.

Fixture sites (a few pages with exercises, built with the project's hooks) prove what the real
site cannot yet: no page has exercises so far. `MUST_HAVE_EXERCISES` switches on, page by
page, the rule that a teaching page ends with 2 to 4 exercises graded from easy to hard.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urldefrag

import downloads
import exercise_format
import nbformat
import pytest
from exercises import INDEX, MARKER, with_anchors

from sitetools import QUIET_ENV, StrictSite, page_urls

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
RUNNER = Path(__file__).resolve().parent / "run_isolated.py"

# Teaching pages that must end with 2-4 exercises, graded from easy to hard. Add a page here
# once it has its exercises; the test below then holds it to the rule.
MUST_HAVE_EXERCISES: tuple[str, ...] = (
    "hyperparameters/importance.md",
    "hyperparameters/random-search.md",
    "hyperparameters/coarse-to-fine.md",
    "hyperparameters/scale.md",
    "hyperparameters/panda-and-caviar.md",
    "hyperparameters/spend-compute.md",
    "optimization/index.md",
    "optimization/mini-batch.md",
    "optimization/ewa.md",
    "optimization/momentum.md",
    "optimization/rmsprop.md",
    "optimization/adam.md",
    "optimization/lr-decay.md",
    "optimization/local-optima.md",
    "optimization/compare.md",
)

PAGE_ONE = """\
# Page one

```pycon
>>> x = 6
>>> x * 7
42
```

## Exercises

Try them before you open the solutions.

### Exercise 1 · easy: Multiply by six

What is $x \\cdot 6$? Start from this:

```pycon
>>> y = x + 1
```

??? tip "Hint"
    Six sixes.

??? success "Solution"
    Multiply:

    ```pycon
    >>> print("SOLUTION-ONE", x * 6)
    SOLUTION-ONE 36
    ```

### Exercise 2 · hard: Print it

Print $y^2$, as on [page two](two.md#exercises).

??? success "Solution"
    ```python exec="on" session="one-solution" result="text"
    print("SOLUTION-TWO", 7 * 7)
    ```
"""

PAGE_TWO = """\
# Page two

### Not an exercise

```pycon
>>> 1 + 1
2
```

## Exercises

### Exercise 1 · medium: Add

Add one and one.

??? success "Solution"
    ```pycon
    >>> 1 + 1
    2
    ```
"""

INDEX_PAGE = f"""\
# Exercises

{MARKER}
"""

CONFIG = """\
site_name: exercises proof
strict: true
nav:
  - Home: index.md
  - Section A:
      - One: a/one.md
      - Two: a/two.md
  - Exercises: exercises.md
plugins: [markdown-exec]
markdown_extensions:
  - admonition
  - attr_list
  - pymdownx.details
  - pymdownx.superfences
  - pymdownx.arithmatex: {generic: true}
  - toc:
      permalink: true
"""


def write_site(root: Path, pages: dict[str, str]) -> Path:
    for name, text in {"index.md": "# Home\n", "exercises.md": INDEX_PAGE, **pages}.items():
        path = root / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    scripts = ROOT / "scripts"
    hooks = ", ".join(str(scripts / h) for h in ("build_checks.py", "exercises.py", "downloads.py"))
    (root / "mkdocs.yml").write_text(CONFIG + f"hooks: [{hooks}]\n", encoding="utf-8")
    return root


def build_all(*roots: Path) -> list[tuple[int, str]]:
    """`mkdocs build --strict` of each root, concurrently: (exit status, output)."""
    with contextlib.ExitStack() as stack:
        runs = []
        for root in roots:
            log = stack.enter_context(tempfile.TemporaryFile("w+"))
            args = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(root / "site")]
            proc = subprocess.Popen(
                args, cwd=root, env=QUIET_ENV, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            runs.append((stack.enter_context(proc), log))
        results = []
        for proc, log in runs:
            status = proc.wait(timeout=300)
            log.seek(0)
            results.append((status, log.read()))
    return results


@pytest.fixture(scope="session")
def fixture_builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, int, str]]:
    """A site whose pages have exercises, and two that break the convention, built at once."""
    broken_heading = PAGE_TWO.replace(
        "### Exercise 1 · medium: Add", "### Exercise 1 - medium: Add"
    )
    raising = PAGE_ONE.replace('print("SOLUTION-TWO", 7 * 7)', 'print("SOLUTION-TWO", 7 / 0)')
    roots = {
        "good": write_site(
            tmp_path_factory.mktemp("good"), {"a/one.md": PAGE_ONE, "a/two.md": PAGE_TWO}
        ),
        "heading": write_site(
            tmp_path_factory.mktemp("heading"), {"a/one.md": PAGE_ONE, "a/two.md": broken_heading}
        ),
        "raising": write_site(
            tmp_path_factory.mktemp("raising"), {"a/one.md": raising, "a/two.md": PAGE_TWO}
        ),
    }
    results = build_all(*roots.values())
    return {
        name: (root, *result) for (name, root), result in zip(roots.items(), results, strict=True)
    }


def good_site(fixture_builds: dict) -> Path:
    root, status, output = fixture_builds["good"]
    assert status == 0, output
    assert "WARNING" not in output, output
    return root


def index_problems(site: Path, docs: Path) -> list[str]:
    """Every exercise of the pages in `docs` must be linked once from the exercises page, and
    every link there must reach an exercise's anchor on a built page."""
    urls = dict(
        zip(
            (p.relative_to(docs).as_posix() for p in sorted(docs.rglob("*.md"))),
            page_urls(docs),
            strict=True,
        )
    )
    index_dir = site / urls[INDEX]
    html = (index_dir / "index.html").read_text(encoding="utf-8")
    article = (
        html[html.index("<article") : html.index("</article>")] if "<article" in html else html
    )
    links = []
    for href in re.findall(r'href="([^"]*#exercise-[^"]*)"', article):
        path, anchor = urldefrag(href)
        links.append(((index_dir / path / "index.html").resolve(), anchor))
    problems = []
    for target, anchor in links:
        if not target.is_file() or f'id="{anchor}"' not in target.read_text(encoding="utf-8"):
            problems.append(f"a link of the exercises page does not resolve: {target}#{anchor}")
    for uri, url in urls.items():
        for exercise in exercise_format.parse((docs / uri).read_text(encoding="utf-8")).items:
            target = ((site / url) / "index.html").resolve()
            count = links.count((target, exercise.anchor))
            if count != 1:
                problems.append(f"{uri} exercise {exercise.number} is linked {count} times")
    return problems


def test_the_real_exercise_index_lists_every_exercise(strict_site: StrictSite) -> None:
    assert (strict_site.path / "exercises" / "index.html").is_file()
    assert index_problems(strict_site.path, DOCS) == []


def test_pages_held_to_the_rule_have_two_to_four_graded_exercises() -> None:
    teaching = {
        md.relative_to(DOCS).as_posix()
        for md in DOCS.rglob("*.md")
        if downloads.make_download(
            md.relative_to(DOCS).as_posix(), md.read_text(encoding="utf-8"), ""
        )
        is not None
    }
    assert set(MUST_HAVE_EXERCISES) <= teaching, (
        "MUST_HAVE_EXERCISES names a page that is not a teaching page"
    )
    problems = {
        uri: rule_problems((DOCS / uri).read_text(encoding="utf-8")) for uri in MUST_HAVE_EXERCISES
    }
    assert {uri: p for uri, p in problems.items() if p} == {}


def rule_problems(text: str) -> list[str]:
    """What keeps a page from ending with 2-4 well-formed exercises graded from easy to hard."""
    found = exercise_format.parse(text)
    problems = list(found.problems)
    if not 2 <= len(found.items) <= 4:
        problems.append(f"{len(found.items)} exercises, expected 2 to 4")
    ranks = [exercise_format.DIFFICULTIES.index(e.difficulty) for e in found.items]
    if ranks != sorted(ranks):
        problems.append("exercises are not ordered from easy to hard")
    return problems


def test_the_rule_can_fail() -> None:
    assert rule_problems(PAGE_ONE) == []
    assert rule_problems(PAGE_TWO) == ["1 exercises, expected 2 to 4"]
    swapped = PAGE_ONE.replace("1 · easy", "1 · hard").replace("2 · hard", "2 · easy")
    assert rule_problems(swapped) == ["exercises are not ordered from easy to hard"]
    assert rule_problems("# No exercises\n") == ["0 exercises, expected 2 to 4"]


def test_parse_reads_every_part_of_an_exercise() -> None:
    found = exercise_format.parse(PAGE_ONE)
    assert found.problems == []
    assert [(e.number, e.difficulty, e.title, e.anchor) for e in found.items] == [
        (1, "easy", "Multiply by six", "exercise-1"),
        (2, "hard", "Print it", "exercise-2"),
    ]
    lines = PAGE_ONE.splitlines()
    one, two = found.items
    assert (
        lines[one.prompt[0] - 1 : one.prompt[1] - 1][1] == "What is $x \\cdot 6$? Start from this:"
    )
    assert [lines[first - 1] for first, _ in one.hints] == ['??? tip "Hint"']
    assert lines[one.solution[0] - 1] == '??? success "Solution"'
    assert lines[one.solution[1] - 2].strip() == "```"  # the solution's closing fence
    assert two.hints == []


SOLVED = '??? success "Solution"\n    ```pycon\n    >>> 1\n    1\n    ```'
HEAD = "### Exercise 1 · easy: Title\n\nPrompt.\n\n"
BROKEN = {
    "### Exercise 1 - easy: Dash": "exercise heading must read",
    "### Exercise 1 · trivial: Unknown": "exercise heading must read",
    f"### Exercise 2 · easy: Two\n\nPrompt.\n\n{SOLVED}": "exercise numbered 2, expected 1",
    HEAD + SOLVED.replace("???", "???+"): "(collapsed)",
    HEAD + SOLVED.replace("???", "!!!"): "(collapsed)",
    HEAD: 'has no ??? success "Solution"',
    HEAD + '??? success "Solution"\n    It is 1.': "has no checked code block",
    "### Exercise 1 · easy: Title\n\n" + SOLVED: "has no prompt",
    HEAD + SOLVED + "\n\nMore text.": "only hints and then the solution",
    HEAD + SOLVED + '\n\n??? tip "Hint"\n    Too late.': "nothing may follow the solution",
    "Only prose.": "'## Exercises' without any exercise",
}


@pytest.mark.parametrize("body", list(BROKEN), ids=range(len(BROKEN)))
def test_parse_reports_each_break_of_the_convention(body: str) -> None:
    problems = exercise_format.parse(f"# Page\n\n## Exercises\n\n{body}\n").problems
    assert any(BROKEN[body] in p for p in problems), problems


def test_parse_reports_misplaced_sections() -> None:
    outside = exercise_format.parse("# Page\n\n### Exercise 1 · easy: Lost\n")
    assert outside.problems == ["line 3: exercise heading outside '## Exercises'"]
    later = exercise_format.parse(PAGE_TWO + "\n## Further reading\n\nMore.\n")
    assert "'## Exercises' must be the last section" in later.problems[0]
    assert exercise_format.parse("# Page\n\n```python\n### Exercise 1\n```\n").problems == []


def test_strict_build_renders_and_lists_exercises(fixture_builds: dict) -> None:
    root = good_site(fixture_builds)
    one = (root / "site" / "a" / "one" / "index.html").read_text(encoding="utf-8")
    assert 'id="exercise-1"' in one
    assert 'id="exercise-2"' in one
    # markdown-exec ran the solution indented in the collapsed block, and rendered it there
    solution = one[one.index('<details class="success">', one.index('id="exercise-2"')) :]
    assert "SOLUTION-TWO 49" in solution[: solution.index("</details>")]
    assert index_problems(root / "site", root / "docs") == []
    listing = (root / "site" / "exercises" / "index.html").read_text(encoding="utf-8")
    assert "3 exercises on 2 pages: 1 easy, 1 medium, 1 hard." in listing
    assert "Section A" in listing
    assert "Not an exercise" not in listing


def test_the_index_check_can_fail(fixture_builds: dict, tmp_path: Path) -> None:
    root = good_site(fixture_builds)
    index = root / "site" / "exercises" / "index.html"
    html = index.read_text(encoding="utf-8")
    index.write_text(html.replace("a/two/#exercise-1", "a/two/#exercise-9"), encoding="utf-8")
    try:
        problems = index_problems(root / "site", root / "docs")
    finally:
        index.write_text(html, encoding="utf-8")
    assert any("does not resolve" in p and "exercise-9" in p for p in problems), problems
    assert "a/two.md exercise 1 is linked 0 times" in problems


def test_strict_build_fails_on_a_broken_convention_or_solution(fixture_builds: dict) -> None:
    _, status, output = fixture_builds["heading"]
    assert status != 0
    assert "a/two.md: line 12: exercise heading must read" in output
    _, status, output = fixture_builds["raising"]
    assert status != 0
    assert "ZeroDivisionError" in output


def test_downloads_keep_prompts_and_hints_and_leave_out_solutions(
    fixture_builds: dict, tmp_path: Path
) -> None:
    root = good_site(fixture_builds)
    script = (root / "site" / "code" / "a-one.py").read_text(encoding="utf-8")
    assert "SOLUTION" not in script
    assert "7 * 7" not in script
    assert "# ### Exercise 1 · easy: Multiply by six" in script
    assert "# What is $x \\cdot 6$? Start from this:" in script
    assert "y = x + 1" in script  # code in a prompt stays
    assert "# Hint: Six sixes." in script
    assert "# Print $y^2$, as on [page two](/a/two/#exercises)." in script  # a link that works
    notebook = nbformat.reads(
        (root / "site" / "code" / "a-one.ipynb").read_text(encoding="utf-8"), as_version=4
    )
    nbformat.validate(notebook)
    text = json.dumps(notebook)
    assert "SOLUTION" not in text
    markdown = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    assert any(m.startswith("### Exercise 2 · hard: Print it") for m in markdown)
    assert "<details><summary>Hint</summary>\n\nSix sixes.\n\n</details>" in markdown
    report = tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, "-I", str(RUNNER), str(root / "site" / "code" / "a-one.py"), str(report)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert [text for _, text in json.loads(report.read_text())] == ["42", "\n"]


def test_exercise_headings_get_their_anchor() -> None:
    anchored = with_anchors(PAGE_ONE)
    assert "### Exercise 1 · easy: Multiply by six { #exercise-1 }" in anchored
    assert "### Exercise 2 · hard: Print it { #exercise-2 }" in anchored
    assert anchored.count("{ #") == 2
    text = (DOCS / "batch-norm" / "forward.md").read_text(encoding="utf-8")
    assert with_anchors(text) == text
