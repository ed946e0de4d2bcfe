r"""Layers of a small network: `Dense`, the activations, and softmax cross-entropy.

Every layer follows the `Layer` protocol: `forward(x) -> out`, `backward(dout) -> dx`,
`params()` and `grads()` (dicts holding the same array objects on every call; gradients are
written into them in place) and `train()` / `eval()` (no-ops here: only batch norm behaves
differently at test time). Examples are rows: `x` has shape `(m, n_in)`.
"""

from __future__ import annotations

from typing import Protocol, Self

import numpy as np

from dlbasics._validate import as_float_array, as_rng, check_bool, check_float_dtype, check_int

__all__ = ["Dense", "Layer", "ReLU", "Sigmoid", "Tanh", "softmax_cross_entropy"]


class Layer(Protocol):
    """What `dlbasics.network.MLP` chains: every layer here, and `BatchNorm`."""

    def forward(self, x: np.ndarray, /) -> np.ndarray:
        """The layer's output for the input `x`; keeps what `backward` needs."""

    def backward(self, dout: np.ndarray, /) -> np.ndarray:
        """Given dL/d(output) of the latest `forward`, fill `grads()` and return dL/dx."""

    def params(self) -> dict[str, np.ndarray]:
        """The trainable arrays by name (the live arrays, updated in place by an optimizer)."""

    def grads(self) -> dict[str, np.ndarray]:
        """The gradients under the same names, filled in place by `backward`."""

    def train(self) -> Self:
        """Switch to training mode; return the layer."""

    def eval(self) -> Self:
        """Switch to evaluation mode; return the layer."""


