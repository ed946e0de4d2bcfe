r"""Gradient checking: central-difference numerical gradients and the relative error.

Compare an analytic gradient with `numerical_gradient` in float64, with a RANDOM upstream
gradient: for batch norm an all-ones upstream gradient gives $dz = 0$ and checks nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from dlbasics._validate import as_float_array, check_nonnegative, check_positive

_TINY = 1e-300


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    r"""Central-difference gradient of the scalar `f()` with respect to the array `x`.

    Parameters
    ----------
    f : callable taking no arguments, returning a float
        Reads `x` (and whatever else it closes over) and returns the scalar loss.
    x : ndarray of float64, any shape (views included)
        Perturbed IN PLACE, one entry at a time, and restored exactly before returning (also
        when `f` raises).
    eps : float, default=1e-6
        Step $h > 0$.

    Returns
    -------
    grad : ndarray of float64, shape of x
        $\partial f/\partial x_k \approx \dfrac{f(x + h e_k) - f(x - h e_k)}{2h}$.

    Raises
    ------
    TypeError
        If `x` is not a float64 ndarray (float32 would round the steps away), or `eps` is not
        a real number.
    ValueError
        If `eps <= 0`.

    Notes
    -----
    The truncation error is $O(h^2)$ and the rounding error about $\epsilon_\text{mach}|f|/h$;
    $h = 10^{-6}$ in float64 balances them to about $10^{-10}$ relative for smooth $f$.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0, 3.0])
    >>> g = numerical_gradient(lambda: float(np.sum(x**3)), x)
    >>> print(np.round(g, 6))  # 3 x^2
    [ 3. 12. 27.]
    >>> print(x)  # restored
    [1. 2. 3.]
    """
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        raise TypeError(f"x must be a float64 ndarray (perturbed in place), got {_describe(x)}")
    h = check_positive(eps, "eps")
    grad = np.zeros(x.shape)
    for k in np.ndindex(x.shape):  # works for views too: f sees the perturbation
        old = x[k]
        try:
            x[k] = old + h
            f_plus = float(f())
            x[k] = old - h
            f_minus = float(f())
        finally:  # restored even if f raises
            x[k] = old
        grad[k] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a: ArrayLike, b: ArrayLike) -> float:
    r"""Relative error $\max|a - b| \,/\, \max(|a| + |b|)$, a scalar in [0, 1].

    One normalization for the whole array, so entries near zero do not blow it up; 0 when
    both are all zeros.

    Raises
    ------
    TypeError
        If `a` or `b` is not real and numeric (complex included: compare real and imaginary
        parts separately).
    ValueError
        If the shapes differ.

    Examples
    --------
    >>> rel_error([1.0, 2.0], [1.0, 2.000002])
    5e-07
    """
    a, b = as_float_array(a, "a").astype(np.float64), as_float_array(b, "b").astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    return float(
        np.max(np.abs(a - b), initial=0.0) / max(np.max(np.abs(a) + np.abs(b), initial=0.0), _TINY)
    )


def check_gradient(
    f: Callable[[], float],
    x: np.ndarray,
    analytic: ArrayLike,
    *,
    eps: float = 1e-6,
    rtol: float = 1e-7,
) -> float:
    """Compare `analytic` with `numerical_gradient(f, x, eps)`; return the relative error.

    Raises
    ------
    AssertionError
        If the relative error exceeds `rtol`.
    TypeError, ValueError
        If `analytic` is not real and numeric or its shape differs from `x`'s, or `rtol` is
        not a finite number >= 0.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.5, -1.0])
    >>> check_gradient(lambda: float(np.sum(np.sin(x))), x, np.cos(x)) < 1e-9
    True
    """
    analytic = as_float_array(analytic, "analytic")
    rtol = check_nonnegative(rtol, "rtol")
    err = rel_error(analytic, numerical_gradient(f, x, eps))
    if not err <= rtol:
        raise AssertionError(f"gradient check failed: relative error {err:.3g} > rtol={rtol:g}")
    return err


def _describe(x: object) -> str:
    return f"ndarray of dtype {x.dtype}" if isinstance(x, np.ndarray) else type(x).__name__
