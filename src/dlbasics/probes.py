r"""Instruments for experiments on a network in training: what a hidden layer receives, how far
it drifts, and how the loss behaves along the gradient.

The "why batch norm works" page measures three explanations with these: `ShiftNoise` injects
covariate shift after batch norm (Santurkar et al., NeurIPS 2018), `activation_input` and
`drift` measure the distribution a hidden layer receives, and `along_gradient` measures how
well the gradient predicts the loss a step away. Every probe runs on a copy of the model, so
probing never changes the weights, the running statistics or the injected shift.
"""

from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from dlbasics._validate import as_float_array, as_rng, check_int, check_positive
from dlbasics.layers import ReLU, Sigmoid, Tanh, _Layer, softmax_cross_entropy
from dlbasics.network import MLP

__all__ = ["AlongGradient", "ShiftNoise", "activation_input", "along_gradient", "drift"]

_ACTIVATIONS = (ReLU, Sigmoid, Tanh)


class ShiftNoise(_Layer):
    r"""Injected covariate shift: $y_j = s_j\,x_j + c_j$, with $s$, $c$ redrawn per unit.

    In training mode (the default, or after `train()`) every `forward` draws new
    $s_j \sim \mathcal U(\text{low}, \text{high})$ and
    $c_j \sim \mathcal N(0, \text{shift\_std}^2)$, so the next layer sees a different input
    distribution at every step, whatever the weights do. In evaluation mode (after `eval()`)
    the latest draw is kept (initially $s = 1$, $c = 0$). It has no trainable parameters.

    Parameters
    ----------
    n_features : int
        Number of units $n$; inputs have shape `(B, n_features)`.
    low, high : float, default=0.75, 1.5
        Range of the scales, 0 < low <= high.
    shift_std : float, default=0.5
        Standard deviation of the shifts, > 0.
    seed : int or numpy.random.Generator, default=0
        Source of the draws.

    Raises
    ------
    ValueError
        If `n_features < 1`, a bound is not positive or `low > high`.

    Examples
    --------
    >>> import numpy as np
    >>> noise = ShiftNoise(2, seed=0)
    >>> x = np.ones((3, 2))
    >>> y = noise.forward(x)
    >>> bool(np.allclose(y, noise.s * x + noise.c))
    True
    >>> print(np.round(noise.backward(np.ones((3, 2)))[0], 3))  # dout times s
    [1.228 0.952]
    """

    def __init__(
        self,
        n_features: int,
        *,
        low: float = 0.75,
        high: float = 1.5,
        shift_std: float = 0.5,
        seed: int | np.random.Generator = 0,
    ) -> None:
        self.n = check_int(n_features, "n_features", 1)
        self.low, self.high = check_positive(low, "low"), check_positive(high, "high")
        if self.low > self.high:
            raise ValueError(f"low must be <= high, got low={low!r}, high={high!r}")
        self.shift_std = check_positive(shift_std, "shift_std")
        self.rng = as_rng(seed)
        self.s, self.c = np.ones(self.n), np.zeros(self.n)

    def __repr__(self) -> str:
        return f"ShiftNoise({self.n})"

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return `s * x + c`, drawing new `s`, `c` first in training mode."""
        x = as_float_array(x, "x", ndim=(2,))
        if x.shape[1] != self.n:
            raise ValueError(f"x must have shape (B, {self.n}), got {x.shape}")
        if self.training:
            self.s = self.rng.uniform(self.low, self.high, self.n)
            self.c = self.rng.normal(0.0, self.shift_std, self.n)
        out: np.ndarray = x * self.s + self.c
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return `dout * s`, the gradient through the latest `forward`."""
        dx: np.ndarray = as_float_array(dout, "dout") * self.s
        return dx


def _training_copy(model: MLP) -> MLP:
    """A copy in training mode whose `ShiftNoise` layers keep their latest draw."""
    twin = copy.deepcopy(model).train()
    for layer in twin.layers:
        if isinstance(layer, ShiftNoise):
            layer.eval()
    return twin


def activation_input(model: MLP, x: ArrayLike, layer: int = 1) -> np.ndarray:
    r"""What the activation $g$ of hidden layer `layer` receives on `x`, shape `(B, n)`.

    That is $z^{[l]}$ in a plain network and $\tilde z^{[l]}$ (normalized with the statistics
    of `x`, then scaled and shifted) with batch norm, after any `ShiftNoise` with its latest
    draw. Runs on a copy of `model` in training mode: the model is not changed.

    Parameters
    ----------
    model : MLP
        The network (its `layers` may include inserted `ShiftNoise` layers).
    x : array_like of shape (B, sizes[0])
        The probe batch.
    layer : int, default=1
        Hidden layer $l$, from 1 (the first activation) to the number of hidden layers.

    Raises
    ------
    ValueError
        If `layer` is not between 1 and the number of hidden layers.
    TypeError
        If `layer` is not an integer.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics import MLP
    >>> model = MLP([3, 4, 2], batchnorm=True, seed=0)
    >>> z = activation_input(model, np.random.default_rng(0).normal(size=(8, 3)))
    >>> print(np.round(z.mean(axis=0), 6), np.round(z.std(axis=0), 3))  # beta=0, gamma=1
    [ 0. -0. -0.  0.] [1. 1. 1. 1.]
    """
    hidden = sum(isinstance(lay, _ACTIVATIONS) for lay in model.layers)
    what = f"and <= {hidden}, the number of hidden layers"
    layer = check_int(layer, "layer", 1, what)
    if layer > hidden:
        raise ValueError(f"layer must be an integer >= 1 ({what}), got {layer}")
    twin = _training_copy(model)
    a = as_float_array(x, "x", ndim=(2,))
    seen = 0
    for lay in twin.layers:
        if isinstance(lay, _ACTIVATIONS):
            seen += 1
            if seen == layer:
                return a
        a = lay.forward(a)
    raise AssertionError("unreachable: layer was checked against the hidden layers")