class _Layer:
    """Shared no-op mode switches and the backward-before-forward check."""

    training: bool = True

    def train(self) -> Self:
        """Training mode (no effect on this layer). Returns self."""
        self.training = True
        return self

    def eval(self) -> Self:
        """Evaluation mode (no effect on this layer). Returns self."""
        self.training = False
        return self

    def params(self) -> dict[str, np.ndarray]:
        """Trainable parameters (none)."""
        return {}

    def grads(self) -> dict[str, np.ndarray]:
        """Gradients of the trainable parameters (none)."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _check_dout(self, dout: object, saved: np.ndarray | None) -> np.ndarray:
        if saved is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        dout = as_float_array(dout, "dout")
        if dout.shape != saved.shape:
            raise ValueError(
                f"dout must have the shape of the forward output {saved.shape}, got {dout.shape}"
            )
        return dout


class Dense(_Layer):
    r"""Fully connected layer $z = xW + b$.

    Parameters
    ----------
    n_in : int
        Number of input features, $n^{[l-1]}$.
    n_out : int
        Number of units, $n^{[l]}$.
    bias : bool, default=True
        Learn a bias `b`. Use `bias=False` in front of batch norm: the batch mean subtracts any
        constant, so `b` would have no effect (batch norm's $\beta$ takes its role).
    seed : int or numpy.random.Generator, default=0
        Source of the initial weights: an integer >= 0 seeds a new Generator.
    dtype : floating-point type, default=numpy.float64
        Type of the parameters (the weights are drawn in float64, then cast).

    Attributes
    ----------
    W : ndarray of shape (n_in, n_out)
        Weights, He-initialized: $W_{ij} \sim \mathcal{N}(0, 2/n_{in})$.
    b : ndarray of shape (n_out,) or None
        Bias, initialized to zero; None when `bias=False`.
    dW, db : ndarray
        Gradients of the loss, filled in place by `backward`.

    Raises
    ------
    TypeError
        If `n_in` or `n_out` is not an integer, `bias` is not a bool, `seed` is neither an
        integer nor a Generator, or `dtype` is not float32 or float64 (float16 is refused).
    ValueError
        If `n_in` or `n_out` is below 1, or `seed` is negative.

    Notes
    -----
    The course writes $z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]}$ with $W^{[l]}$ of shape
    $(n^{[l]}, n^{[l-1]})$ and one example per column; with one example per row the same map is
    $z = a W + b$ with our `W` equal to the course's $W^{[l]\top}$. For a mini-batch of $m$ rows
    and upstream gradient $dz = \partial L/\partial z$:

    $$dW = x^\top dz, \qquad db = \sum_{i=1}^{m} dz^{(i)}, \qquad dx = dz\, W^\top.$$

    He et al. (ICCV 2015) initialization keeps the variance of ReLU activations roughly
    constant from layer to layer.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics.layers import Dense
    >>> layer = Dense(3, 2, seed=0)
    >>> x = np.ones((4, 3))
    >>> z = layer.forward(x)
    >>> z.shape, layer.W.shape, layer.b.shape
    ((4, 2), (3, 2), (2,))
    >>> dx = layer.backward(np.ones((4, 2)))
    >>> print(layer.db, dx.shape)
    [4. 4.] (4, 3)
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        *,
        bias: bool = True,
        seed: int | np.random.Generator = 0,
        dtype: type = np.float64,
    ) -> None:
        self.n_in = check_int(n_in, "n_in", 1)
        self.n_out = check_int(n_out, "n_out", 1)
        bias = check_bool(bias, "bias")
        dt = check_float_dtype(dtype, "dtype")
        gen = as_rng(seed)
        W = gen.standard_normal((self.n_in, self.n_out)) * np.sqrt(2.0 / self.n_in)
        self.W = W.astype(dt)
        self.dW = np.zeros_like(self.W)
        self.b: np.ndarray | None = np.zeros(self.n_out, dt) if bias else None
        self.db: np.ndarray | None = np.zeros(self.n_out, dt) if bias else None
        self._x: np.ndarray | None = None
        self._params = {"W": self.W} if self.b is None else {"W": self.W, "b": self.b}
        self._grads = {"W": self.dW} if self.db is None else {"W": self.dW, "b": self.db}

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out}, bias={self.b is not None})"

    def params(self) -> dict[str, np.ndarray]:
        """`{"W": W}` or `{"W": W, "b": b}` (the live arrays)."""
        return self._params

    def grads(self) -> dict[str, np.ndarray]:
        """`{"W": dW}` or `{"W": dW, "b": db}` (the live arrays, filled by `backward`)."""
        return self._grads

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return `x @ W + b` for `x` of shape (m, n_in); keeps a reference to `x`."""
        x = as_float_array(x, "x", ndim=(2,))
        if x.shape[1] != self.n_in:
            raise ValueError(f"x must have shape (m, {self.n_in}), got {x.shape}")
        self._x = x
        z: np.ndarray = x @ self.W
        if self.b is not None:
            z += self.b
        return z

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Fill `dW` (and `db`) in place; return `dx = dout @ W.T`."""
        if self._x is None:
            raise RuntimeError("Dense.backward called before forward")
        dout = as_float_array(dout, "dout", ndim=(2,))
        if dout.shape != (self._x.shape[0], self.n_out):
            raise ValueError(
                f"dout must have shape ({self._x.shape[0]}, {self.n_out}), got {dout.shape}"
            )
        np.matmul(self._x.T, dout, out=self.dW)
        if self.db is not None:
            np.sum(dout, axis=0, out=self.db)
        dx: np.ndarray = dout @ self.W.T
        return dx


class ReLU(_Layer):
    r"""Rectified linear unit $g(z) = \max(0, z)$, with $g'(z) = 1$ for $z > 0$, else 0.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics.layers import ReLU
    >>> relu = ReLU()
    >>> print(relu.forward(np.array([[-1.0, 2.0]])), relu.backward(np.array([[5.0, 5.0]])))
    [[0. 2.]] [[0. 5.]]
    """

    def __init__(self) -> None:
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return `max(0, x)` (a new array)."""
        self._out = np.maximum(as_float_array(x, "x"), 0)
        return self._out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return `dout` where the input was positive, 0 elsewhere."""
        dout = self._check_dout(dout, self._out)
        assert self._out is not None  # checked by _check_dout
        dx: np.ndarray = dout * (self._out > 0)
        return dx


