"""Batch norm against exact arithmetic: never less accurate than PyTorch on small batches.

Exact values come from mpmath at 40 significant digits, on the same floating-point inputs.
Each error is taken per feature, and the worst feature counts:

- out: max_i |out_i - exact_i| / max_i |exact_i|, in units of the dtype's machine epsilon u;
- dz: the same relative error divided by the condition factor kappa = max_i |dout_i| /
  max_i |r_i|, with r = dout - mean(dout) - x_hat * mean(dout * x_hat) the part of the
  upstream gradient that survives the projection (dz = gamma * inv_std * r). At m = 2, r is
  about eps / (var + eps) of dout: dz nearly cancels, and kappa reaches 1e6 here.

The bounds are twice PyTorch's smallest error in each dtype over these cases, rounded down,
so that a route within them is within 2x of PyTorch in every case. PyTorch 2.13's CPU kernel
is at its best at m = 8 without offset (float64: out 1.21 u, dz 2.10 u kappa; float32: 1.01 u
and 1.38 u kappa) and its errors grow with the offset, to 3e4 u at 1e3 sigma:
`benchmarks/batchnorm.py` measures it and prints the table. The plain sums of z and z² fail.
"""

import mpmath
import numpy as np
import pytest

from dlbasics import batchnorm_backward, batchnorm_forward

EPS = 1e-5
BOUNDS = {np.float64: (2.4, 4.1), np.float32: (2.0, 2.7)}  # out in u, dz in u * kappa
CASES = [
    (dtype, m, offset)
    for dtype in (np.float64, np.float32)
    for m in (2, 3, 8)
    for offset in (0.0, 20.0, 1e3)  # the mean, in standard deviations
]
_mpf = np.vectorize(mpmath.mpf, otypes=[object])
_sqrt = np.vectorize(mpmath.sqrt, otypes=[object])


def problem(dtype, m, offset, n=256, seed=0):
    """z (standard deviation 3, mean `offset` of them), gamma, beta and a random dout."""
    rng = np.random.default_rng(seed)
    z = 3.0 * (offset + rng.standard_normal((m, n)))
    gamma, beta, dout = rng.normal(size=n), rng.normal(size=n), rng.normal(size=(m, n))
    return tuple(a.astype(dtype) for a in (z, gamma, beta, dout))


def exact(z, gamma, beta, dout, eps=EPS):
    """`(out, dz, kappa)` in 40-digit arithmetic, rounded to float64 at the end."""
    with mpmath.workdps(40):
        z, gamma, beta, dout = (_mpf(np.asarray(a, np.float64)) for a in (z, gamma, beta, dout))
        m = len(z)
        mu = z.sum(axis=0) / m
        inv_std = 1 / _sqrt(((z - mu) ** 2).sum(axis=0) / m + mpmath.mpf(eps))
        x_hat = (z - mu) * inv_std
        r = dout - dout.sum(axis=0) / m - x_hat * (dout * x_hat).sum(axis=0) / m
        out, dz = gamma * x_hat + beta, gamma * inv_std * r
        kappa = np.abs(dout).max(axis=0) / np.abs(r).max(axis=0)
        return out.astype(float), dz.astype(float), kappa.astype(float)


def errors(out, dz, reference):
    """Worst-feature errors `(out in u, dz in u * kappa)` against `exact(...)`."""
    u = np.finfo(out.dtype).eps
    exact_out, exact_dz, kappa = reference

    def relative(a, b):
        return np.abs(a.astype(float) - b).max(axis=0) / np.abs(b).max(axis=0)

    return relative(out, exact_out).max() / u, (relative(dz, exact_dz) / kappa).max() / u


def ours(z, gamma, beta, dout):
    out, cache = batchnorm_forward(z, gamma, beta, EPS)
    return out, batchnorm_backward(dout, cache)[0]


def test_exact_reference_agrees_with_float64_on_an_easy_batch():
    z, gamma, beta, dout = problem(np.float64, 64, 0.0, n=8)
    mu, var = z.mean(axis=0), z.var(axis=0)
    x_hat = (z - mu) / np.sqrt(var + EPS)
    dz = gamma / np.sqrt(var + EPS) * (dout - dout.mean(0) - x_hat * (dout * x_hat).mean(0))
    exact_out, exact_dz, kappa = exact(z, gamma, beta, dout)
    np.testing.assert_allclose(exact_out, gamma * x_hat + beta, rtol=1e-13)
    np.testing.assert_allclose(exact_dz, dz, rtol=1e-12)
    assert kappa.max() < 2  # no cancellation to speak of


@pytest.mark.parametrize(("dtype", "m", "offset"), CASES)
def test_as_accurate_as_pytorch_against_exact_arithmetic(dtype, m, offset):
    z, gamma, beta, dout = problem(dtype, m, offset)
    out, dz = ours(z, gamma, beta, dout)
    assert out.dtype == dz.dtype == dtype
    err_out, err_dz = errors(out, dz, exact(z, gamma, beta, dout))
    bound_out, bound_dz = BOUNDS[dtype]
    assert err_out <= bound_out
    assert err_dz <= bound_dz


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_bounds_reject_the_variance_from_plain_sums(dtype):
    """mean(z²) - mean(z)² loses about log10(1 + r²) digits, r = |mu| / sigma: at r = 20,
    more than 2 of them, and the output is more than an order of magnitude off the bound."""
    z, gamma, beta, dout = problem(dtype, 8, 20.0)
    var = (z * z).mean(axis=0) - z.mean(axis=0) ** 2
    out = gamma * (z - z.mean(axis=0)) / np.sqrt(var + EPS) + beta
    err_out, _ = errors(out, out, exact(z, gamma, beta, dout))
    assert err_out > 10 * BOUNDS[dtype][0]