def drift(z0: ArrayLike, z: ArrayLike) -> float:
    r"""Mean over units of $|\mu_j - \mu_{j,0}| / \sigma_{j,0}$: how far the means moved.

    `z0` and `z` are what a layer receives on the same probe batch at two times, shape
    `(B, n)`; the means and standard deviations are over the batch.

    Raises
    ------
    ValueError
        If the shapes differ or a unit of `z0` is constant.

    Examples
    --------
    >>> import numpy as np
    >>> z0 = np.array([[0.0, 1.0], [2.0, 3.0]])  # means 1, 2; standard deviations 1, 1
    >>> drift(z0, z0 + [0.5, -1.5])
    1.0
    """
    z0, z = as_float_array(z0, "z0", ndim=(2,)), as_float_array(z, "z", ndim=(2,))
    if z.shape != z0.shape:
        raise ValueError(f"z must have the shape of z0 {z0.shape}, got {z.shape}")
    sd0 = z0.std(axis=0)
    if np.any(sd0 == 0):
        raise ValueError("z0 has a constant unit: its drift in standard deviations is undefined")
    return float(np.mean(np.abs(z.mean(axis=0) - z0.mean(axis=0)) / sd0))


class AlongGradient(NamedTuple):
    r"""The loss and its gradient at $w - \eta g$, for several step sizes $\eta$."""

    eta: np.ndarray
    r"""Step sizes $\eta$, shape `(k,)`."""
    grad_norm: float
    r"""$\lVert g \rVert$ at the starting point."""
    loss_change: np.ndarray
    r"""$L(w - \eta g) - L(w)$."""
    predicted_change: np.ndarray
    r"""$-\eta \lVert g\rVert^2$, the first-order prediction of `loss_change`."""
    grad_change: np.ndarray
    r"""$\lVert \nabla L(w - \eta g) - g \rVert$."""

    @property
    def ratio(self) -> np.ndarray:
        """`loss_change / predicted_change`: 1 where the first-order prediction is exact."""
        out: np.ndarray = self.loss_change / self.predicted_change
        return out

    @property
    def smoothness(self) -> float:
        r"""$K = \max_\eta \lVert \nabla L(w - \eta g) - g\rVert / (\eta \lVert g \rVert)$."""
        return float(np.max(self.grad_change / (self.eta * self.grad_norm)))


def along_gradient(model: MLP, x: ArrayLike, y: ArrayLike, eta: ArrayLike) -> AlongGradient:
    r"""Probe the loss on `(x, y)` along the steepest-descent direction from the model's weights.

    With $g = \nabla L(w)$ (all parameters as one vector), evaluate the loss and gradient at
    $w - \eta g$ for each $\eta$. A gradient that barely changes over the step (small
    `smoothness`, the effective smoothness of Santurkar et al.) predicts the loss well
    (`ratio` near 1). Runs on a copy of `model` in training mode (batch norm uses the statistics
    of `x`, injected shift keeps its latest draw); `model` is not changed.

    Parameters
    ----------
    model : MLP
        The network.
    x, y : array_like
        The probe batch, shapes `(B, sizes[0])` and `(B,)` (integer labels).
    eta : array_like of float
        Step sizes, each > 0.

    Raises
    ------
    ValueError
        If a step size is not positive, or the gradient at $w$ is zero.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics import MLP, gaussian_blobs
    >>> x, y = gaussian_blobs(64, 2, 3, seed=0)
    >>> probe = along_gradient(MLP([2, 8, 3], seed=0), x, y, [1e-4, 1.0])
    >>> print(np.round(probe.ratio, 3))  # first order is exact for tiny steps
    [1.    0.366]
    """
    eta = np.atleast_1d(as_float_array(eta, "eta"))
    if not np.all(eta > 0):
        raise ValueError(f"eta must hold step sizes > 0, got {eta}")
    twin = _training_copy(model)
    params, grads = twin.params(), twin.grads()
    x = as_float_array(x, "x", ndim=(2,))
    y = np.asarray(y)

    def loss_and_grad() -> tuple[float, np.ndarray]:
        loss, dlogits = softmax_cross_entropy(twin.forward(x), y)
        twin.backward(dlogits)
        return loss, np.concatenate([grads[k].ravel() for k in params])

    loss0, g0 = loss_and_grad()
    norm = float(np.linalg.norm(g0))
    if norm == 0:
        raise ValueError("the gradient is zero at the model's weights: no direction to probe")
    w0 = {k: p.copy() for k, p in params.items()}
    losses, changes = [], []
    for step in eta:
        start = 0
        for k, p in params.items():
            p[...] = w0[k] - step * g0[start : start + p.size].reshape(p.shape)
            start += p.size
        loss, g = loss_and_grad()
        losses.append(loss - loss0)
        changes.append(float(np.linalg.norm(g - g0)))
    return AlongGradient(eta, norm, np.array(losses), -eta * norm**2, np.array(changes))
