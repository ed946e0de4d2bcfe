"""Helpers shared by several test modules (importable: pytest puts tests/ on the path)."""

from __future__ import annotations

from typing import Any

from dlbasics.results import Trial


def key(trials: list[Trial]) -> list[tuple[Any, ...]]:
    """Everything a trial's outcome consists of, except its duration (which varies)."""
    return [(t.id, t.params, t.loss, t.curve, t.status, t.error) for t in trials]
