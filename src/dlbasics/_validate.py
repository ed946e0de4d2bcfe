"""Checks at the public boundary: errors name the parameter, the value and what was expected.

Floating point: the package computes in float32 or float64. float16 is refused everywhere
(`check_float_dtype`): its range ends at 65504, so batch-norm sums and Adam's squared
gradients overflow; convert with `.astype(np.float32)`.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

EPS_MIN = 1e-30  # an optimizer's eps below this vanishes in float32 and 0/0 gives nan


def check_float_dtype(dtype: Any, name: str) -> np.dtype:
    """Return `dtype` as a NumPy dtype, raising unless it is float32, float64 or wider."""
    dt: np.dtype = np.dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{name} must be a floating-point type, got {dt}")
    if dt.itemsize < 4:
        raise TypeError(
            f"{name} must be float32 or float64, got {dt} (float16 sums and squares overflow "
            "at 65504: convert with .astype(np.float32))"
        )
    return dt


def as_float_array(x: Any, name: str, *, ndim: tuple[int, ...] | None = None) -> np.ndarray:
    """Return `x` as a floating-point array; integers and booleans become float64.

    Complex and non-numeric arrays raise a TypeError, and so does float16 (see above).
    """
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be array-like of numbers, got {type(x).__name__}") from exc
    if arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise TypeError(f"{name} must have a real numeric dtype, got dtype {arr.dtype}")
    check_float_dtype(arr.dtype, name)
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


def check_int_list(x: Any, name: str, low: int, example: str) -> list[int]:
    """Return `x` as a list of ints, raising unless it is a sequence of integers >= `low`."""
    if isinstance(x, str | bytes) or not isinstance(x, Sequence | np.ndarray):
        raise TypeError(f"{name} must be a list of integers, e.g. {example}, got {x!r}")
    return [check_int(v, f"{name}[{i}]", low) for i, v in enumerate(x)]


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


def check_eps(x: Any, name: str = "eps") -> float:
    """Return `x` as a float, raising unless it is a finite number >= `EPS_MIN` (1e-30)."""
    eps = check_positive(x, name)
    if eps < EPS_MIN:
        raise ValueError(
            f"{name} must be a finite number >= {EPS_MIN:g} (smaller values vanish in float32, "
            f"and 0/0 gives nan), got {x!r}"
        )
    return eps


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


def check_finite_values(x: np.ndarray, name: str, low: float | None = None) -> None:
    """Raise a ValueError unless every entry of `x` is finite (and >= `low` if given)."""
    check_finite(x, name)
    if low is not None and x.size and np.min(x) < low:
        raise ValueError(f"{name} must be >= {low:g} everywhere, got an entry {float(np.min(x))!r}")


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


class Checked:
    """An attribute validated on every assignment, as the constructor validates it.

    `beta1 = Checked(check_unit_interval)` in a class body makes `obj.beta1 = 1.0` raise the
    same error as the constructor; the value lives in `obj._beta1`.
    """

    def __init__(self, check: Callable[[Any, str], Any]) -> None:
        self.check = check
        self.name = self.slot = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.slot = name, f"_{name}"

    def __get__(self, obj: object, objtype: type | None = None) -> Any:
        return self if obj is None else getattr(obj, self.slot)

    def __set__(self, obj: object, value: Any) -> None:
        setattr(obj, self.slot, self.check(value, self.name))
