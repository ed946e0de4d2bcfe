r"""Distributions for hyperparameters, each sampled on its own scale.

A search space is a mapping from names to these objects (or to constants). Bounds are always
VALUES, never exponents: `LogUniform(1e-4, 1)` samples $\alpha = 10^r$ with $r \sim U(-4, 0)$,
and `ReverseLogUniform(0.9, 0.999)` samples $\beta = 1 - 10^s$ with $s \sim U(-3, -1)$.

Every continuous distribution maps a value $x$ to a coordinate $t$ on its scale (`to_scale`)
and back (`from_scale`); sampling draws $t$ uniformly between the scaled bounds. Each
distribution also carries what `grid` and `zoom` in `dlbasics.search` need: `grid(n)` spaces
points and `narrow(values, margin)` narrows the range on the same coordinates, so each axis is
spaced and narrowed on its own scale.

Each one also answers `rvs(size=None, random_state=None)`, the method scikit-learn's
`RandomizedSearchCV` calls, so a space written here can be passed there unchanged.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np

from dlbasics._validate import check_bool, check_int, check_nonnegative, is_int, is_real

__all__ = ["Choice", "Distribution", "IntUniform", "LogUniform", "ReverseLogUniform", "Uniform"]


_INT_MAX = 2**53  # IntUniform's bounds: every integer up to here is exact as a float


def _real(x: Any, name: str, cls: str) -> float:
    if not is_real(x) or not math.isfinite(x):
        raise TypeError(f"{cls}: {name} must be a finite real number, got {x!r}")
    return float(x)


def _unit(size: int | tuple[int, ...] | None, random_state: Any) -> Any:
    """Uniform draws in [0, 1) from a Generator, a legacy RandomState, an int or None."""
    if isinstance(random_state, np.random.RandomState):
        return random_state.random_sample(size)
    if isinstance(random_state, np.random.Generator):
        return random_state.random(size)
    return np.random.default_rng(random_state).random(size)


def _check_rng(rng: Any) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {rng!r}"
        )
    return rng


def _check_values(values: Any) -> list[Any]:
    out = list(values)
    if not out:
        raise ValueError("values must hold at least one value to narrow around, got []")
    return out


class Distribution(ABC):
    """What a search space holds besides constants: sample, space a grid, narrow a range."""

    @abstractmethod
    def sample(self, rng: np.random.Generator) -> Any:
        """One value drawn with the Generator `rng`."""

    @abstractmethod
    def rvs(self, size: int | tuple[int, ...] | None = None, random_state: Any = None) -> Any:
        """scipy.stats-style sampling (what scikit-learn calls): one value if `size` is None."""

    @abstractmethod
    def grid(self, n: int) -> list[Any]:
        """`n` points spread over the distribution on its own scale (fewer if they repeat)."""

    @abstractmethod
    def narrow(self, values: Sequence[Any], margin: float = 0.1) -> Distribution:
        """A distribution of the same kind spanning `values` (the coarse-to-fine step)."""


class _Scaled(Distribution):
    """A continuous distribution: uniform in t = to_scale(x) between the scaled bounds."""

    scale = "linear"

    def __init__(self, low: float, high: float) -> None:
        name = type(self).__name__
        self.low = _real(low, "low", name)
        self.high = _real(high, "high", name)
        if not self.low < self.high:
            raise ValueError(f"{name}: low must be < high, got low={low!r}, high={high!r}")
        t_lo, t_hi = self.bounds
        if not math.isfinite(t_hi - t_lo):
            raise ValueError(
                f"{name}: high - low must be a finite float, got low={low!r}, high={high!r} "
                "(the width overflows: narrow the range)"
            )

    def to_scale(self, x: Any) -> Any:
        """The coordinate $t$ of value(s) `x` on this distribution's scale."""
        return np.asarray(x, dtype=float)

    def from_scale(self, t: Any) -> Any:
        """The value(s) at coordinate(s) `t` (inverse of `to_scale`)."""
        return np.asarray(t, dtype=float)

    @property
    def bounds(self) -> tuple[float, float]:
        """`(t_low, t_high)`: the bounds on the scale, lower first."""
        a, b = float(self.to_scale(self.low)), float(self.to_scale(self.high))
        return (min(a, b), max(a, b))

    def _from_unit(self, u: Any) -> Any:
        t_lo, t_hi = self.bounds
        x = self.from_scale(t_lo + (t_hi - t_lo) * np.asarray(u))
        return np.clip(x, self.low, self.high)

    def sample(self, rng: np.random.Generator) -> Any:
        """One value drawn with the Generator `rng`, as a Python scalar."""
        return self._from_unit(_check_rng(rng).random()).item()

    def rvs(self, size: int | tuple[int, ...] | None = None, random_state: Any = None) -> Any:
        """scipy.stats-style sampling (what scikit-learn calls): a scalar if `size` is None."""
        x = self._from_unit(_unit(size, random_state))
        return x.item() if size is None else x

    def grid(self, n: int) -> list[Any]:
        r"""`n` points evenly spaced in $t$ from low to high (the midpoint if `n` is 1).

        Log axes thus get log-spaced points, reverse-log axes points evenly spaced in
        $\log_{10}(1-\beta)$, integer axes distinct integers (repeats are dropped).
        """
        n = check_int(n, "n", 1)
        lo, hi = self.bounds
        t = np.linspace(lo, hi, n) if n > 1 else np.array([(lo + hi) / 2])
        x = np.clip(self.from_scale(t), self.low, self.high)
        return list(dict.fromkeys(x.tolist()))

    def narrow(self, values: Sequence[Any], margin: float = 0.1) -> Distribution:
        r"""The range of `values` widened by `margin` times the old width on each side.

        In coordinates $t$: $[\min t - \delta W, \max t + \delta W]$, clipped to the old
        bounds, with $W$ the old width and $\delta$ = `margin`. If the values leave no width,
        the distribution is returned unchanged.
        """
        t = self.to_scale(_check_values(values))
        margin = check_nonnegative(margin, "margin")
        lo, hi = self.bounds
        a = max(lo, float(np.min(t)) - margin * (hi - lo))
        b = min(hi, float(np.max(t)) + margin * (hi - lo))
        x = sorted(np.clip(self.from_scale([a, b]), self.low, self.high).tolist())
        return self._between(x[0], x[1])

    def _between(self, low: Any, high: Any) -> Distribution:
        return type(self)(low, high) if low < high else self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.low!r}, {self.high!r})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))


