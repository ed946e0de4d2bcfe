"""Pages that cite a test (``tests/test_x.py::test_name``) must cite one that exists."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CITATION = re.compile(r"(tests/[\w/]+\.py)::(\w+)")


def citations() -> list[tuple[str, str, str]]:
    found = []
    for page in sorted((ROOT / "docs").rglob("*.md")):
        for path, name in CITATION.findall(page.read_text()):
            found.append((str(page.relative_to(ROOT)), path, name))
    return found


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
    }


def test_the_errata_page_cites_tests() -> None:
    assert any(page == "docs/errata.md" for page, _, _ in citations())


@pytest.mark.parametrize(("page", "path", "name"), citations())
def test_cited_test_exists(page: str, path: str, name: str) -> None:
    file = ROOT / path
    assert file.is_file(), f"{page} cites {path}, which does not exist"
    assert name in defined_tests(file), f"{page} cites {path}::{name}, which is not defined"
