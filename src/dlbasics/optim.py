r"""Gradient descent, momentum, RMSprop and Adam in the course's notation.

The math lives in pure step functions that return new arrays; the optimizer classes hold the
state per parameter and update the parameter arrays in place, without temporaries, so a
training loop can call them on every mini-batch. A hyperparameter set after construction
(`opt.beta1 = 0.95`) is checked as the constructor checks it.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from dlbasics._validate import (
    Checked,
    as_float_array,
    check_eps,
    check_finite,
    check_finite_values,
    check_float_dtype,
    check_int,
    check_positive,
    check_shape,
    check_unit_interval,
)

__all__ = [
    "GD",
    "Adam",
    "Momentum",
    "Optimizer",
    "RMSprop",
    "adam_step",
    "gd_step",
    "momentum_step",
    "rmsprop_step",
]

_DIVERGED = "lower the learning rate?"


class Optimizer(Protocol):
    """What `dlbasics.network.train` needs: a mutable learning rate and an in-place step."""

    lr: float

    def step(self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """Update every array of `params` in place from the gradient under the same key."""


def _check_grad(w: Any, dw: Any) -> tuple[np.ndarray, np.ndarray]:
    w = as_float_array(w, "w")
    dw = as_float_array(dw, "dw")
    check_shape(dw, "dw", w.shape, "the shape of w")
    check_finite(dw, "dw", _DIVERGED)
    return w, dw


def _check_state(x: Any, name: str, w: np.ndarray, low: float | None = None) -> np.ndarray:
    arr = as_float_array(x, name)
    check_shape(arr, name, w.shape, "the shape of w")
    check_finite_values(arr, name, low)
    return arr


def gd_step(w: Any, dw: Any, lr: float) -> np.ndarray:
    r"""One step of gradient descent: $W \leftarrow W - \alpha\, dW$.

    Parameters
    ----------
    w : ndarray of any shape
        Parameter $W$.
    dw : ndarray, same shape as w
        Gradient $dW$ of the cost with respect to `w`.
    lr : float
        Learning rate $\alpha > 0$.

    Returns
    -------
    w : ndarray, same shape as w
        The updated parameter (a new array).

    Raises
    ------
    ValueError
        If `lr <= 0`, if the shapes differ or if `dw` is not finite.

    Notes
    -----
    With $dW$ computed on a mini-batch this is mini-batch gradient descent; the course's
    "stochastic gradient descent" is the case of a mini-batch of one example. PyTorch calls
    this optimizer `torch.optim.SGD` whatever the batch size.

    Examples
    --------
    >>> import numpy as np
    >>> print(gd_step(np.array([1.0, 2.0]), np.array([0.5, -1.0]), lr=0.1))
    [0.95 2.1 ]
    """
    w, dw = _check_grad(w, dw)
    lr = check_positive(lr, "lr")
    w_new: np.ndarray = w - lr * dw
    return w_new


def momentum_step(
    w: Any, dw: Any, v: Any, lr: float, beta: float = 0.9
) -> tuple[np.ndarray, np.ndarray]:
    r"""One step of gradient descent with momentum, in the course's convention.

    Parameters
    ----------
    w : ndarray of any shape
        Parameter $W$.
    dw : ndarray, same shape as w
        Gradient $dW$.
    v : ndarray, same shape as w
        Velocity $v_{dW}$ from the previous step; zeros before the first step.
    lr : float
        Learning rate $\alpha > 0$.
    beta : float, default=0.9
        Averaging weight $\beta$ in [0, 1) on the old velocity.

    Returns
    -------
    w : ndarray
        Updated parameter.
    v : ndarray
        Updated velocity (an exponentially weighted average of the gradients).

    Raises
    ------
    ValueError
        If `lr <= 0`, `beta` is outside [0, 1), the shapes differ or `dw` is not finite.

    Notes
    -----
    $$v_{dW} \leftarrow \beta\, v_{dW} + (1-\beta)\, dW, \qquad W \leftarrow W - \alpha\, v_{dW}.$$

    PyTorch and d2l write $v \leftarrow \beta v + dW$ (no $1-\beta$): their learning rate
    $\alpha(1-\beta)$ gives exactly the same trajectory as the course's $\alpha$.

    Examples
    --------
    >>> import numpy as np
    >>> w, v = momentum_step(np.array([1.0]), np.array([2.0]), np.zeros(1), lr=0.1)
    >>> print(np.round(w, 6), np.round(v, 6))
    [0.98] [0.2]
    """
    w, dw = _check_grad(w, dw)
    v = _check_state(v, "v", w)
    lr = check_positive(lr, "lr")
    beta = check_unit_interval(beta, "beta")
    v = beta * v + (1 - beta) * dw
    return w - lr * v, v


def rmsprop_step(
    w: Any, dw: Any, s: Any, lr: float, beta2: float = 0.999, eps: float = 1e-8
) -> tuple[np.ndarray, np.ndarray]:
    r"""One step of RMSprop.

    Parameters
    ----------
    w : ndarray of any shape
        Parameter $W$.
    dw : ndarray, same shape as w
        Gradient $dW$.
    s : ndarray, same shape as w
        Running mean of squared gradients $s_{dW}$; zeros before the first step.
    lr : float
        Learning rate $\alpha > 0$.
    beta2 : float, default=0.999
        Averaging weight $\beta_2$ in [0, 1) on the old mean square.
    eps : float, default=1e-8
        $\varepsilon \ge 10^{-30}$, added to the root mean square (smaller values vanish in
        float32).

    Returns
    -------
    w : ndarray
        Updated parameter.
    s : ndarray
        Updated mean of squared gradients.

    Raises
    ------
    ValueError
        If `lr <= 0`, `beta2` is outside [0, 1), `eps < 1e-30`, the shapes differ, `dw` is not
        finite or `s` has a negative entry.

    Notes
    -----
    $$s_{dW} \leftarrow \beta_2\, s_{dW} + (1-\beta_2)\, dW^2, \qquad
      W \leftarrow W - \alpha\, \frac{dW}{\sqrt{s_{dW}} + \varepsilon}$$

    (squares and roots elementwise). PyTorch calls $\beta_2$ `alpha` (default 0.99) and Keras
    calls it `rho` (default 0.9).

    References
    ----------
    T. Tieleman and G. Hinton, Lecture 6.5 of "Neural Networks for Machine Learning",
    Coursera, 2012.

    Examples
    --------
    >>> import numpy as np
    >>> w, dw = np.array([1.0]), np.array([2.0])
    >>> w, s = rmsprop_step(w, dw, np.zeros(1), lr=0.1, beta2=0.9)
    >>> print(np.round(w, 6), np.round(s, 6))
    [0.683772] [0.4]
    """
    w, dw = _check_grad(w, dw)
    s = _check_state(s, "s", w, low=0.0)  # a mean of squares
    lr = check_positive(lr, "lr")
    beta2 = check_unit_interval(beta2, "beta2")
    eps = check_eps(eps)
    s = beta2 * s + (1 - beta2) * np.square(dw)
    return w - lr * (dw / (np.sqrt(s) + eps)), s


def adam_step(
    w: Any,
    dw: Any,
    v: Any,
    s: Any,
    t: int,
    lr: float,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""One step of Adam: momentum and RMSprop with bias correction.

    Parameters
    ----------
    w : ndarray of any shape
        Parameter $W$.
    dw : ndarray, same shape as w
        Gradient $dW$.
    v : ndarray, same shape as w
        First moment $v_{dW}$ (uncorrected); zeros before the first step.
    s : ndarray, same shape as w
        Second moment $s_{dW}$ (uncorrected); zeros before the first step.
    t : int
        The 1-based count of this update (1 on the first call), used for bias correction.
    lr : float
        Learning rate $\alpha > 0$.
    beta1 : float, default=0.9
        Weight $\beta_1$ in [0, 1) of the first-moment average.
    beta2 : float, default=0.999
        Weight $\beta_2$ in [0, 1) of the second-moment average.
    eps : float, default=1e-8
        $\varepsilon \ge 10^{-30}$, added to the corrected root mean square (smaller values
        vanish in float32).

    Returns
    -------
    w : ndarray
        Updated parameter.
    v, s : ndarray
        Updated moments, **not** bias-corrected: pass them back unchanged with `t + 1`.

    Raises
    ------
    ValueError
        If `lr <= 0`, a beta is outside [0, 1), `eps < 1e-30`, `t < 1`, the shapes differ, `dw`
        is not finite or `s` has a negative entry.
    TypeError
        If `t` is not an integer.

    Notes
    -----
    $$\begin{aligned}
      v_{dW} &\leftarrow \beta_1 v_{dW} + (1-\beta_1)\, dW, \\
      s_{dW} &\leftarrow \beta_2 s_{dW} + (1-\beta_2)\, dW^2,
    \end{aligned}$$

    $$\begin{aligned}
      v^{\text{corrected}}_{dW} &= \frac{v_{dW}}{1-\beta_1^t}, \qquad
      s^{\text{corrected}}_{dW} = \frac{s_{dW}}{1-\beta_2^t}, \\
      W &\leftarrow W - \alpha\, \frac{v^{\text{corrected}}_{dW}}
        {\sqrt{s^{\text{corrected}}_{dW}} + \varepsilon}.
    \end{aligned}$$

    The corrected moments only scale this update; the state stays uncorrected. The paper and
    PyTorch call the moments $m$ and $v$: their $v$ is the course's $s$.

    References
    ----------
    D. P. Kingma and J. Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015.

    Examples
    --------
    On the first step the corrected moments are $dW$ and $dW^2$, so each coordinate moves by
    almost exactly $\alpha$ against the sign of its gradient:

    >>> import numpy as np
    >>> w, v, s = adam_step(np.zeros(2), np.array([3.0, -0.01]), np.zeros(2), np.zeros(2),
    ...                     t=1, lr=0.1)
    >>> print(np.round(w, 6), np.round(v, 6), np.round(s, 6))
    [-0.1  0.1] [ 0.3   -0.001] [0.009 0.   ]
    """
    w, dw = _check_grad(w, dw)
    v = _check_state(v, "v", w)
    s = _check_state(s, "s", w, low=0.0)  # a mean of squares
    t = check_int(t, "t", 1, "the 1-based count of this update")
    lr = check_positive(lr, "lr")
    beta1 = check_unit_interval(beta1, "beta1")
    beta2 = check_unit_interval(beta2, "beta2")
    eps = check_eps(eps)
    v = beta1 * v + (1 - beta1) * dw
    s = beta2 * s + (1 - beta2) * np.square(dw)
    v_hat = v / (1 - beta1**t)
    s_hat = s / (1 - beta2**t)
    return w - lr * v_hat / (np.sqrt(s_hat) + eps), v, s