class Tanh(_Layer):
    r"""Hyperbolic tangent $g(z) = \tanh z$, with $g'(z) = 1 - \tanh^2 z$.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics.layers import Tanh
    >>> act = Tanh()
    >>> print(np.round(act.forward(np.array([[0.0, 1.0]])), 4))
    [[0.     0.7616]]
    >>> print(np.round(act.backward(np.array([[1.0, 1.0]])), 4))
    [[1.     0.42]]
    """

    def __init__(self) -> None:
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return `tanh(x)`."""
        self._out = np.tanh(as_float_array(x, "x"))
        return self._out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return `dout * (1 - tanh(x)**2)`."""
        dout = self._check_dout(dout, self._out)
        assert self._out is not None  # checked by _check_dout
        dx: np.ndarray = dout * (1.0 - np.square(self._out))
        return dx


class Sigmoid(_Layer):
    r"""Logistic sigmoid $g(z) = 1/(1 + e^{-z})$, with $g'(z) = g(z)\,(1 - g(z))$.

    Computed as $\tfrac12(1 + \tanh(z/2))$, which never overflows.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics.layers import Sigmoid
    >>> act = Sigmoid()
    >>> print(np.round(act.forward(np.array([[-1000.0, 0.0, 2.0]])), 4))
    [[0.     0.5    0.8808]]
    """

    def __init__(self) -> None:
        self._out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Return `1 / (1 + exp(-x))`."""
        out = np.tanh(0.5 * as_float_array(x, "x"))
        out += 1.0
        out *= 0.5
        self._out = out
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Return `dout * s * (1 - s)` with `s` the forward output."""
        dout = self._check_dout(dout, self._out)
        assert self._out is not None  # checked by _check_dout
        dx: np.ndarray = dout * self._out * (1.0 - self._out)
        return dx


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Mean cross-entropy of the softmax of `logits` against integer labels, and its gradient.

    Parameters
    ----------
    logits : ndarray of shape (m, k)
        Unnormalized class scores, one example per row.
    y : ndarray of int, shape (m,)
        True classes, each in `0 .. k-1`.

    Returns
    -------
    loss : float
        $L = \frac1m \sum_i -\log \operatorname{softmax}(z^{(i)})_{y^{(i)}}$.
    dlogits : ndarray of shape (m, k)
        $\partial L / \partial z = (\operatorname{softmax}(z) - \operatorname{onehot}(y)) / m$.

    Raises
    ------
    ValueError
        If `logits` is not 2-D, if `y` does not hold one label per row, or if a label is
        outside `0 .. k-1`.
    TypeError
        If `logits` is not numeric or `y` is not integer.

    Notes
    -----
    Stable form: with $s = z - \max_j z_j$ (per row),
    $-\log \operatorname{softmax}(z)_c = \log \sum_j e^{s_j} - s_c$. The exponentials never
    exceed 1, so large logits cannot overflow.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics.layers import softmax_cross_entropy
    >>> logits = np.array([[1000.0, 0.0], [0.0, 0.0]])
    >>> loss, dlogits = softmax_cross_entropy(logits, np.array([0, 1]))
    >>> print(round(loss, 4))
    0.3466
    >>> print(np.round(dlogits, 4))
    [[ 0.    0.  ]
     [ 0.25 -0.25]]
    """
    logits = as_float_array(logits, "logits", ndim=(2,))
    m, k = logits.shape
    y = np.asarray(y)
    if y.dtype.kind not in "iu":
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    if y.shape != (m,):
        raise ValueError(f"y must have shape ({m},) (one label per row of logits), got {y.shape}")
    if m == 0:
        raise ValueError("logits must hold at least one example, got shape (0, k)")
    if y.min() < 0 or y.max() >= k:
        bad = y[(y < 0) | (y >= k)][0]
        raise ValueError(f"labels y must be in 0..{k - 1} for {k} logits per row, got {bad}")
    rows = np.arange(m)
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    total = probs.sum(axis=1)
    loss = float(np.mean(np.log(total) - shifted[rows, y]))
    probs /= total[:, None]
    probs[rows, y] -= 1.0
    probs /= m
    return loss, probs
