"""batchnorm_forward / batchnorm_backward: gradients, numerics, invariances, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlbasics import (
    BatchNormCache,
    batchnorm_backward,
    batchnorm_forward,
    numerical_gradient,
    rel_error,
)

SHAPES = [(6, 4), (3, 2, 3, 4)]


def _problem(shape, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.normal(2.0, 3.0, size=shape)
    n = shape[1]
    gamma, beta = rng.normal(size=n), rng.normal(size=n)
    dout = rng.normal(size=shape)  # a RANDOM upstream gradient
    return z, gamma, beta, dout


def _naive(z, gamma, beta, eps=1e-5):
    """Textbook forward in float64, straight from the equations."""
    axes = (0,) if z.ndim == 2 else (0, 2, 3)
    shape = (1, -1) if z.ndim == 2 else (1, -1, 1, 1)
    mu = z.mean(axis=axes, keepdims=True)
    var = ((z - mu) ** 2).mean(axis=axes, keepdims=True)
    return gamma.reshape(shape) * (z - mu) / np.sqrt(var + eps) + beta.reshape(shape)


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_matches_the_equations(shape):
    z, gamma, beta, _ = _problem(shape)
    out, cache = batchnorm_forward(z, gamma, beta)
    np.testing.assert_allclose(out, _naive(z, gamma, beta), rtol=1e-12, atol=1e-12)
    axes = (0,) if z.ndim == 2 else (0, 2, 3)
    np.testing.assert_allclose(cache.mu, z.mean(axis=axes), rtol=1e-13)
    np.testing.assert_allclose(cache.var, z.var(axis=axes), rtol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("wrt", ["z", "gamma", "beta"])
def test_backward_matches_numerical_gradient(shape, wrt):
    z, gamma, beta, dout = _problem(shape)
    _, cache = batchnorm_forward(z, gamma, beta)
    dz, dgamma, dbeta = batchnorm_backward(dout, cache)
    args = {"z": z, "gamma": gamma, "beta": beta}

    def loss():
        return float(np.sum(batchnorm_forward(**args)[0] * dout))

    analytic = {"z": dz, "gamma": dgamma, "beta": dbeta}[wrt]
    assert rel_error(analytic, numerical_gradient(loss, args[wrt])) < 1e-7


@pytest.mark.parametrize("shape", SHAPES)
def test_all_ones_upstream_gradient_is_vacuous(shape):
    """dout = 1 gives dz = 0 for ANY correct or wrong gamma/std factor: it checks nothing."""
    z, gamma, beta, _ = _problem(shape)
    _, cache = batchnorm_forward(z, gamma, beta)
    dz, _, _ = batchnorm_backward(np.ones(shape), cache)
    np.testing.assert_allclose(dz, 0.0, atol=1e-13)
    # a backward pass that forgets the 1/sqrt(var + eps) factor passes the same check
    per_feature = (1, -1) + (1,) * (len(shape) - 2)
    wrong = dz / cache.inv_std.reshape(per_feature)
    np.testing.assert_allclose(wrong, 0.0, atol=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_float32_backward_agrees_with_float64(shape):
    z, gamma, beta, dout = _problem(shape)
    _, c64 = batchnorm_forward(z, gamma, beta)
    _, c32 = batchnorm_forward(z.astype(np.float32), gamma, beta)
    g64 = batchnorm_backward(dout, c64)
    g32 = batchnorm_backward(dout.astype(np.float32), c32)
    for a, b in zip(g64, g32, strict=True):
        assert b.dtype == np.float32
        assert rel_error(a, b) < 1e-5


def test_eps_is_added_under_the_root():
    """sigma^2 + eps (the source notes write a minus)."""
    z = np.array([[0.0], [2.0]])  # mean 1, biased variance 1
    out, cache = batchnorm_forward(z, np.ones(1), np.zeros(1), eps=0.5)
    np.testing.assert_allclose(out[:, 0], [-1 / np.sqrt(1.5), 1 / np.sqrt(1.5)], rtol=1e-15)
    np.testing.assert_allclose(cache.inv_std.ravel(), [1 / np.sqrt(1.5)], rtol=1e-15)


def test_variance_is_biased_in_training():
    z = np.array([[1.0], [3.0]])
    _, cache = batchnorm_forward(z, np.ones(1), np.zeros(1))
    assert cache.var[0] == 1.0  # divide by m, not m - 1


def test_squares_that_would_overflow_float32_are_never_formed():
    """z² overflows float32 beyond 1.8e19; the squared deviations from the mean do not."""
    rng = np.random.default_rng(6)
    z = (3e19 + 1e17 * rng.normal(size=(64, 2))).astype(np.float32)
    out, cache = batchnorm_forward(z, np.ones(2), np.zeros(2))
    assert np.all(np.isfinite(cache.var))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out.astype(np.float64).std(axis=0), 1.0, rtol=1e-3)


@pytest.mark.parametrize("shape", [(4096, 3), (64, 3, 8, 8)])
def test_float32_large_offset_normalizes_to_unit_variance(shape):
    rng = np.random.default_rng(1)
    z = (1e4 + rng.normal(size=shape)).astype(np.float32)
    out, cache = batchnorm_forward(z, np.ones(3), np.zeros(3))
    assert out.dtype == np.float32
    axes = (0,) if out.ndim == 2 else (0, 2, 3)
    out64 = out.astype(np.float64)
    np.testing.assert_allclose(out64.var(axis=axes), 1.0, atol=1e-3)
    np.testing.assert_allclose(out64.mean(axis=axes), 0.0, atol=1e-3)
    # E[z^2] - E[z]^2 in float32 loses everything at this offset (the pitfall avoided)
    zz = z.reshape(z.shape[0], 3, -1).swapaxes(1, 2).reshape(-1, 3)
    one_pass = np.mean(zz * zz, axis=0) - np.mean(zz, axis=0) ** 2
    assert np.max(np.abs(one_pass - 1.0)) > 0.5
    np.testing.assert_allclose(cache.var, 1.0, atol=0.1)


@pytest.mark.parametrize("shape", [(4096, 3), (64, 3, 8, 8)])
def test_float32_rounded_mean_is_corrected(shape):
    """A float32 mean of values near 1e4 carries the rounding of the sum and of the mean
    itself: centring with it alone left output means of 3e-3 to 8e-3 here. The residual pass
    of the corrected two-pass algorithm brings them to float32 precision."""
    rng = np.random.default_rng(2)
    z = (1e4 + rng.normal(size=shape)).astype(np.float32)
    out, cache = batchnorm_forward(z, np.ones(3), np.zeros(3))
    axes = (0,) if out.ndim == 2 else (0, 2, 3)
    assert np.abs(out.astype(np.float64).mean(axis=axes)).max() < 1e-6
    z64 = z.astype(np.float64)
    x_hat = (z64 - z64.mean(axis=axes, keepdims=True)) / np.sqrt(
        z64.var(axis=axes, keepdims=True) + 1e-5
    )
    np.testing.assert_allclose(cache.x_hat, x_hat, atol=5e-5)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cache_holds_x_hat_and_float64_statistics(shape, dtype):
    """x_hat in the dtype of z; per-feature float64 vectors; neither pass writes to z."""
    z, gamma, beta, dout = _problem(shape)
    z = z.astype(dtype)
    z_before = z.copy()
    _, cache = batchnorm_forward(z, gamma, beta)
    assert BatchNormCache._fields == ("x_hat", "gamma", "inv_std", "mu", "var")
    assert cache.x_hat.shape == z.shape
    assert cache.x_hat.dtype == dtype
    for v in cache[1:]:
        assert v.shape == (shape[1],)
        assert v.dtype == np.float64
    axes = (0,) if z.ndim == 2 else (0, 2, 3)
    z64 = z.astype(np.float64)
    x_hat = (z64 - z64.mean(axis=axes, keepdims=True)) / np.sqrt(
        z64.var(axis=axes, keepdims=True) + 1e-5
    )
    tol = 10 * np.finfo(dtype).eps
    np.testing.assert_allclose(cache.x_hat, x_hat, rtol=tol, atol=tol)
    np.testing.assert_allclose(cache.inv_std, 1 / np.sqrt(z64.var(axis=axes) + 1e-5), rtol=tol)
    np.testing.assert_allclose(cache.mu, z64.mean(axis=axes), rtol=0, atol=3 * tol)  # sigma 3
    np.testing.assert_allclose(cache.var, z64.var(axis=axes), rtol=tol)
    np.testing.assert_array_equal(cache.gamma, gamma)
    batchnorm_backward(dout.astype(dtype), cache)
    np.testing.assert_array_equal(z, z_before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_constant_feature_normalizes_to_zero_without_nan(dtype):
    z = np.full((16, 2), 1e4 + 0.1, dtype=dtype)
    z[:, 1] = np.arange(16)
    out, cache = batchnorm_forward(z, np.ones(2), np.zeros(2))
    np.testing.assert_allclose(out[:, 0], 0.0, atol=1e-6)
    assert 0.0 <= cache.var[0] < 1e-12
    assert np.all(np.isfinite(out))


def test_forward_accepts_non_contiguous_input():
    z, gamma, beta, _ = _problem((5, 7))
    zt = np.asfortranarray(z)
    out, _ = batchnorm_forward(zt, gamma, beta)
    np.testing.assert_allclose(out, _naive(z, gamma, beta), rtol=1e-12, atol=1e-12)
    out2, _ = batchnorm_forward(z.T.copy().T[:, ::-1], gamma[::-1], beta[::-1])
    np.testing.assert_allclose(out2, _naive(z[:, ::-1], gamma[::-1], beta[::-1]), atol=1e-12)


finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
spread_batches = arrays(
    np.float64, st.tuples(st.integers(2, 12), st.integers(1, 4)), elements=finite
).filter(lambda z: np.all(z.std(axis=0) > 1e-2))


@settings(max_examples=60, deadline=None)
@given(spread_batches)
def test_output_has_zero_mean_unit_variance(z):
    out, cache = batchnorm_forward(z, np.ones(z.shape[1]), np.zeros(z.shape[1]))
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-9)
    # exactly var / (var + eps)
    np.testing.assert_allclose(out.var(axis=0), cache.var / (cache.var + 1e-5), rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    spread_batches,
    st.floats(-100, 100),
    st.floats(0.1, 10.0),
)
def test_invariant_to_per_feature_shift_and_positive_scale(z, shift, scale):
    n = z.shape[1]
    shifts = shift * np.arange(1, n + 1)
    scales = scale * np.linspace(1.0, 2.0, n)
    gamma, beta = np.linspace(0.5, 2.0, n), np.linspace(-1.0, 1.0, n)
    z2 = z * scales + shifts
    # The invariance is exact only as eps -> 0: take eps negligible against both variances.
    eps = 1e-10 * min(z.var(axis=0).min(), z2.var(axis=0).min())
    out, _ = batchnorm_forward(z, gamma, beta, eps=eps)
    out2, _ = batchnorm_forward(z2, gamma, beta, eps=eps)
    np.testing.assert_allclose(out2, out, atol=1e-7)


@settings(max_examples=60, deadline=None)
@given(spread_batches)
def test_identity_recovered_when_gamma_is_the_std_and_beta_the_mean(z):
    eps = 1e-5
    _, cache = batchnorm_forward(z, np.ones(z.shape[1]), np.zeros(z.shape[1]), eps=eps)
    out, _ = batchnorm_forward(z, np.sqrt(cache.var + eps), cache.mu, eps=eps)
    np.testing.assert_allclose(out, z, rtol=1e-9, atol=1e-9 * np.abs(z).max())


def test_eps_changes_the_scale_when_variance_is_small():
    z = np.array([[0.0], [2e-3]])  # variance 1e-6, below eps: output shrinks
    out, _ = batchnorm_forward(z, np.ones(1), np.zeros(1), eps=1e-5)
    np.testing.assert_allclose(np.abs(out), np.sqrt(1e-6 / (1e-6 + 1e-5)), rtol=1e-9)


# ---- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(4,), (2, 3, 4), (1, 2, 3, 4, 5)])
def test_wrong_ndim_is_rejected(shape):
    with pytest.raises(ValueError, match=r"z must be 2 or 4-dimensional"):
        batchnorm_forward(np.zeros(shape), np.ones(3), np.zeros(3))


@pytest.mark.parametrize("name", ["gamma", "beta"])
def test_gamma_beta_shape_mismatch_is_rejected(name):
    kwargs = {"gamma": np.ones(3), "beta": np.zeros(3)}
    kwargs[name] = np.ones((3, 1))  # the course's (n, 1) column
    with pytest.raises(ValueError, match=rf"{name} must have shape \(3,\)"):
        batchnorm_forward(np.zeros((4, 3)), **kwargs)


def test_gamma_must_match_channels_of_4d_input():
    with pytest.raises(ValueError, match=r"gamma must have shape \(2,\) \(one value per channel\)"):
        batchnorm_forward(np.zeros((4, 2, 3, 3)), np.ones(3), np.zeros(2))


@pytest.mark.parametrize("shape", [(1, 5), (1, 3, 1, 1)])
def test_one_value_per_feature_is_rejected(shape):
    with pytest.raises(ValueError, match=r"more than 1 value per feature in training mode"):
        batchnorm_forward(np.zeros(shape), np.ones(shape[1]), np.zeros(shape[1]))


def test_one_example_with_spatial_extent_is_accepted():
    z = np.arange(8.0).reshape(1, 2, 2, 2)  # m = 1 but m*H*W = 4 values per channel
    out, _ = batchnorm_forward(z, np.ones(2), np.zeros(2))
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)


def test_non_numeric_dtype_is_rejected():
    with pytest.raises(TypeError, match=r"z must have a real numeric dtype"):
        batchnorm_forward(np.array([["a", "b"], ["c", "d"]]), np.ones(2), np.zeros(2))


def test_integer_input_is_promoted_to_float64():
    out, _ = batchnorm_forward(np.array([[1, 2], [3, 4]]), np.ones(2), np.zeros(2))
    assert out.dtype == np.float64


@pytest.mark.parametrize("eps", [0.0, -1e-5, float("nan")])
def test_non_positive_eps_is_rejected(eps):
    with pytest.raises(ValueError, match=r"eps must be a finite number > 0"):
        batchnorm_forward(np.zeros((4, 3)), np.ones(3), np.zeros(3), eps=eps)


def test_backward_rejects_dout_of_the_wrong_shape():
    _, cache = batchnorm_forward(np.arange(6.0).reshape(3, 2), np.ones(2), np.zeros(2))
    with pytest.raises(ValueError, match=r"dout must have shape \(3, 2\)"):
        batchnorm_backward(np.ones((2, 3)), cache)


def test_backward_rejects_something_that_is_not_a_cache():
    with pytest.raises(TypeError, match=r"cache must be the BatchNormCache"):
        batchnorm_backward(np.ones((3, 2)), (np.ones((3, 2)),))