class _Optimizer:
    """State per parameter key and the in-place `step` loop; subclasses write `_update`.

    `state[key]` holds the arrays named in `_state_names` (zeros before the first step); the
    work arrays that keep the in-place updates free of temporaries live apart, in `_work`.
    Hyperparameters are `Checked` attributes: setting one later is checked as in `__init__`.
    """

    _state_names: tuple[str, ...] = ()
    lr = Checked(check_positive)
    r"""Learning rate $\alpha > 0$; a schedule may set it between steps."""

    def __init__(self, lr: float) -> None:
        self.lr = lr
        self.state: dict[str, dict[str, Any]] = {}
        self._work: dict[str, np.ndarray] = {}

    def reset(self) -> None:
        """Forget all state (velocities, moments, step counts)."""
        self.state.clear()
        self._work.clear()

    def _new_state(self, key: str, w: np.ndarray) -> dict[str, Any]:
        return {name: np.zeros_like(w) for name in self._state_names}

    def step(self, params: dict[str, np.ndarray], grads: dict[str, Any]) -> None:
        """Update every array of `params` in place from the gradient under the same key.

        Every parameter and gradient is checked before any parameter moves.

        Raises
        ------
        KeyError
            If `grads` has no entry for a key of `params`.
        TypeError
            If a parameter is not a writeable float32/float64 ndarray (it is updated in
            place), or a gradient is not real and numeric.
        ValueError
            If a gradient is not finite (the step functions' error, naming the parameter),
            or a gradient or the state kept for a key does not have its parameter's shape.
        """
        checked = {key: self._check(key, w, grads) for key, w in params.items()}
        for key, w in params.items():
            work = self._work.get(key)
            if work is None or work.shape != w.shape or work.dtype != w.dtype:
                work = self._work[key] = np.empty_like(w)
            self._update(w, checked[key], self.state[key], work)

    def _check(self, key: str, w: Any, grads: dict[str, Any]) -> np.ndarray:
        if not isinstance(w, np.ndarray) or w.dtype.kind != "f" or not w.flags.writeable:
            got = f"ndarray of dtype {w.dtype}" if isinstance(w, np.ndarray) else type(w).__name__
            ro = ", read-only" if isinstance(w, np.ndarray) and not w.flags.writeable else ""
            raise TypeError(
                f"params[{key!r}] must be a writeable floating-point ndarray (updated in "
                f"place), got {got}{ro}"
            )
        check_float_dtype(w.dtype, f"params[{key!r}]")
        if key not in grads:
            raise KeyError(f"grads has no entry for parameter {key!r}")
        g = as_float_array(grads[key], f"grads[{key!r}]")
        state = self.state.get(key)
        if state is None:
            state = self.state[key] = self._new_state(key, w)
        kept = {name: state[name].shape for name in self._state_names}
        if any(shape != w.shape for shape in [g.shape, *kept.values()]):
            raise ValueError(
                f"parameter {key!r} has shape {w.shape}, its gradient {g.shape} and its "
                f"optimizer state {kept}; they must match (reset() after changing the model)"
            )
        try:
            check_finite(g, "dw", _DIVERGED)
        except ValueError as exc:
            raise ValueError(f"{exc} (parameter {key!r})") from None
        return g

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, Any], buf: np.ndarray) -> None:
        raise NotImplementedError


