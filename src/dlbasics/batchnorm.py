r"""Batch normalization: the math as pure functions.

Statistics are taken per feature over the mini-batch: over the m rows of an `(m, n)` input, or
per channel over the m·H·W values of an `(m, C, H, W)` input.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dlbasics._validate import as_float_array, check_positive, check_shape


class BatchNormCache(NamedTuple):
    """What the backward pass needs from the forward pass."""

    x_hat: np.ndarray  # normalized input, same shape as z
    inv_std: np.ndarray  # 1 / sqrt(var + eps), broadcastable against z
    gamma: np.ndarray  # scale, broadcastable against z
    mu: np.ndarray  # batch mean, shape (n,) or (C,)
    var: np.ndarray  # biased batch variance, shape (n,) or (C,)
    axes: tuple[int, ...]  # axes the statistics were taken over


def stat_axes(z: np.ndarray) -> tuple[int, ...]:
    """Axes of the batch statistics: `(0,)` for `(m, n)`, `(0, 2, 3)` for `(m, C, H, W)`."""
    return (0,) if z.ndim == 2 else (0, 2, 3)


def _per_feature(z: np.ndarray) -> tuple[int, ...]:
    """Shape that broadcasts a per-feature vector against `z`."""
    return (1, -1) if z.ndim == 2 else (1, -1, 1, 1)


def check_inputs(z, gamma, beta, eps) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Validate the arguments shared by the forward pass and the layer."""
    z = as_float_array(z, "z", ndim=(2, 4))
    n = z.shape[1]
    what = "one value per feature" if z.ndim == 2 else "one value per channel"
    gamma = as_float_array(gamma, "gamma")
    beta = as_float_array(beta, "beta")
    check_shape(gamma, "gamma", (n,), what)
    check_shape(beta, "beta", (n,), what)
    return z, gamma, beta, check_positive(eps, "eps")


