"""Collect every code block of docs/**/*.md as a test item (see tests/mdsnippets.py)."""

from pathlib import Path

from mdsnippets import collector

ROOT = Path(__file__).resolve().parent

pytest_plugins = ["pytester"]
pytest_collect_file = collector(docs=ROOT / "docs", root=ROOT)