class GD(_Optimizer):
    r"""Gradient descent, in place: $W \leftarrow W - \alpha\, dW$ (see `gd_step`).

    Parameters
    ----------
    lr : float
        Learning rate $\alpha > 0$ (mutable attribute).

    Notes
    -----
    Fed mini-batches by `dlbasics.network.train`, this is mini-batch gradient descent; the
    course's "stochastic gradient descent" is the case `batch_size=1`. PyTorch calls this
    optimizer `torch.optim.SGD` whatever the batch size.

    Examples
    --------
    >>> import numpy as np
    >>> params, grads = {"w": np.array([1.0, 2.0])}, {"w": np.array([0.5, -1.0])}
    >>> GD(lr=0.1).step(params, grads)
    >>> print(params["w"])
    [0.95 2.1 ]
    """

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, Any], buf: np.ndarray) -> None:
        np.multiply(g, self.lr, out=buf)
        w -= buf


class Momentum(_Optimizer):
    r"""Gradient descent with momentum (course convention, see `momentum_step`), in place.

    Parameters
    ----------
    lr : float
        Learning rate $\alpha > 0$ (mutable attribute).
    beta : float, default=0.9
        Averaging weight $\beta$ in [0, 1) on the old velocity.

    Notes
    -----
    `state[key]` holds the velocity `"v"`.

    Examples
    --------
    >>> import numpy as np
    >>> opt = Momentum(lr=0.1)
    >>> params, grads = {"w": np.array([1.0])}, {"w": np.array([2.0])}
    >>> opt.step(params, grads)
    >>> print(np.round(params["w"], 6), np.round(opt.state["w"]["v"], 6))
    [0.98] [0.2]
    """

    _state_names = ("v",)
    beta = Checked(check_unit_interval)

    def __init__(self, lr: float, beta: float = 0.9) -> None:
        super().__init__(lr)
        self.beta = beta

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, Any], buf: np.ndarray) -> None:
        v = state["v"]
        v *= self.beta
        np.multiply(g, 1 - self.beta, out=buf)
        v += buf
        np.multiply(v, self.lr, out=buf)
        w -= buf


