r"""The `BatchNorm` layer: trainable $\gamma$, $\beta$ and running statistics for test time.

The math lives in `dlbasics.batchnorm`; this module keeps the state: the parameters, their
gradients, the running mean and variance, and the training/evaluation switch.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from dlbasics._validate import (
    Checked,
    as_float_array,
    check_bool,
    check_int,
    check_positive,
    check_unit_interval,
    is_real,
)
from dlbasics.batchnorm import (
    BatchNormCache,
    batchnorm_backward,
    batchnorm_forward,
    by_feature,
    per_feature,
)


def rho_from_torch_momentum(momentum: float) -> float:
    r"""Convert PyTorch's `momentum` (weight on the NEW batch) to `rho` (weight on the old value).

    PyTorch updates $\hat x \leftarrow (1 - \text{momentum})\,\hat x + \text{momentum}\,x_t$,
    so $\rho = 1 - \text{momentum}$. PyTorch's `momentum=None` (a cumulative average) is our
    `cumulative=True`.

    Examples
    --------
    >>> rho_from_torch_momentum(0.1)
    0.9
    """
    if not is_real(momentum):
        raise TypeError(
            f"momentum must be a real number, got {momentum!r} (PyTorch's momentum=None is "
            "BatchNorm(..., cumulative=True) here)"
        )
    if not 0 < momentum <= 1:
        raise ValueError(
            f"momentum must be in (0, 1] (PyTorch's weight on the new batch), got {momentum!r}"
        )
    return 1.0 - float(momentum)


def rho_to_torch_momentum(rho: float) -> float:
    r"""Convert our `rho` to PyTorch's `momentum`: $\text{momentum} = 1 - \rho$.

    Examples
    --------
    >>> round(rho_to_torch_momentum(0.9), 12)
    0.1
    """
    return 1.0 - check_unit_interval(rho, "rho")


def rho_from_keras_momentum(momentum: float) -> float:
    r"""Convert Keras's `momentum` to our `rho`: the same number (both weight the old value).

    Keras updates `moving = moving * momentum + batch * (1 - momentum)`; default 0.99.

    Examples
    --------
    >>> rho_from_keras_momentum(0.99)
    0.99
    """
    return check_unit_interval(momentum, "momentum")


def rho_to_keras_momentum(rho: float) -> float:
    """Convert our `rho` to Keras's `momentum`: the same number.

    Examples
    --------
    >>> rho_to_keras_momentum(0.9)
    0.9
    """
    return check_unit_interval(rho, "rho")


class BatchNorm:
    r"""Batch normalization layer for `(B, n)` or `(B, C, H, W)` inputs.

    Parameters
    ----------
    n_features : int
        Number of features $n$ (or channels $C$); `gamma`, `beta` and the running statistics
        have shape `(n_features,)`.
    eps : float, default=1e-5
        $\varepsilon > 0$ added to the variance under the square root, in training AND in
        evaluation (PyTorch's default; Keras uses 1e-3).
    rho : float in [0, 1), default=0.9
        Weight of the OLD value in the running averages (the course's exponentially weighted
        average). PyTorch's `momentum=0.1` is `rho=0.9`; Keras's `momentum=0.99` is `rho=0.99`:
        see `rho_from_torch_momentum`, `rho_from_keras_momentum`. Ignored if `cumulative`.
    unbiased : bool, default=True
        Store the unbiased batch variance $\frac{B}{B-1}\sigma^2_\mathcal{B}$ in the running
        variance (paper, PyTorch); `False` stores the biased $\sigma^2_\mathcal{B}$ (Keras,
        cs231n, d2l); for 4-D inputs $B$ becomes the B·H·W values of a channel.
    cumulative : bool, default=False
        Running statistics are the plain average of all batch statistics seen so far (PyTorch's
        `momentum=None`) instead of an exponentially weighted average.

    Attributes
    ----------
    gamma, beta : ndarray of shape (n_features,)
        Trainable scale (ones) and shift (zeros).
    dgamma, dbeta : ndarray of shape (n_features,)
        Their gradients, written in place by `backward`.
    running_mean, running_var : ndarray of shape (n_features,)
        Start at 0 and 1 and are updated in place at each training-mode `forward`.
    num_batches_tracked : int
        Training-mode forward passes so far.
    training : bool
        True (default): normalize with batch statistics and update the running ones.
        False (after `eval()`): normalize with the running statistics.

    Raises
    ------
    ValueError
        If `n_features < 1`, `eps <= 0` or `rho` is outside [0, 1).
    TypeError
        If `n_features` is not an integer, `eps` or `rho` are not real numbers, or
        `unbiased`/`cumulative` are not booleans.

    Notes
    -----
    At each training-mode `forward` with batch mean $\mu_\mathcal{B}$ and biased variance
    $\sigma^2_\mathcal{B}$ over $B$ values per feature:

    $$\mu_\text{run} \leftarrow \rho\,\mu_\text{run} + (1-\rho)\,\mu_\mathcal{B}, \qquad
      \sigma^2_\text{run} \leftarrow \rho\,\sigma^2_\text{run}
      + (1-\rho)\,\tfrac{B}{B-1}\sigma^2_\mathcal{B}$$

    (without the $\frac{B}{B-1}$ if `unbiased=False`; with $1-\rho$ replaced by $1/t$ at the
    $t$-th batch if `cumulative=True`). In evaluation mode
    $\tilde z = \gamma\,(z - \mu_\text{run})/\sqrt{\sigma^2_\text{run} + \varepsilon} + \beta$,
    which works one example at a time. Evaluating before any training uses the initial
    statistics (mean 0, variance 1), as PyTorch does: the layer is then nearly the affine
    map $\gamma z/\sqrt{1+\varepsilon} + \beta$.

    References
    ----------
    S. Ioffe and C. Szegedy, "Batch Normalization: Accelerating Deep Network Training by
    Reducing Internal Covariate Shift", ICML 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics import BatchNorm
    >>> bn = BatchNorm(2, rho=0.9)
    >>> z = np.array([[1.0, 10.0], [3.0, 30.0]])
    >>> print(np.round(bn.forward(z), 4))
    [[-1. -1.]
     [ 1.  1.]]
    >>> print(bn.running_mean, bn.running_var)  # 0.9 * (0, 1) + 0.1 * (mean, unbiased var)
    [0.2 2. ] [ 1.1 20.9]
    >>> dz = bn.backward(np.array([[1.0, 0.0], [0.0, 0.0]]))
    >>> print(np.round(bn.dgamma, 4), bn.dbeta)
    [-1.  0.] [1. 0.]
    >>> print(np.round(bn.eval().forward(np.array([[2.0, 20.0]])), 4))  # one example
    [[1.7162 3.9373]]
    """

    # checked on every assignment, as in __init__
    eps = Checked(check_positive)
    rho = Checked(check_unit_interval)
    unbiased = Checked(check_bool)
    cumulative = Checked(check_bool)

    def __init__(
        self,
        n_features: int,
        *,
        eps: float = 1e-5,
        rho: float = 0.9,
        unbiased: bool = True,
        cumulative: bool = False,
    ) -> None:
        self.n_features = check_int(n_features, "n_features", 1)
        self.unbiased = unbiased
        self.cumulative = cumulative
        self.eps = eps
        self.rho = rho
        self.gamma = np.ones(self.n_features)
        self.beta = np.zeros(self.n_features)
        self.dgamma = np.zeros(self.n_features)
        self.dbeta = np.zeros(self.n_features)
        self.running_mean = np.zeros(self.n_features)
        self.running_var = np.ones(self.n_features)
        self.num_batches_tracked = 0
        self.training = True
        self._cache: BatchNormCache | None = None

    def __repr__(self) -> str:
        return (
            f"BatchNorm({self.n_features}, eps={self.eps}, rho={self.rho}, "
            f"unbiased={self.unbiased}, cumulative={self.cumulative})"
        )

    def train(self) -> BatchNorm:
        """Switch to training mode (batch statistics; running statistics updated). Returns self."""
        self.training = True
        return self

    def eval(self) -> BatchNorm:
        """Switch to evaluation mode (running statistics, frozen). Returns self."""
        self.training = False
        return self

    def params(self) -> dict[str, np.ndarray]:
        """The trainable arrays, `{"gamma": gamma, "beta": beta}` (the same objects each call)."""
        return {"gamma": self.gamma, "beta": self.beta}

    def grads(self) -> dict[str, np.ndarray]:
        """Their gradients, `{"gamma": dgamma, "beta": dbeta}` (the same objects each call)."""
        return {"gamma": self.dgamma, "beta": self.dbeta}

    def _check_input(self, z: ArrayLike) -> np.ndarray:
        z = as_float_array(z, "z", ndim=(2, 4))
        if z.shape[1] != self.n_features:
            raise ValueError(
                f"z has {z.shape[1]} features (axis 1) but the layer has n_features="
                f"{self.n_features}; got z of shape {z.shape}"
            )
        return z

    def forward(self, z: ArrayLike) -> np.ndarray:
        r"""Normalize `z` (shape `(B, n_features)` or `(B, n_features, H, W)`); same shape out.

        In training mode the layer keeps $\hat z$ (an array the size of `z`) for `backward`.
        """
        z = self._check_input(z)
        if not self.training:
            self._cache = None
            x = by_feature(z)
            scale = self.gamma / np.sqrt(self.running_var + self.eps)
            out: np.ndarray = x - per_feature(self.running_mean, x)
            out *= per_feature(scale, x)
            out += per_feature(self.beta, x)
            return out.reshape(z.shape)
        self._cache = None  # a failing forward must not leave an old cache for backward
        out, self._cache = batchnorm_forward(z, self.gamma, self.beta, self.eps)
        m = z.size // self.n_features
        var = self._cache.var * (m / (m - 1)) if self.unbiased else self._cache.var
        self.num_batches_tracked += 1
        t = self.num_batches_tracked
        rho = (t - 1) / t if self.cumulative else self.rho  # weight on the old value
        for running, batch in ((self.running_mean, self._cache.mu), (self.running_var, var)):
            running *= rho
            running += (1.0 - rho) * batch
        return out

    def backward(self, dout: ArrayLike) -> np.ndarray:
        """Return dL/dz given dL/dout; write dL/dgamma, dL/dbeta into `dgamma`, `dbeta`."""
        if self._cache is None:
            raise RuntimeError(
                "BatchNorm.backward needs a training-mode forward first (none since the last "
                "eval-mode forward or since construction); call train() and forward(z)"
            )
        dz, dgamma, dbeta = batchnorm_backward(dout, self._cache)
        self.dgamma[...] = dgamma
        self.dbeta[...] = dbeta
        return dz