class Uniform(_Scaled):
    r"""Uniform on $[\text{low}, \text{high}]$.

    Parameters
    ----------
    low, high : float
        Bounds, `low < high`.

    Raises
    ------
    ValueError
        If `low >= high`.

    Examples
    --------
    >>> import numpy as np
    >>> d = Uniform(0.0, 0.5)
    >>> 0.0 <= d.sample(np.random.default_rng(0)) <= 0.5
    True
    """


class LogUniform(_Scaled):
    r"""Log-uniform on [low, high]: $x = 10^r$, $r$ uniform between the bounds' exponents.

    $r \sim U(\log_{10}\mathrm{low}, \log_{10}\mathrm{high})$.

    The scale for a learning rate: each decade gets the same share of the samples.
    The bounds are values, like `scipy.stats.loguniform(a, b)` (Hyperopt's `hp.loguniform`
    takes natural-log exponents instead).

    Parameters
    ----------
    low, high : float
        Bounds, `0 < low < high`.

    Raises
    ------
    ValueError
        If `low <= 0` or `low >= high`.

    Examples
    --------
    >>> import numpy as np
    >>> alpha = LogUniform(1e-4, 1)
    >>> alpha.bounds  # the exponents r is drawn between
    (-4.0, 0.0)
    >>> x = alpha.rvs(size=100_000, random_state=0)
    >>> print(round(float(np.mean(x < 1e-3)), 2))  # one decade of four
    0.25
    """

    scale = "log"

    def __init__(self, low: float, high: float) -> None:
        if _real(low, "low", "LogUniform") <= 0:
            raise ValueError(f"LogUniform: low must be > 0 (a log scale), got low={low!r}")
        super().__init__(low, high)

    def to_scale(self, x: Any) -> Any:
        return np.log10(np.asarray(x, dtype=float))

    def from_scale(self, t: Any) -> Any:
        return 10.0 ** np.asarray(t, dtype=float)


