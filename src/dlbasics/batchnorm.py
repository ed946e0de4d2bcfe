r"""Batch normalization: the math as pure functions.

Statistics are taken per feature over the mini-batch: over the m rows of an `(m, n)` input, or
per channel over the m·H·W values of an `(m, C, H, W)` input.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from dlbasics._rowblocks import backward_rows, forward_rows
from dlbasics._validate import as_float_array, check_positive, check_shape


class BatchNormCache(NamedTuple):
    """What the backward pass needs from the forward pass.

    `z` is the forward pass's input itself, not a copy (as PyTorch saves its input): change
    it in place only after the backward pass, or the gradients will be wrong.
    """

    z: np.ndarray  # the input (a reference)
    center: np.ndarray  # first-pass mean, broadcastable against z
    shift: np.ndarray  # mean of z - center (the first mean's rounding), broadcastable
    inv_std: np.ndarray  # 1 / sqrt(var + eps), broadcastable against z
    gamma: np.ndarray  # scale, broadcastable against z
    mu: np.ndarray  # batch mean, shape (n,) or (C,)
    var: np.ndarray  # biased batch variance, shape (n,) or (C,)
    axes: tuple[int, ...]  # axes the statistics were taken over

    @property
    def x_hat(self) -> np.ndarray:
        r"""The normalized input $(z - \mu) / \sqrt{\sigma^2 + \varepsilon}$ (a new array)."""
        x_hat: np.ndarray = (self.z - self.center - self.shift) * self.inv_std
        return x_hat


def stat_axes(z: np.ndarray) -> tuple[int, ...]:
    """Axes of the batch statistics: `(0,)` for `(m, n)`, `(0, 2, 3)` for `(m, C, H, W)`."""
    return (0,) if z.ndim == 2 else (0, 2, 3)


def _per_feature(z: np.ndarray) -> tuple[int, ...]:
    """Shape that broadcasts a per-feature vector against `z`."""
    return (1, -1) if z.ndim == 2 else (1, -1, 1, 1)


def check_inputs(
    z: ArrayLike, gamma: ArrayLike, beta: ArrayLike, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Validate the arguments shared by the forward pass and the layer."""
    z = as_float_array(z, "z", ndim=(2, 4))
    n = z.shape[1]
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
        The input `z` itself (not a copy: change it only after the backward pass), the
        inverse standard deviation, batch mean and (biased) variance, for
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

    A large common offset must not cancel the digits that matter, even in float32. The
    shortcut $\sigma^2 = \overline{z^2} - \mu^2$ loses about $\log_{10}(1 + r^2)$ digits,
    $r = |\mu| / \sqrt{\sigma^2 + \varepsilon}$; `(m, n)` inputs use it only while $r \le 2$
    for every feature in float32 (0.7 of its 7 digits) and $r \le 30$ in float64 (3 of its
    16), where it saves a pass over a centred copy of z. Otherwise, and for every 4-D input,
    the variance is computed in two passes (the mean first, then the mean of squared
    deviations from it), with the rounding error of the first mean folded back in: the
    corrected two-pass algorithm (Chan, Golub & LeVeque, 1983).

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
    if z.ndim == 2:  # the same math in blocks of rows that stay in the caches
        out, center, shift, inv_std, mu, var = forward_rows(z, gamma, beta, eps)
    else:
        out, center, shift, inv_std, mu, var = _forward_4d(z, gamma, beta, eps)
    g = gamma.astype(z.dtype, copy=False).reshape(shape)
    center, shift, inv_std = center.reshape(shape), shift.reshape(shape), inv_std.reshape(shape)
    return out, BatchNormCache(z, center, shift, inv_std, g, mu, var, axes)


def _forward_4d(z: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> tuple:
    """The reference code: `(out, center, shift, inv_std, mu, var)`, whole-array operations."""
    dt = z.dtype
    m = z.size // z.shape[1]
    center = _feature_sum(z) / m
    out = _per_feature_op(np.subtract, z, center, np.empty(z.shape, dt))  # z - center for now
    var = _sum_of_products(out, out) / m  # two passes: centre first
    shift = _feature_sum(out) / m  # the rounded first mean leaves a residual (Chan et al. 1983)
    var -= np.square(shift)
    np.maximum(var, 0, out=var)  # a constant feature may round below zero
    inv_std = (1.0 / np.sqrt(var + eps)).astype(dt, copy=False)
    s = gamma.astype(dt, copy=False) * inv_std  # out = gamma * x_hat + beta, in place
    _per_feature_op(np.multiply, out, s, out)
    _per_feature_op(np.add, out, beta - shift * s, out)
    return out, center, shift, inv_std, center + shift, var


# ---- whole-array operations with per-channel vectors broadcast over (m, C, H, W) ----------


def _feature_sum(a: np.ndarray) -> np.ndarray:
    """Per-channel sum over the m·H·W values, without big temporaries."""
    s: np.ndarray = np.einsum("ncs->c", a.reshape(a.shape[0], a.shape[1], -1))
    return s


def _sum_of_products(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-channel sum of `a * b`, without materializing the product."""
    s = (a.shape[0], a.shape[1], -1)
    total: np.ndarray = np.einsum("ncs,ncs->c", a.reshape(s), b.reshape(s))
    return total


def _per_feature_op(ufunc: np.ufunc, a: np.ndarray, v: np.ndarray, out: np.ndarray) -> np.ndarray:
    """`out = ufunc(a, v)` with the per-channel vector `v` broadcast."""
    res: np.ndarray = ufunc(a, v.astype(out.dtype, copy=False).reshape(1, -1, 1, 1), out=out)
    return res


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
    >>> print(np.abs(dz.sum(axis=0)).max() < 1e-12)  # zero mean per feature
    True
    >>> print(np.round(dgamma, 4), dbeta)
    [-1.3416  1.3416] [1. 1.]
    """
    if not isinstance(cache, BatchNormCache):
        raise TypeError(
            f"cache must be the BatchNormCache of batchnorm_forward, got {type(cache).__name__}"
        )
    z = cache.z
    dout = as_float_array(dout, "dout")
    check_shape(dout, "dout", z.shape, "the shape of z in the forward pass")
    center, shift = cache.center.ravel(), cache.shift.ravel()
    inv_std, gamma = cache.inv_std.ravel(), cache.gamma.ravel()
    if z.ndim == 2:  # the same math in blocks of rows that stay in the caches
        return backward_rows(dout, z, center, shift, inv_std, gamma)
    m = z.size // z.shape[1]
    dz = _per_feature_op(np.subtract, z, center, np.empty(z.shape, z.dtype))  # z - center
    dbeta = _feature_sum(dout)
    dgamma = (_sum_of_products(dout, dz) - shift * dbeta) * inv_std  # sum of dout * x_hat
    # dz = gamma * inv_std * (dout - dbeta / m - x_hat * dgamma / m)
    #    = k * (dout + (z - center) * a + c), in place
    a = -inv_std * dgamma / m
    _per_feature_op(np.multiply, dz, a, dz)
    _per_feature_op(np.add, dz, -dbeta / m - shift * a, dz)
    dz += dout
    _per_feature_op(np.multiply, dz, gamma * inv_std, dz)
    return dz, dgamma, dbeta
