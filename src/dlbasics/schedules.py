r"""Learning-rate decay: the course's schedules as callables `epoch_num -> lr`.

`epoch_num` counts epochs from 1, as the course does: `dlbasics.network.train` calls
`schedule(epoch_num)` with `epoch_num = 1` before the first epoch. Every schedule implements
the course's formula as written, with one floor: a rate is never below `LR_FLOOR`
(`sys.float_info.min`, about $2.2\times10^{-308}$, the smallest normal float). Far enough out,
$0.95^{\text{epoch\_num}}$ underflows to exactly 0.0, which is not a learning rate (an
optimizer refuses it); the floor keeps the rate positive, and as small as a float can be.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlbasics._validate import check_int, check_nonnegative, check_positive

__all__ = [
    "LR_FLOOR",
    "ExponentialDecay",
    "InverseTimeDecay",
    "ManualSchedule",
    "SqrtDecay",
    "StaircaseDecay",
]

LR_FLOOR = sys.float_info.min  # the lowest rate a schedule returns (see the module docstring)


def _floored(lr: float) -> float:
    return max(lr, LR_FLOOR)


def _check_epoch_num(epoch_num: Any) -> int:
    return check_int(epoch_num, "epoch_num", 1, "1 on the first epoch")


def _check_factor(x: Any, name: str) -> float:
    factor = check_positive(x, name)
    if factor > 1:
        raise ValueError(f"{name} must be in (0, 1] (a decay factor), got {factor!r}")
    return factor


@dataclass(frozen=True)
class InverseTimeDecay:
    r"""$\alpha = \dfrac{\alpha_0}{1 + \text{decay\_rate}\cdot\text{epoch\_num}}$.

    Parameters
    ----------
    lr0 : float
        Initial learning rate $\alpha_0 > 0$.
    decay_rate : float
        Decay rate >= 0 (0 keeps $\alpha_0$).

    Notes
    -----
    The first epoch already runs at $\alpha_0/(1+\text{decay\_rate})$, as in the course.

    Examples
    --------
    >>> schedule = InverseTimeDecay(lr0=0.2, decay_rate=1.0)
    >>> [round(schedule(epoch_num), 6) for epoch_num in range(1, 5)]
    [0.1, 0.066667, 0.05, 0.04]
    """

    lr0: float
    decay_rate: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr0", check_positive(self.lr0, "lr0"))
        object.__setattr__(self, "decay_rate", check_nonnegative(self.decay_rate, "decay_rate"))

    def __call__(self, epoch_num: int) -> float:
        return _floored(self.lr0 / (1 + self.decay_rate * _check_epoch_num(epoch_num)))


@dataclass(frozen=True)
class ExponentialDecay:
    r"""$\alpha = \text{base}^{\,\text{epoch\_num}}\,\alpha_0$, e.g. base = 0.95.

    Parameters
    ----------
    lr0 : float
        Initial learning rate $\alpha_0 > 0$.
    base : float, default=0.95
        Factor per epoch, in (0, 1].

    Notes
    -----
    Never below `LR_FLOOR` ($2.2\times10^{-308}$): with the default base the formula
    underflows to 0.0 from about epoch 14,500 on, and the floor holds there.

    Examples
    --------
    >>> schedule = ExponentialDecay(lr0=0.1, base=0.5)
    >>> [round(schedule(epoch_num), 6) for epoch_num in range(1, 5)]
    [0.05, 0.025, 0.0125, 0.00625]
    """

    lr0: float
    base: float = 0.95

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr0", check_positive(self.lr0, "lr0"))
        object.__setattr__(self, "base", _check_factor(self.base, "base"))

    def __call__(self, epoch_num: int) -> float:
        return _floored(self.base ** _check_epoch_num(epoch_num) * self.lr0)


@dataclass(frozen=True)
class SqrtDecay:
    r"""$\alpha = \dfrac{k}{\sqrt{\text{epoch\_num}}}\,\alpha_0$.

    Parameters
    ----------
    lr0 : float
        Base learning rate $\alpha_0 > 0$.
    k : float, default=1.0
        Constant $k > 0$; the first epoch runs at $k\,\alpha_0$.

    Examples
    --------
    >>> schedule = SqrtDecay(lr0=0.1, k=1.0)
    >>> [round(schedule(epoch_num), 6) for epoch_num in (1, 4, 9)]
    [0.1, 0.05, 0.033333]
    """

    lr0: float
    k: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr0", check_positive(self.lr0, "lr0"))
        object.__setattr__(self, "k", check_positive(self.k, "k"))

    def __call__(self, epoch_num: int) -> float:
        return _floored(self.k / math.sqrt(_check_epoch_num(epoch_num)) * self.lr0)


@dataclass(frozen=True)
class StaircaseDecay:
    r"""Staircase: $\alpha_0$, multiplied by `drop` after every `every` epochs.

    $$\alpha = \text{drop}^{\lfloor (\text{epoch\_num} - 1)/\text{every} \rfloor}\,\alpha_0$$

    Parameters
    ----------
    lr0 : float
        Initial learning rate $\alpha_0 > 0$, used for the first `every` epochs.
    drop : float, default=0.5
        Factor applied at each step, in (0, 1].
    every : int, default=10
        Epochs between steps, >= 1.

    Notes
    -----
    Never below `LR_FLOOR` ($2.2\times10^{-308}$), where the formula would underflow to 0.0.

    Examples
    --------
    >>> schedule = StaircaseDecay(lr0=0.1, drop=0.5, every=2)
    >>> [round(schedule(epoch_num), 6) for epoch_num in range(1, 7)]
    [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    """

    lr0: float
    drop: float = 0.5
    every: int = 10

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr0", check_positive(self.lr0, "lr0"))
        object.__setattr__(self, "drop", _check_factor(self.drop, "drop"))
        object.__setattr__(self, "every", check_int(self.every, "every", 1, "epochs"))

    def __call__(self, epoch_num: int) -> float:
        return _floored(self.drop ** ((_check_epoch_num(epoch_num) - 1) // self.every) * self.lr0)


@dataclass(frozen=True)
class ManualSchedule:
    r"""A table set by hand: piecewise constant, each rate holding until the next entry.

    Parameters
    ----------
    table : mapping {first epoch_num: lr} or sequence of lr
        A mapping must have an entry for epoch 1. A sequence gives the rates of epochs 1, 2,
        3, ...; epochs past its end keep the last rate. Every rate must be > 0.

    Examples
    --------
    >>> schedule = ManualSchedule({1: 0.1, 4: 0.01, 6: 0.001})
    >>> [schedule(epoch_num) for epoch_num in range(1, 8)]
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
            items = list(enumerate(table, start=1))
        else:
            raise TypeError(f"table must be a mapping or a sequence, got {type(table).__name__}")
        if not items or items[0][0] != 1:
            raise ValueError(f"table must give the rate of epoch 1, got {table!r}")
        starts = tuple(_check_epoch_num(e) for e, _ in items)
        rates = tuple(check_positive(lr, f"table[{e}]") for e, lr in items)
        object.__setattr__(self, "_starts", starts)
        object.__setattr__(self, "_rates", rates)

    def __call__(self, epoch_num: int) -> float:
        i = int(np.searchsorted(self._starts, _check_epoch_num(epoch_num), side="right")) - 1
        return self._rates[i]
