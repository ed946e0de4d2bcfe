r"""Batch normalization: the math as pure functions.

Statistics are taken per feature over the mini-batch: over the B rows of a `(B, n)` input, or
per channel over the B·H·W values of a `(B, C, H, W)` input.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from dlbasics._validate import as_float_array, check_positive, check_shape


class BatchNormCache(NamedTuple):
    """What the backward pass needs from the forward pass, and the batch statistics.

    `x_hat` has the shape and dtype of z; the others are float64 vectors with one value per
    feature (per channel for 4-D inputs).
    """

    x_hat: np.ndarray  # the normalized input
    gamma: np.ndarray  # the scale
    inv_std: np.ndarray  # 1 / sqrt(var + eps)
    mu: np.ndarray  # batch mean (for running statistics)
    var: np.ndarray  # biased batch variance (for running statistics)


def by_feature(a: np.ndarray) -> np.ndarray:
    """`a` as `(B, n)`, or `(B, C, H·W)` if 4-D: statistics sum over all axes but 1."""
    return a if a.ndim == 2 else a.reshape(a.shape[0], a.shape[1], -1)


def per_feature(v: np.ndarray, x: np.ndarray) -> np.ndarray:
    """`v` (one value per feature) in `x`'s dtype, shaped to broadcast against `x`."""
    v = v.astype(x.dtype, copy=False)
    return v if x.ndim == 2 else v[:, None]


