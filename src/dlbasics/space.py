r"""A search space, and the parameters that trial $t$ of a search draws from it.

A space maps names to distributions from `dlbasics.distributions` (or to constants). Trial
$t$ of a search with seed $s$ owns the stream `SeedSequence(s, spawn_key=(t,))`: its first
child draws the parameters (`sample`), its second seeds the objective's `rng`. Every search
of the package (`random_search`, `successive_halving`, `population_based_training`) draws
its trials this way, so trial $t$ of one is trial $t$ of another.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlbasics._validate import check_int
from dlbasics.distributions import Distribution

__all__ = ["check_seed", "check_space", "sample"]


def check_space(space: Any) -> Mapping[str, Any]:
    """`space` if it is a non-empty mapping; a TypeError or ValueError saying what it needs."""
    if not isinstance(space, Mapping):
        raise TypeError(f"space must be a dict of name -> distribution, got {space!r}")
    if not space:
        raise ValueError("space must not be empty: give at least one hyperparameter")
    return space


def check_seed(seed: Any) -> int:
    """A search's seed: an integer >= 0 (trials spawn their streams from it)."""
    return check_int(seed, "seed", 0)


def _value(dist: Any, rng: np.random.Generator) -> Any:
    return dist.sample(rng) if isinstance(dist, Distribution) else dist


def sample(space: Mapping[str, Any], seed: int, trial_id: int) -> dict[str, Any]:
    r"""The parameters of trial `trial_id` in a search with `seed`.

    Drawn in the order of `space`'s keys from the first child of
    `SeedSequence(seed, spawn_key=(trial_id,))`; constants are copied as they are.

    Examples
    --------
    >>> from dlbasics.distributions import LogUniform
    >>> sample({"lr": LogUniform(1e-4, 1), "epochs": 5}, seed=0, trial_id=3)
    {'lr': 0.00115..., 'epochs': 5}
    """
    check_space(space)
    ss = np.random.SeedSequence(check_seed(seed), spawn_key=(int(trial_id),))
    rng = np.random.default_rng(ss.spawn(1)[0])
    return {name: _value(dist, rng) for name, dist in space.items()}
