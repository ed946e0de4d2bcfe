"""Exponentially weighted averages: hand values, the unrolled sum, bias correction, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlbasics import ewa, ewa_window


def test_ewa_hand_computed():
    # v1 = 0.5*1 = 0.5, v2 = 0.5*0.5 + 0.5*2 = 1.25, v3 = 0.5*1.25 + 0.5*3 = 2.125
    np.testing.assert_allclose(ewa([1.0, 2.0, 3.0], 0.5), [0.5, 1.25, 2.125], rtol=1e-15)
    corrected = ewa([1.0, 2.0, 3.0], 0.5, bias_correction=True)
    np.testing.assert_allclose(corrected, [1.0, 1.25 / 0.75, 2.125 / 0.875], rtol=1e-15)


def test_ewa_matches_unrolled_weighted_sum():
    theta = np.random.default_rng(0).normal(size=30)
    beta = 0.8
    v = ewa(theta, beta)
    for t in range(1, 31):
        weights = (1 - beta) * beta ** np.arange(t - 1, -1, -1)  # β^{t-i}, i = 1..t
        np.testing.assert_allclose(v[t - 1], weights @ theta[:t], rtol=1e-12)


@given(
    c=st.floats(min_value=-1e6, max_value=1e6, allow_subnormal=False),
    beta=st.floats(min_value=0.0, max_value=0.999),
    length=st.integers(min_value=1, max_value=50),
)
def test_ewa_bias_correction_makes_a_constant_series_exact(c, beta, length):
    np.testing.assert_allclose(
        ewa(np.full(length, c), beta, bias_correction=True), c, rtol=1e-13, atol=1e-300
    )


def test_ewa_uncorrected_weights_sum_to_one_minus_beta_power_t():
    beta = 0.98
    np.testing.assert_allclose(ewa(np.ones(100), beta), 1 - beta ** np.arange(1, 101), rtol=1e-12)


def test_ewa_beta_zero_returns_the_series():
    theta = np.array([3.0, -1.0, 4.0])
    np.testing.assert_array_equal(ewa(theta, 0.0), theta)


def test_ewa_averages_columns_independently():
    values = np.random.default_rng(1).normal(size=(20, 2, 3))
    out = ewa(values, 0.9, bias_correction=True)
    assert out.shape == values.shape
    np.testing.assert_allclose(
        out[:, 1, 2], ewa(values[:, 1, 2], 0.9, bias_correction=True), rtol=1e-15
    )


def test_ewa_window_is_one_over_one_minus_beta_where_weight_falls_to_one_over_e():
    assert ewa_window(0.9) == pytest.approx(10.0, rel=1e-12)
    assert ewa_window(0.98) == pytest.approx(50.0, rel=1e-12)
    assert ewa_window(0.0) == 1.0
    for beta in (0.9, 0.98, 0.999):
        assert abs(beta ** ewa_window(beta) - np.exp(-1)) < 0.02


@pytest.mark.parametrize(
    ("values", "beta", "error", "match"),
    [
        ([1.0, 2.0], 1.0, ValueError, r"beta must be in \[0, 1\), got 1.0"),
        ([1.0, 2.0], -0.1, ValueError, r"beta must be in \[0, 1\), got -0.1"),
        ([1.0, 2.0], "0.9", TypeError, r"beta must be a real number"),
        (3.0, 0.9, ValueError, r"values must be a series"),
        ([1.0, np.nan], 0.9, ValueError, r"values must be finite"),
        (["a", "b"], 0.9, TypeError, r"values must have a real numeric dtype"),
    ],
)
def test_ewa_bad_input_raises(values, beta, error, match):
    with pytest.raises(error, match=match):
        ewa(values, beta)


def test_ewa_window_bad_beta_raises():
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1"):
        ewa_window(1)