def batchnorm_forward(z, gamma, beta, eps=1e-5):
    r"""Normalize each feature over the mini-batch, then scale by `gamma` and shift by `beta`.

    Parameters
    ----------
    z : ndarray of shape (m, n) or (m, C, H, W)
        Pre-activations of one mini-batch, one example per row. For 4-D inputs the statistics
        are per channel, over the m·H·W values of that channel.
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
        Normalized input, inverse standard deviation, batch mean and (biased) variance, for
        `batchnorm_backward` and for running statistics.

    Raises
    ------
    ValueError
        If `z` is not 2-D or 4-D, if `gamma` or `beta` do not hold one value per feature, if the
        batch has fewer than two values per feature, or if `eps <= 0`.
    TypeError
        If an input is not numeric.

    Notes
    -----
    For each feature, over the $m$ values $z^{(1)}, \dots, z^{(m)}$ of the mini-batch:

    $$\mu = \frac{1}{m}\sum_{i=1}^{m} z^{(i)}, \qquad
      \sigma^2 = \frac{1}{m}\sum_{i=1}^{m} \left(z^{(i)} - \mu\right)^2,$$

    $$\hat z^{(i)} = \frac{z^{(i)} - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \qquad
      \tilde z^{(i)} = \gamma\, \hat z^{(i)} + \beta.$$

    The variance is computed in two passes (mean first, then the mean of squared deviations),
    so a large common offset does not cancel the digits that matter, even in float32.

    References
    ----------
    S. Ioffe and C. Szegedy, "Batch Normalization: Accelerating Deep Network Training by
    Reducing Internal Covariate Shift", ICML 2015.

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
    axes = stat_axes(z)
    m = z.size // z.shape[1]
    if m < 2:
        raise ValueError(
            f"batch normalization needs more than 1 value per feature in training mode, got z "
            f"of shape {z.shape}; drop the last incomplete mini-batch or use a larger batch"
        )
    shape = _per_feature(z)
    mu = z.mean(axis=axes)
    x_hat = z - mu.reshape(shape)  # two-pass variance: centre first
    var = np.mean(np.square(x_hat), axis=axes)
    inv_std = (1.0 / np.sqrt(var + eps)).astype(z.dtype).reshape(shape)
    x_hat *= inv_std
    g = gamma.astype(z.dtype).reshape(shape)
    out = x_hat * g
    out += beta.astype(z.dtype).reshape(shape)
    return out, BatchNormCache(x_hat, inv_std, g, mu, var, axes)


def batchnorm_backward(dout, cache: BatchNormCache):
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
        If `dout` does not have the shape of the cached `x_hat`.
    TypeError
        If `dout` is not numeric or `cache` is not a `BatchNormCache`.

    Notes
    -----
    With sums over the $m$ values of each feature (m·H·W for 4-D inputs) and
    $d\hat z = \gamma\, d\tilde z$:

    $$d\beta = \sum_i d\tilde z^{(i)}, \qquad
      d\gamma = \sum_i d\tilde z^{(i)}\, \hat z^{(i)},$$

    $$dz^{(i)} = \frac{1}{m\sqrt{\sigma^2+\varepsilon}}
      \Big(m\, d\hat z^{(i)} - \sum_j d\hat z^{(j)}
      - \hat z^{(i)} \sum_j d\hat z^{(j)}\hat z^{(j)}\Big)
      = \frac{\gamma}{\sqrt{\sigma^2+\varepsilon}}
      \Big(d\tilde z^{(i)} - \frac{d\beta}{m} - \hat z^{(i)}\,\frac{d\gamma}{m}\Big).$$

    $dz$ is $d\tilde z$ with its per-feature mean and its component along $\hat z$ removed,
    then scaled: an upstream gradient that is constant per feature (all ones, say) gives
    $dz = 0$. The derivation is on the site's "backward pass" page.

    Examples
    --------
    >>> import numpy as np
    >>> from dlbasics import batchnorm_forward, batchnorm_backward
    >>> z = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    >>> out, cache = batchnorm_forward(z, gamma=np.array([1.0, 2.0]), beta=np.zeros(2))
    >>> dz, dgamma, dbeta = batchnorm_backward(np.array([[1.0, 0], [0, 0], [0, 0], [0, 1]]), cache)
    >>> print(np.round(dz, 4))
    [[ 0.2683  0.0358]
     [-0.3578 -0.0179]
     [-0.0894 -0.0716]
     [ 0.1789  0.0537]]
    >>> print(np.round(dz.sum(axis=0), 12))  # dz has zero mean per feature
    [0. 0.]
    >>> print(np.round(dgamma, 4), dbeta)
    [-1.3416  1.3416] [1. 1.]
    """
    if not isinstance(cache, BatchNormCache):
        raise TypeError(
            f"cache must be the BatchNormCache of batchnorm_forward, got {type(cache).__name__}"
        )
    x_hat = cache.x_hat
    dout = as_float_array(dout, "dout")
    check_shape(dout, "dout", x_hat.shape, "the shape of z in the forward pass")
    axes = cache.axes
    m = x_hat.size // x_hat.shape[1]
    dbeta = dout.sum(axis=axes)
    dgamma = _sum_of_products(dout, x_hat)
    shape = _per_feature(x_hat)
    scale = (cache.gamma * cache.inv_std).reshape(shape)  # gamma / sqrt(var + eps)
    dz = np.multiply(x_hat, (-dgamma / m).astype(x_hat.dtype).reshape(shape))
    dz += (-dbeta / m).astype(x_hat.dtype).reshape(shape)
    dz += dout
    dz *= scale
    return dz, dgamma, dbeta


def _sum_of_products(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-feature sum of `a * b` without materializing the product."""
    if a.ndim == 2:
        return np.einsum("ij,ij->j", a, b)
    return np.einsum(
        "ncs,ncs->c", a.reshape(a.shape[0], a.shape[1], -1), b.reshape(b.shape[0], b.shape[1], -1)
    )