class RMSprop(_Optimizer):
    r"""RMSprop (see `rmsprop_step`), in place.

    Parameters
    ----------
    lr : float
        Learning rate $\alpha > 0$ (mutable attribute).
    beta2 : float, default=0.999
        Averaging weight $\beta_2$ in [0, 1) of the mean square.
    eps : float, default=1e-8
        $\varepsilon \ge 10^{-30}$ added to the root mean square.

    Notes
    -----
    `state[key]` holds the mean square `"s"`.
    """

    _state_names = ("s",)
    beta2 = Checked(check_unit_interval)
    eps = Checked(check_eps)

    def __init__(self, lr: float, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta2 = beta2
        self.eps = eps

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, Any], buf: np.ndarray) -> None:
        s = state["s"]
        s *= self.beta2
        np.square(g, out=buf)
        buf *= 1 - self.beta2
        s += buf
        np.sqrt(s, out=buf)
        buf += self.eps
        np.divide(g, buf, out=buf)
        buf *= self.lr
        w -= buf


class Adam(_Optimizer):
    r"""Adam (see `adam_step`), in place, with the step count `t` kept per parameter.

    Parameters
    ----------
    lr : float
        Learning rate $\alpha > 0$ (mutable attribute).
    beta1 : float, default=0.9
        Weight $\beta_1$ in [0, 1) of the first-moment average.
    beta2 : float, default=0.999
        Weight $\beta_2$ in [0, 1) of the second-moment average.
    eps : float, default=1e-8
        $\varepsilon \ge 10^{-30}$ added to the corrected root mean square.

    Notes
    -----
    `state[key]` holds the uncorrected moments `"v"` (first) and `"s"` (second) and the count
    `"t"` of updates made so far. The update agrees with `adam_step` up to rounding.

    Examples
    --------
    >>> import numpy as np
    >>> opt = Adam(lr=0.1)
    >>> params, grads = {"w": np.zeros(2)}, {"w": np.array([3.0, -0.01])}
    >>> opt.step(params, grads)
    >>> print(np.round(params["w"], 6), opt.state["w"]["t"])
    [-0.1  0.1] 1
    """

    _state_names = ("v", "s")
    beta1 = Checked(check_unit_interval)
    beta2 = Checked(check_unit_interval)
    eps = Checked(check_eps)

    def __init__(
        self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        super().__init__(lr)
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps

    def _new_state(self, key: str, w: np.ndarray) -> dict[str, Any]:
        return {**super()._new_state(key, w), "t": 0}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, Any], buf: np.ndarray) -> None:
        v, s = state["v"], state["s"]
        state["t"] += 1
        t = state["t"]
        v *= self.beta1
        np.multiply(g, 1 - self.beta1, out=buf)
        v += buf
        s *= self.beta2
        np.square(g, out=buf)
        buf *= 1 - self.beta2
        s += buf
        # lr v_hat / (sqrt(s_hat) + eps) = (lr sqrt(c2) / c1) v / (sqrt(s) + eps sqrt(c2)),
        # with v_hat = v / c1 and s_hat = s / c2: one pass fewer (PyTorch's form)
        c1 = 1 - self.beta1**t
        r2 = np.sqrt(1 - self.beta2**t)
        np.sqrt(s, out=buf)
        buf += self.eps * r2
        np.divide(v, buf, out=buf)
        buf *= self.lr * r2 / c1
        w -= buf