class ReverseLogUniform(_Scaled):
    r"""For averaging weights near 1: $x = 1 - 10^s$, $s$ uniform between the bounds' exponents.

    $s \sim U(\log_{10}(1-\text{high}), \log_{10}(1-\text{low}))$.

    `ReverseLogUniform(0.9, 0.999)` draws $s \sim U(-3, -1)$: the averaging window
    $1/(1-\beta)$ is log-uniform between 10 and 1000, so 0.99-0.999 gets as many samples as
    0.9-0.99.

    Keras Tuner's `sampling="reverse_log"` is a different scale: it mirrors a log-uniform
    draw inside [min, max], $\text{max} + \text{min} - \text{min}\,(\text{max}/\text{min})^{1-p}$
    with $p \sim U(0, 1)$, which on [0.9, 0.999] is nearly uniform (about 9.5 % of draws
    above 0.99, against 50 % here). The Keras Tuner form of this distribution is
    `1 - hp.Float("one_minus_beta", 1e-3, 1e-1, sampling="log")`.

    Parameters
    ----------
    low, high : float
        Bounds, `0 < low < high < 1`.

    Raises
    ------
    ValueError
        If a bound lies outside (0, 1) or `low >= high`.

    Examples
    --------
    >>> import numpy as np
    >>> beta = ReverseLogUniform(0.9, 0.999)
    >>> beta.bounds
    (-3.0, -1.0)
    >>> b = beta.rvs(size=100_000, random_state=0)
    >>> print(round(float(np.mean(b > 0.99)), 2))  # half the samples: s in [-3, -2]
    0.5
    """

    scale = "reverse_log"

    def __init__(self, low: float, high: float) -> None:
        for name, v in (("low", low), ("high", high)):
            if not 0 < _real(v, name, "ReverseLogUniform") < 1:
                raise ValueError(f"ReverseLogUniform: {name} must be in (0, 1), got {v!r}")
        super().__init__(low, high)

    def to_scale(self, x: Any) -> Any:
        return np.log10(1.0 - np.asarray(x, dtype=float))

    def from_scale(self, t: Any) -> Any:
        return 1.0 - 10.0 ** np.asarray(t, dtype=float)


