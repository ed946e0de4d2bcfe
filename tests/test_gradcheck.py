"""numerical_gradient, rel_error, check_gradient."""

import numpy as np
import pytest

from dlbasics import check_gradient, numerical_gradient, rel_error


def test_numerical_gradient_of_a_quadratic_form():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    g = numerical_gradient(lambda: float(x @ a @ x), x)
    assert rel_error(g, (a + a.T) @ x) < 1e-9


def test_numerical_gradient_restores_x_bit_for_bit():
    x = np.random.default_rng(1).normal(size=(3, 5))
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(np.tanh(x))), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_is_central_not_forward():
    x = np.array([1.0])
    # f = x^2 with a large step: central differences are exact, forward ones are off by h
    assert numerical_gradient(lambda: float(x[0] ** 2), x, eps=0.5)[0] == 2.0


def test_numerical_gradient_rejects_float32():
    with pytest.raises(TypeError, match=r"x must be a float64 ndarray"):
        numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32))


def test_numerical_gradient_rejects_non_arrays():
    with pytest.raises(TypeError, match=r"x must be a float64 ndarray .*got list"):
        numerical_gradient(lambda: 0.0, [1.0, 2.0])


def test_numerical_gradient_perturbs_a_view_in_place():
    base = np.arange(12.0).reshape(3, 4)
    view = base[:, 1:3]  # not contiguous: f reads base, so the view itself must be perturbed
    g = numerical_gradient(lambda: float(np.sum(base**2)), view)
    np.testing.assert_allclose(g, 2 * base[:, 1:3], rtol=1e-7)


@pytest.mark.parametrize("eps", [0.0, -1e-6])
def test_numerical_gradient_rejects_non_positive_eps(eps):
    with pytest.raises(ValueError, match=r"eps must be a finite number > 0"):
        numerical_gradient(lambda: 0.0, np.zeros(2), eps=eps)


def test_rel_error_normalizes_by_the_whole_array():
    assert rel_error([1.0, 0.0], [1.0, 1e-12]) == pytest.approx(1e-12 / 2.0)
    assert rel_error([2.0], [-2.0]) == 1.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0


def test_rel_error_rejects_shape_mismatch():
    with pytest.raises(ValueError, match=r"a and b must have the same shape"):
        rel_error(np.zeros(3), np.zeros((3, 1)))


def test_check_gradient_passes_and_fails():
    x = np.array([0.3, -0.7])
    assert check_gradient(lambda: float(np.sum(x**3)), x, 3 * x**2) < 1e-9
    with pytest.raises(AssertionError, match=r"relative error .* > rtol=1e-07"):
        check_gradient(lambda: float(np.sum(x**3)), x, 3 * x**2 * (1 + 1e-5))


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f():
        calls.append(x.copy())
        if len(calls) == 4:  # the second entry, perturbed by -h
            raise ArithmeticError("f failed")
        return float(np.sum(x**2))

    with pytest.raises(ArithmeticError, match="f failed"):
        numerical_gradient(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    assert calls[3][1] != 2.0  # f did see x perturbed when it raised
