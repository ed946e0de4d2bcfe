"""Checks at the public boundary: errors name the parameter, the value and what was expected."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np


def as_float_array(x: Any, name: str, *, ndim: tuple[int, ...] | None = None) -> np.ndarray:
    """Return `x` as a floating-point array; integers and booleans become float64."""
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}") from exc
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise TypeError(f"{name} must have a real numeric dtype, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim not in ndim:
        want = " or ".join(str(d) for d in ndim)
        raise ValueError(f"{name} must be {want}-dimensional, got shape {arr.shape}")
    return arr


def check_shape(x: np.ndarray, name: str, shape: tuple[int, ...], what: str = "") -> None:
    """Raise unless `x.shape == shape`."""
    if x.shape != shape:
        extra = f" ({what})" if what else ""
        raise ValueError(f"{name} must have shape {shape}{extra}, got {x.shape}")


def is_int(x: object) -> bool:
    """True for integers (any `numbers.Integral`, e.g. NumPy's) except bools."""
    # A predicate rather than inline isinstance: mypy does not know that int, float and bool are
    # registered as numbers.Integral / numbers.Real, and would wrongly narrow to "unreachable".
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def is_real(x: object) -> bool:
    """True for real numbers (any `numbers.Real`, e.g. NumPy's) except bools."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def check_int(x: Any, name: str, low: int, what: str = "") -> int:
    """Return `x` as an int, raising unless it is an integer (not a bool) >= `low`."""
    extra = f" ({what})" if what else ""
    if not is_int(x):
        raise TypeError(f"{name} must be an integer >= {low}{extra}, got {x!r}")
    if x < low:
        raise ValueError(f"{name} must be an integer >= {low}{extra}, got {x!r}")
    return int(x)


def check_positive(x: Any, name: str) -> float:
    """Return `x` as a float, raising unless it is a finite number > 0."""
    if not is_real(x):
        raise TypeError(f"{name} must be a real number, got {x!r}")
    if not (np.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {x!r}")
    return float(x)


def check_unit_interval(x: Any, name: str) -> float:
    """Return `x` as a float, raising unless 0 <= x < 1 (an averaging weight)."""
    if not is_real(x):
        raise TypeError(f"{name} must be a real number, got {x!r}")
    if not 0 <= x < 1:
        raise ValueError(f"{name} must be in [0, 1), got {x!r}")
    return float(x)


def check_nonnegative(x: Any, name: str) -> float:
    """Return `x` as a float, raising unless it is a finite number >= 0."""
    if not is_real(x):
        raise TypeError(f"{name} must be a real number, got {x!r}")
    if not (np.isfinite(x) and x >= 0):
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")
    return float(x)


def check_finite(x: np.ndarray, name: str, hint: str = "") -> None:
    """Raise a ValueError if an entry of the array `x` is nan or inf."""
    if not np.all(np.isfinite(x)):
        extra = f"; {hint}" if hint else ""
        raise ValueError(f"{name} must be finite, got nan or inf{extra}")


def check_bool(x: Any, name: str) -> bool:
    """Return `x`, raising unless it is a bool (NumPy's included)."""
    if not isinstance(x, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {x!r}")
    return bool(x)


def as_rng(seed: Any, name: str = "seed") -> np.random.Generator:
    """A Generator from `seed`: a Generator is returned as is, an integer >= 0 seeds a new one.

    Anything else, None included (fresh OS entropy would not be reproducible), raises: a
    TypeError for the wrong type, a ValueError for a negative integer.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    what = f"{name} must be an integer >= 0 or a numpy.random.Generator, got {seed!r}"
    if not is_int(seed):
        raise TypeError(what)
    if seed < 0:
        raise ValueError(what)
    return np.random.default_rng(int(seed))