def _batch_sum(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Per-feature batch sum of `a`, or of `a * b` (never stored), in float64."""
    if b is None:
        total: np.ndarray = a.sum(axis=0 if a.ndim == 2 else (0, 2))
    else:
        total = np.einsum("ij,ij->j" if a.ndim == 2 else "ijk,ijk->j", a, b)
    return total.astype(np.float64)


def check_inputs(
    z: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Validate the arguments shared by the forward pass and the layer."""
    z = as_float_array(z, "z", ndim=(2, 4))
    n = z.shape[1]
    if n == 0:
        raise ValueError(f"z must have at least one feature (axis 1), got shape {z.shape}")
    what = "one value per feature" if z.ndim == 2 else "one value per channel"
    gamma = as_float_array(gamma, "gamma")
    beta = as_float_array(beta, "beta")
    check_shape(gamma, "gamma", (n,), what)
    check_shape(beta, "beta", (n,), what)
    return z, gamma, beta, check_positive(eps, "eps")


def batchnorm_forward(
    z: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: float = 1e-5
) -> tuple[np.ndarray, BatchNormCache]:
    r"""Normalize each feature over the mini-batch, then scale by `gamma` and shift by `beta`.

    Parameters
    ----------
    z : ndarray of shape (B, n) or (B, C, H, W)
        Pre-activations of one mini-batch, one example per row. For 4-D inputs the statistics
        are per channel, over the B·H·W values of that channel.
    gamma : ndarray of shape (n,) or (C,)
        Learned scale $\gamma$.
    beta : ndarray of shape (n,) or (C,)
        Learned shift $\beta$ (not the momentum or Adam $\beta$ of the optimizers).
    eps : float, default=1e-5
        $\varepsilon > 0$, added to the variance under the square root.

    Returns
    -------
    out : ndarray, same shape and dtype as z
        $\tilde z = \gamma \hat z + \beta$.
    cache : BatchNormCache
        $\hat z$, $\gamma$ and $1/\sqrt{\sigma^2+\varepsilon}$ for `batchnorm_backward`; the
        batch mean $\mu$ and biased variance $\sigma^2$ for running statistics.

    Raises
    ------
    ValueError
        If `z` is not 2-D or 4-D or has no feature, if `gamma` or `beta` do not hold one value
        per feature, if the batch has fewer than two values per feature, or if `eps <= 0`.
    TypeError
        If an input is not real and numeric, or is float16 (use float32).

    Notes
    -----
    For each feature, over the $B$ values $z^{(1)}, \dots, z^{(B)}$ of the mini-batch:

    $$\mu = \frac{1}{B}\sum_{i=1}^{B} z^{(i)}, \qquad
      \sigma^2 = \frac{1}{B}\sum_{i=1}^{B} \left(z^{(i)} - \mu\right)^2,$$

    $$\hat z^{(i)} = \frac{z^{(i)} - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \qquad
      \tilde z^{(i)} = \gamma\, \hat z^{(i)} + \beta.$$

    The variance is computed in two passes, the mean first and then the deviations from it,
    never as $\overline{z^2} - \mu^2$, which cancels when $|\mu| \gg \sigma$. The computed
    mean carries a rounding error $\delta$, which the deviations $d^{(i)} = z^{(i)} - \mu$
    reveal as their own mean: the corrected two-pass algorithm (Chan, Golub & LeVeque, 1983)
    takes $\sigma^2 = \overline{d^2} - \delta^2$ and $\hat z = (d - \delta) /
    \sqrt{\sigma^2 + \varepsilon}$.

    References
    ----------
    S. Ioffe and C. Szegedy, "Batch Normalization: Accelerating Deep Network Training by
    Reducing Internal Covariate Shift", ICML 2015.

    T. F. Chan, G. H. Golub and R. J. LeVeque, "Algorithms for Computing the Sample Variance:
    Analysis and Recommendations", The American Statistician 37(3), 1983.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics import batchnorm_forward
    >>> z = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    >>> out, cache = batchnorm_forward(z, gamma=np.ones(2), beta=np.zeros(2))
    >>> print(np.round(out, 4))
    [[-1.3416 -1.3416]
     [-0.4472 -0.4472]
     [ 0.4472  0.4472]
     [ 1.3416  1.3416]]
    >>> print(cache.mu, cache.var)
    [ 2.5 25. ] [  1.25 125.  ]
    """
    z, gamma, beta, eps = check_inputs(z, gamma, beta, eps)
    x = by_feature(z)  # statistics over axes 0 and 2
    m = x.size // x.shape[1]  # values per feature
    if m < 2:
        raise ValueError(
            "batch normalization needs more than 1 value per feature in training mode, "
            f"got z of shape {z.shape}; drop the last incomplete mini-batch or use a "
            "larger batch"
        )
    dt = z.dtype  # arrays stay in it; per-feature arithmetic is float64
    mu = (_batch_sum(x) / m).astype(dt)  # rounded to the dtype it is subtracted in
    d = x - per_feature(mu, x)  # the deviations from it
    delta = _batch_sum(d) / m  # their mean: the rounding error of mu
    var = np.maximum(_batch_sum(d, d) / m - delta**2, 0.0)  # >= 0 even if rounded
    inv_std = 1 / np.sqrt(var + eps)
    x_hat = d  # (d - delta) * inv_std, in place
    x_hat -= per_feature(delta, x)
    x_hat *= per_feature(inv_std, x)
    out = x_hat * per_feature(gamma, x)
    out += per_feature(beta, x)
    cache = BatchNormCache(
        x_hat.reshape(z.shape), gamma.astype(np.float64), inv_std, mu + delta, var
    )
    return out.reshape(z.shape), cache


def batchnorm_backward(
    dout: ArrayLike, cache: BatchNormCache
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of the loss with respect to `z`, `gamma` and `beta`, in closed form.

    Parameters
    ----------
    dout : ndarray, same shape as the forward pass's z
        Upstream gradient $\partial L/\partial \tilde z$.
    cache : BatchNormCache
        The second value returned by `batchnorm_forward`.

    Returns
    -------
    dz : ndarray, same shape and dtype as z
        $\partial L/\partial z$ (a new array).
    dgamma : ndarray of shape (n,) or (C,)
        $\partial L/\partial \gamma$.
    dbeta : ndarray of shape (n,) or (C,)
        $\partial L/\partial \beta$.

    Raises
    ------
    ValueError
        If `dout` does not have the shape of the forward pass's `z`.
    TypeError
        If `dout` is not numeric or `cache` is not a `BatchNormCache`.

    Notes
    -----
    With sums over the $B$ values of each feature (B·H·W for 4-D inputs) and
    $d\hat z = \gamma\, d\tilde z$:

    $$d\beta = \sum_i d\tilde z^{(i)}, \qquad
      d\gamma = \sum_i d\tilde z^{(i)}\, \hat z^{(i)},$$

    $$\begin{aligned}
      dz^{(i)} &= \frac{1}{B\sqrt{\sigma^2+\varepsilon}}
        \Big(B\, d\hat z^{(i)} - \sum_j d\hat z^{(j)} \\
      &\qquad {} - \hat z^{(i)} \sum_j d\hat z^{(j)}\hat z^{(j)}\Big) \\
      &= \frac{\gamma}{\sqrt{\sigma^2+\varepsilon}}
        \Big(d\tilde z^{(i)} - \frac{d\beta}{B} - \hat z^{(i)}\,\frac{d\gamma}{B}\Big).
    \end{aligned}$$

    $dz$ is $d\tilde z$ with its per-feature mean and its component along $\hat z$ removed,
    then scaled: an upstream gradient that is constant per feature (all ones, say) gives
    $dz = 0$. The derivation is on the site's "backward pass" page.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics import batchnorm_forward, batchnorm_backward
    >>> z = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    >>> out, cache = batchnorm_forward(z, gamma=np.array([1.0, 2.0]), beta=np.zeros(2))
    >>> dout = np.array([[1.0, 0], [0, 0], [0, 0], [0, 1]])
    >>> dz, dgamma, dbeta = batchnorm_backward(dout, cache)
    >>> print(np.round(dz, 4))
    [[ 0.2683  0.0358]
     [-0.3578 -0.0179]
     [-0.0894 -0.0716]
     [ 0.1789  0.0537]]
    >>> print(np.abs(dz.sum(axis=0)).max() < 1e-12)  # zero mean per feature
    True
    >>> print(np.round(dgamma, 4), dbeta)
    [-1.3416  1.3416] [1. 1.]
    """
    if not isinstance(cache, BatchNormCache):
        raise TypeError(
            f"cache must be the BatchNormCache of batchnorm_forward, got {type(cache).__name__}"
        )
    shape = cache.x_hat.shape
    dout = as_float_array(dout, "dout")
    check_shape(dout, "dout", shape, "the shape of z in the forward pass")
    x_hat = by_feature(cache.x_hat)  # statistics over axes 0 and 2
    dt = x_hat.dtype
    dout = by_feature(dout.astype(dt, copy=False))
    m = x_hat.size // x_hat.shape[1]
    dbeta = _batch_sum(dout)
    dgamma = _batch_sum(dout, x_hat)
    # dz = gamma * inv_std * (dout - dbeta / m - x_hat * dgamma / m), in one new array
    dz = x_hat * per_feature(-dgamma / m, x_hat)
    dz += dout
    dz -= per_feature(dbeta / m, x_hat)
    dz *= per_feature(cache.gamma * cache.inv_std, x_hat)
    return dz.reshape(shape), dgamma.astype(dt), dbeta.astype(dt)