class IntUniform(_Scaled):
    r"""Integers in $[\text{low}, \text{high}]$ (both included), uniform or on a log scale.

    With `log=True`, $x = \lfloor e^r \rfloor$, $r \sim U(\ln \text{low}, \ln(\text{high}+1))$:
    as many samples in 10-100 hidden units as in 100-1000.

    Parameters
    ----------
    low, high : int
        Bounds, `low < high` (and `low >= 1` when `log=True`).
    log : bool, default=False
        Sample on a log scale.

    Raises
    ------
    TypeError
        If a bound is not an integer.
    ValueError
        If `low >= high`, a bound is beyond $\pm 2^{53}$ (where floats stop holding every
        integer), or `log=True` with `low < 1`.

    Examples
    --------
    >>> import numpy as np
    >>> hidden = IntUniform(16, 128, log=True)
    >>> rng = np.random.default_rng(0)
    >>> [hidden.sample(rng) for _ in range(5)]
    [60, 28, 17, 16, 87]
    """

    def __init__(self, low: int, high: int, log: bool = False) -> None:
        for name, v in (("low", low), ("high", high)):
            if not is_int(v):
                raise TypeError(f"IntUniform: {name} must be an integer, got {v!r}")
            if abs(v) > _INT_MAX:
                raise ValueError(
                    f"IntUniform: {name} must be an integer in [-2**53, 2**53] (sampled through "
                    f"floats, which hold every integer only up to 2**53), got {v!r}"
                )
        if log and low < 1:
            raise ValueError(f"IntUniform: low must be >= 1 when log=True, got low={low!r}")
        self.log = check_bool(log, "log")  # before the base class, whose checks use the scale
        super().__init__(int(low), int(high))
        self.low, self.high = int(low), int(high)
        self.scale = "log" if log else "linear"

    def to_scale(self, x: Any) -> Any:
        x = np.asarray(x, dtype=float)
        return np.log(x) if self.log else x

    def from_scale(self, t: Any) -> Any:
        t = np.asarray(t, dtype=float)
        return np.rint(np.exp(t) if self.log else t).astype(np.int64)

    def _from_unit(self, u: Any) -> Any:
        lo, hi = float(self.low), float(self.high + 1)
        u = np.asarray(u)
        x = np.exp(np.log(lo) + (np.log(hi) - np.log(lo)) * u) if self.log else lo + (hi - lo) * u
        return np.clip(np.floor(x), self.low, self.high).astype(np.int64)

    def _between(self, low: Any, high: Any) -> Distribution:
        a, b = int(low), int(high)
        if a == b:  # one value left: keep a neighbour so that low < high
            a, b = (a, b + 1) if b < self.high else (a - 1, b)
        return IntUniform(a, b, log=self.log)

    def __repr__(self) -> str:
        extra = ", log=True" if self.log else ""
        return f"IntUniform({self.low!r}, {self.high!r}{extra})"


class Choice(Distribution):
    r"""One of a list of options, each with probability $1/k$.

    Parameters
    ----------
    options : sequence or 1-D ndarray
        The options (any values: numbers, strings, None, ...), at least one. To save a search
        to a file, use values a results file can hold (see `dlbasics.trialfile`): names
        rather than classes, e.g. `Choice(["relu", "tanh"])`.

    Raises
    ------
    ValueError
        If `options` is empty.

    Examples
    --------
    >>> import numpy as np
    >>> act = Choice(["relu", "tanh"])
    >>> act.sample(np.random.default_rng(1))
    'tanh'
    """

    scale = "choice"

    def __init__(self, options: Sequence[Any] | np.ndarray) -> None:
        if isinstance(options, np.ndarray) and options.ndim == 1:
            options = list(options)  # NumPy scalars, e.g. from np.arange
        if isinstance(options, str | bytes) or not isinstance(options, Sequence):
            raise TypeError(
                f"Choice: options must be a list, a tuple or a 1-D array, got {options!r}"
            )
        if len(options) == 0:
            raise ValueError("Choice: options must not be empty, got []")
        self.options = list(options)

    def _from_unit(self, u: Any) -> Any:
        k = len(self.options)
        return np.minimum((np.asarray(u) * k).astype(np.int64), k - 1)

    def sample(self, rng: np.random.Generator) -> Any:
        """One option drawn with the Generator `rng`."""
        return self.options[int(self._from_unit(_check_rng(rng).random()))]

    def rvs(self, size: int | tuple[int, ...] | None = None, random_state: Any = None) -> Any:
        """scipy.stats-style sampling (what scikit-learn calls): one option if `size` is None."""
        idx = self._from_unit(_unit(size, random_state))
        if size is None:
            return self.options[int(idx)]
        out = np.empty(idx.shape, dtype=object)
        for pos, i in np.ndenumerate(idx):
            out[pos] = self.options[i]
        return out

    def grid(self, n: int) -> list[Any]:
        """All the options, whatever `n` (an integer >= 1)."""
        check_int(n, "n", 1)
        return list(self.options)

    def narrow(self, values: Sequence[Any], margin: float = 0.1) -> Distribution:
        """The options found in `values`, in their original order (`margin` is not used)."""
        values = _check_values(values)
        check_nonnegative(margin, "margin")
        return Choice([o for o in self.options if o in values])

    def __repr__(self) -> str:
        return f"Choice({self.options!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Choice) and self.options == other.options

    def __hash__(self) -> int:
        return hash(repr(self))
