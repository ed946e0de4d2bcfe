r"""Two-parameter cost surfaces, and the path an optimizer takes on one.

The optimization pages run the optimizers of `dlbasics.optim` on functions of two
parameters, where every step can be drawn: an elongated bowl (one steep and one flat
direction) and a saddle (a stationary point that is not a minimum). A surface is called on
points of shape `(..., 2)` — one point, a path, or a grid for contour plots — and gives its
gradient with `grad`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from dlbasics._validate import (
    as_float_array,
    as_rng,
    check_int,
    check_nonnegative,
    check_positive,
    check_shape,
    is_real,
)
from dlbasics.optim import Optimizer

__all__ = ["Bowl", "Saddle", "Surface", "descend", "first_below"]


class Surface(Protocol):
    """A cost $f(w_1, w_2)$: its value, its gradient and where its minima are."""

    @property
    def minima(self) -> tuple[tuple[float, float], ...]:
        """The points where $f$ is smallest."""

    def __call__(self, w: Any) -> np.ndarray:
        """$f$ at points of shape `(..., 2)`, shape `(...)`."""

    def grad(self, w: Any) -> np.ndarray:
        """$\\nabla f$ at points of shape `(..., 2)`, same shape."""


def _points(w: Any) -> np.ndarray:
    points = as_float_array(w, "w")
    if points.ndim == 0 or points.shape[-1] != 2:
        raise ValueError(
            f"w must have shape (..., 2), points of two parameters, got {points.shape}"
        )
    return points


@dataclass(frozen=True)
class Bowl:
    r"""The elongated bowl $f(w) = \tfrac12 (a_1 u_1^2 + a_2 u_2^2)$, $u = R^\top w$.

    Parameters
    ----------
    a1, a2 : float, default 0.5 and 50
        Curvatures $> 0$ along the bowl's two axes; their ratio is its condition number.
    angle : float, default 0
        Rotation $R$ of the axes, in radians: 0 aligns them with $w_1$ and $w_2$.

    Notes
    -----
    $f(w) = \tfrac12 w^\top H w$ with Hessian $H = R \operatorname{diag}(a_1, a_2) R^\top$,
    gradient $H w$, minimum $f = 0$ at the origin. Gradient descent is stable for
    $\alpha < 2/\max(a_1, a_2)$.

    Examples
    --------
    >>> import numpy as np
    >>> bowl = Bowl()
    >>> print(bowl([-4.0, 1.0]), bowl.grad([-4.0, 1.0]))
    29.0 [-2. 50.]
    >>> print(np.round(Bowl(angle=np.pi / 4).hessian, 2))
    [[ 25.25 -24.75]
     [-24.75  25.25]]
    """

    a1: float = 0.5
    a2: float = 50.0
    angle: float = 0.0

    def __post_init__(self) -> None:
        check_positive(self.a1, "a1")
        check_positive(self.a2, "a2")
        if not (is_real(self.angle) and np.isfinite(self.angle)):
            raise ValueError(f"angle must be a finite number (radians), got {self.angle!r}")

    @property
    def minima(self) -> tuple[tuple[float, float], ...]:
        """The minimum, at the origin."""
        return ((0.0, 0.0),)

    @property
    def hessian(self) -> np.ndarray:
        """The constant Hessian $H = R \\operatorname{diag}(a_1, a_2) R^\\top$, shape (2, 2)."""
        c, s = np.cos(self.angle), np.sin(self.angle)
        rotation = np.array([[c, -s], [s, c]])
        h: np.ndarray = rotation @ np.diag([self.a1, self.a2]) @ rotation.T
        return h

    def __call__(self, w: Any) -> np.ndarray:
        w = _points(w)
        f: np.ndarray = 0.5 * np.einsum("...i,ij,...j->...", w, self.hessian, w)
        return f

    def grad(self, w: Any) -> np.ndarray:
        g: np.ndarray = _points(w) @ self.hessian  # H is symmetric: w H = (H w)^T
        return g


@dataclass(frozen=True)
class Saddle:
    r"""A saddle between two minima: $f(w) = \tfrac12 w_1^2 + \tfrac14 w_2^4 - \tfrac12 w_2^2$.

    Notes
    -----
    The gradient $(w_1,\ w_2^3 - w_2)$ vanishes at the origin, where $f = 0$ and the Hessian
    is $\operatorname{diag}(1, -1)$: the surface curves up along $w_1$ and down along $w_2$.
    The minima are at $(0, \pm 1)$, with $f = -\tfrac14$ and Hessian
    $\operatorname{diag}(1, 2)$. On the line $w_2 = 0$ the gradient has no $w_2$ component,
    so a path that starts on it stays on it and ends at the saddle; near it, gradient
    descent moves away from the line by a factor of about $1 + \alpha$ per step.

    Examples
    --------
    >>> import numpy as np
    >>> saddle = Saddle()
    >>> print(saddle([[0.0, 0.0], [0.0, 1.0]]), saddle.grad([1.0, 0.5]))
    [ 0.   -0.25] [ 1.    -0.375]
    """

    @property
    def minima(self) -> tuple[tuple[float, float], ...]:
        """The two minima, $(0, -1)$ and $(0, 1)$."""
        return ((0.0, -1.0), (0.0, 1.0))

    def __call__(self, w: Any) -> np.ndarray:
        w = _points(w)
        w1, w2 = w[..., 0], w[..., 1]
        f: np.ndarray = 0.5 * w1**2 + 0.25 * w2**4 - 0.5 * w2**2
        return f

    def grad(self, w: Any) -> np.ndarray:
        w = _points(w)
        return np.stack([w[..., 0], w[..., 1] ** 3 - w[..., 1]], axis=-1)


def descend(
    optimizer: Optimizer,
    surface: Surface,
    start: Any,
    steps: int,
    *,
    noise: float = 0.0,
    seed: int | np.random.Generator = 0,
) -> np.ndarray:
    r"""Run `optimizer` for `steps` steps on `surface` from `start`; return the path.

    Parameters
    ----------
    optimizer : Optimizer
        A fresh optimizer of `dlbasics.optim` (it keeps its state under the key `"w"`).
    surface : Surface
        A cost with a `grad` method, such as `Bowl` or `Saddle`.
    start : array-like of shape (2,)
        The starting point $w^{(0)}$.
    steps : int
        Number of updates, >= 0.
    noise : float, default=0
        Standard deviation of Gaussian noise added to every gradient component, a stand-in
        for the noise of mini-batch gradients; 0 gives exact gradients.
    seed : int or numpy.random.Generator, default=0
        Seeds the noise.

    Returns
    -------
    ndarray of shape (steps + 1, 2)
        $w^{(0)}, w^{(1)}, \dots, w^{(\text{steps})}$.

    Raises
    ------
    ValueError
        If `start` is not a point of two finite numbers, `steps < 0` or `noise < 0`.
    FloatingPointError
        If the gradient overflows: the run diverged.

    Examples
    --------
    Gradient descent with $\alpha = 0.02$ on the bowl: along the flat axis ($a_1 = 0.5$) each
    step multiplies $w_1$ by $1 - 0.02 \cdot 0.5 = 0.99$, along the steep one ($a_2 = 50$)
    it multiplies $w_2$ by $1 - 0.02 \cdot 50 = 0$:

    >>> import numpy as np
    >>> from dlbasics import GD
    >>> path = descend(GD(lr=0.02), Bowl(), start=[-4.0, 1.0], steps=2)
    >>> print(np.round(path, 4))
    [[-4.      1.    ]
     [-3.96    0.    ]
     [-3.9204  0.    ]]
    """
    w = as_float_array(start, "start").copy()
    check_shape(w, "start", (2,), "a point of two parameters")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"start must be finite, got {w}")
    steps = check_int(steps, "steps", 0)
    noise = check_nonnegative(noise, "noise")
    rng = as_rng(seed)
    path = np.empty((steps + 1, 2))
    path[0] = w
    for t in range(1, steps + 1):
        with np.errstate(over="ignore", invalid="ignore"):
            g = surface.grad(w)
        if not np.all(np.isfinite(g)):
            raise FloatingPointError(
                f"the path diverged before step {t} (w = {w}); lower the learning rate?"
            )
        if noise:
            g = g + noise * rng.standard_normal(2)
        optimizer.step({"w": w}, {"w": g})
        path[t] = w
    return path


def first_below(values: Any, level: float) -> int | None:
    r"""The first index at which `values` falls below `level`, or None if it never does.

    Parameters
    ----------
    values : array-like of shape (T,)
        A series, e.g. the cost along a path: `surface(path)`.
    level : float
        The threshold.

    Returns
    -------
    int or None
        The smallest $t$ with $\text{values}[t] < \text{level}$: for a path, the number of
        steps taken to get there.

    Examples
    --------
    >>> print(first_below([3.0, 2.0, 0.5, 0.1], 1.0), first_below([3.0, 2.0], 1.0))
    2 None
    """
    values = as_float_array(values, "values", ndim=(1,))
    if not is_real(level):
        raise TypeError(f"level must be a real number, got {level!r}")
    below = np.flatnonzero(values < level)
    return int(below[0]) if below.size else None
