r"""Learning-rate decay: the course's schedules as callables `epoch -> lr`.

`epoch` is 0-based, as `dlbasics.network.train` passes it: the first epoch is epoch 0. The
course counts epochs from 1 (`epoch_num`); where that matters it is said below.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlbasics._validate import check_int, check_positive, is_real

__all__ = [
    "ExponentialDecay",
    "InverseTimeDecay",
    "ManualSchedule",
    "SqrtDecay",
    "StaircaseDecay",
]


def _check_epoch(epoch: Any) -> int:
    return check_int(epoch, "epoch", 0, "0-based")


def _check_nonnegative(x: Any, name: str) -> float:
    if not is_real(x):
        raise TypeError(f"{name} must be a real number, got {x!r}")
    if not (np.isfinite(x) and x >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")
    return float(x)


def _check_factor(x: Any, name: str) -> float:
    factor = check_positive(x, name)
    if factor > 1:
        raise ValueError(f"{name} must be in (0, 1] (a decay factor), got {factor!r}")
    return factor


@dataclass(frozen=True)
class InverseTimeDecay:
    r"""$\alpha = \dfrac{\alpha_0}{1 + \text{decay\_rate}\cdot\text{epoch}}$.

    Parameters
    ----------
    alpha0 : float
        Initial learning rate $\alpha_0 > 0$ (the rate of epoch 0).
    decay_rate : float
        Decay rate >= 0 (0 keeps $\alpha_0$).

    Notes
    -----
    The course writes $\alpha_0/(1 + \text{decay\_rate}\cdot\text{epoch\_num})$ with
    `epoch_num` counted from 1: the same sequence, one epoch later (its first epoch already
    runs at $\alpha_0/(1+\text{decay\_rate})$).

    Examples
    --------
    >>> schedule = InverseTimeDecay(alpha0=0.2, decay_rate=1.0)
    >>> [round(schedule(epoch), 6) for epoch in range(4)]
    [0.2, 0.1, 0.066667, 0.05]
    """

    alpha0: float
    decay_rate: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha0", check_positive(self.alpha0, "alpha0"))
        object.__setattr__(self, "decay_rate", _check_nonnegative(self.decay_rate, "decay_rate"))

    def __call__(self, epoch: int) -> float:
        return self.alpha0 / (1 + self.decay_rate * _check_epoch(epoch))


@dataclass(frozen=True)
class ExponentialDecay:
    r"""$\alpha = \text{base}^{\,\text{epoch}}\,\alpha_0$, e.g. $0.95^{\text{epoch}}\alpha_0$.

    Parameters
    ----------
    alpha0 : float
        Initial learning rate $\alpha_0 > 0$ (the rate of epoch 0).
    base : float, default=0.95
        Factor per epoch, in (0, 1].

    Examples
    --------
    >>> schedule = ExponentialDecay(alpha0=0.1, base=0.5)
    >>> [round(schedule(epoch), 6) for epoch in range(4)]
    [0.1, 0.05, 0.025, 0.0125]
    """

    alpha0: float
    base: float = 0.95

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha0", check_positive(self.alpha0, "alpha0"))
        object.__setattr__(self, "base", _check_factor(self.base, "base"))

    def __call__(self, epoch: int) -> float:
        return self.base ** _check_epoch(epoch) * self.alpha0


@dataclass(frozen=True)
class SqrtDecay:
    r"""$\alpha = \dfrac{k}{\sqrt{\text{epoch} + 1}}\,\alpha_0$.

    Parameters
    ----------
    alpha0 : float
        Base learning rate $\alpha_0 > 0$.
    k : float, default=1.0
        Constant $k > 0$; epoch 0 runs at $k\,\alpha_0$.

    Notes
    -----
    The course's $\frac{k}{\sqrt{\text{epoch\_num}}}\alpha_0$ counts epochs from 1; with
    0-based epochs that is $\sqrt{\text{epoch} + 1}$, which also avoids dividing by
    $\sqrt 0$ at the first epoch.

    Examples
    --------
    >>> schedule = SqrtDecay(alpha0=0.1, k=1.0)
    >>> [round(schedule(epoch), 6) for epoch in (0, 3, 8)]
    [0.1, 0.05, 0.033333]
    """

    alpha0: float
    k: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha0", check_positive(self.alpha0, "alpha0"))
        object.__setattr__(self, "k", check_positive(self.k, "k"))

    def __call__(self, epoch: int) -> float:
        return self.k / math.sqrt(_check_epoch(epoch) + 1) * self.alpha0


@dataclass(frozen=True)
class StaircaseDecay:
    r"""Staircase: $\alpha = \text{drop}^{\lfloor \text{epoch}/\text{every} \rfloor}\alpha_0$.

    Parameters
    ----------
    alpha0 : float
        Initial learning rate $\alpha_0 > 0$.
    drop : float, default=0.5
        Factor applied at each step, in (0, 1].
    every : int, default=10
        Epochs between steps, >= 1.

    Examples
    --------
    >>> schedule = StaircaseDecay(alpha0=0.1, drop=0.5, every=2)
    >>> [round(schedule(epoch), 6) for epoch in range(6)]
    [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    """

    alpha0: float
    drop: float = 0.5
    every: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "alpha0", check_positive(self.alpha0, "alpha0"))
        object.__setattr__(self, "drop", _check_factor(self.drop, "drop"))
        object.__setattr__(self, "every", check_int(self.every, "every", 1, "epochs"))

    def __call__(self, epoch: int) -> float:
        return self.drop ** (_check_epoch(epoch) // self.every) * self.alpha0


@dataclass(frozen=True)
class ManualSchedule:
    r"""A table set by hand: piecewise constant, each rate holding until the next entry.

    Parameters
    ----------
    table : mapping {first_epoch: lr} or sequence of lr
        A mapping must have an entry for epoch 0. A sequence gives the rate of epochs 0, 1,
        2, ...; epochs past its end keep the last rate. Every rate must be > 0.

    Examples
    --------
    >>> schedule = ManualSchedule({0: 0.1, 3: 0.01, 5: 0.001})
    >>> [schedule(epoch) for epoch in range(7)]
    [0.1, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001]
    >>> ManualSchedule([0.3, 0.2])(10)
    0.2
    """

    table: Mapping[int, float] | Sequence[float]
    _starts: tuple[int, ...] = field(init=False, repr=False)
    _rates: tuple[float, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        table: object = self.table  # checked at run time: the caller may not be type-checked
        if isinstance(table, Mapping):
            items = sorted(table.items())
        elif isinstance(table, Sequence) and not isinstance(table, str):
            items = list(enumerate(table))
        else:
            raise TypeError(f"table must be a mapping or a sequence, got {type(table).__name__}")
        if not items or items[0][0] != 0:
            raise ValueError(f"table must give the rate of epoch 0, got {table!r}")
        starts = tuple(_check_epoch(e) for e, _ in items)
        rates = tuple(check_positive(lr, f"table[{e}]") for e, lr in items)
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_rates", rates)

    def __call__(self, epoch: int) -> float:
        i = int(np.searchsorted(self._starts, _check_epoch(epoch), side="right")) - 1
        return self._rates[i]
