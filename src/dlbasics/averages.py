r"""Exponentially weighted (moving) averages, the idea behind momentum, RMSprop and Adam."""

from __future__ import annotations

from typing import Any

import numpy as np

from dlbasics._validate import as_float_array, check_bool, check_finite, check_unit_interval

__all__ = ["ewa", "ewa_window"]


def ewa(values: Any, beta: float, *, bias_correction: bool = False) -> np.ndarray:
    r"""Exponentially weighted average of a series, one value per step.

    Parameters
    ----------
    values : array-like of shape (T,) or (T, ...)
        The series $\theta_1, \dots, \theta_T$ along the first axis; further axes are averaged
        independently (e.g. one column per parameter). An empty series ($T = 0$) gives an
        empty result.
    beta : float
        Weight $\beta$ in [0, 1) on the old average. $\beta = 0$ returns the series itself.
    bias_correction : bool, default=False
        Whether to divide $v_t$ by $1 - \beta^t$.

    Returns
    -------
    ndarray, same shape as values
        $v_1, \dots, v_T$ (or the corrected values).

    Raises
    ------
    ValueError
        If `beta` is outside [0, 1), if `values` is 0-dimensional or not finite.
    TypeError
        If `values` is not numeric.

    Notes
    -----
    $$v_0 = 0, \qquad v_t = \beta\, v_{t-1} + (1-\beta)\, \theta_t, \qquad
      v^{\text{corrected}}_t = \frac{v_t}{1-\beta^t}.$$

    Unrolled, $v_t = (1-\beta)\sum_{i=1}^{t} \beta^{t-i}\theta_i$: the weights decay
    geometrically and sum to $1-\beta^t$, which is why the early $v_t$ are too small and why
    dividing by $1-\beta^t$ corrects them. The average covers roughly the last
    $1/(1-\beta)$ values (see `ewa_window`).

    Examples
    --------
    >>> import numpy as np
    >>> print(np.round(ewa([10.0, 10.0, 10.0], beta=0.9), 6))
    [1.   1.9  2.71]
    >>> print(np.round(ewa([10.0, 10.0, 10.0], beta=0.9, bias_correction=True), 6))
    [10. 10. 10.]
    """
    values = as_float_array(values, "values")
    if values.ndim == 0:
        raise ValueError("values must be a series (at least 1-dimensional), got a scalar")
    check_finite(values, "values")
    beta = check_unit_interval(beta, "beta")
    bias_correction = check_bool(bias_correction, "bias_correction")
    out: np.ndarray = np.empty_like(values)
    v = np.zeros(values.shape[1:], values.dtype)  # an empty series gives an empty one
    for t, theta in enumerate(values):
        v = beta * v + (1 - beta) * theta
        out[t] = v
    if bias_correction:
        steps = np.arange(1, len(values) + 1).reshape((-1,) + (1,) * (values.ndim - 1))
        out /= 1 - beta**steps
    return out


def ewa_window(beta: float) -> float:
    r"""The number of recent values an average with weight `beta` roughly covers: $1/(1-\beta)$.

    Parameters
    ----------
    beta : float
        Weight $\beta$ in [0, 1) on the old average.

    Returns
    -------
    float
        $1/(1-\beta)$. After that many steps a value's weight has decayed by
        $\beta^{1/(1-\beta)} \approx 1/e$.

    Examples
    --------
    >>> print(round(ewa_window(0.9), 6), round(ewa_window(0.98), 6))
    10.0 50.0
    """
    beta = check_unit_interval(beta, "beta")
    return 1.0 / (1.0 - beta)
