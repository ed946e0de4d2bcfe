"""Dense, the activations and softmax cross-entropy: gradients, numerics, errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dlbasics import Dense, ReLU, Sigmoid, Tanh, numerical_gradient, rel_error
from dlbasics import softmax_cross_entropy as sce

TOL = 1e-7


def _rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- Dense
@pytest.mark.parametrize("bias", [True, False])
def test_dense_gradients_match_central_differences(bias):
    rng = _rng(1)
    layer = Dense(5, 4, bias=bias, seed=rng)
    if bias:
        layer.b[...] = rng.normal(size=4)  # a nonzero bias, so it matters in the forward pass
    x = rng.normal(size=(7, 5))
    dout = rng.normal(size=(7, 4))  # RANDOM upstream gradient

    def f():
        return float(np.sum(layer.forward(x) * dout))

    layer.forward(x)
    dx = layer.backward(dout)
    assert rel_error(dx, numerical_gradient(f, x)) < TOL
    assert rel_error(layer.dW, numerical_gradient(f, layer.W)) < TOL
    if bias:
        assert rel_error(layer.db, numerical_gradient(f, layer.b)) < TOL


def test_dense_computes_xW_plus_b():
    rng = _rng(2)
    layer = Dense(3, 2, seed=rng)
    layer.b[...] = [1.0, -2.0]
    x = rng.normal(size=(4, 3))
    np.testing.assert_allclose(layer.forward(x), x @ layer.W + layer.b, rtol=1e-15)


def test_dense_without_bias_has_no_b_and_two_keys_with_it():
    assert Dense(3, 2, bias=False, seed=0).b is None
    assert list(Dense(3, 2, bias=False, seed=0).params()) == ["W"]
    assert list(Dense(3, 2, seed=0).grads()) == ["W", "b"]


def test_dense_params_and_grads_are_the_live_arrays():
    layer = Dense(3, 2, seed=0)
    p, g = layer.params(), layer.grads()
    assert p["W"] is layer.W
    assert p["b"] is layer.b
    assert layer.params()["W"] is p["W"]
    layer.forward(np.ones((2, 3)))
    layer.backward(np.ones((2, 2)))
    assert g["W"] is layer.dW
    assert g["b"] is layer.db
    np.testing.assert_array_equal(g["b"], [2.0, 2.0])


def test_dense_he_initialization_scale():
    layer = Dense(800, 400, seed=0)
    assert abs(layer.W.std() - np.sqrt(2 / 800)) < 0.01 * np.sqrt(2 / 800)
    assert abs(layer.W.mean()) < 1e-3
    np.testing.assert_array_equal(layer.b, 0.0)


def test_dense_is_deterministic_given_seed_or_generator():
    np.testing.assert_array_equal(Dense(4, 3, seed=7).W, Dense(4, 3, seed=7).W)
    np.testing.assert_array_equal(
        Dense(4, 3, seed=np.random.default_rng(7)).W, Dense(4, 3, seed=7).W
    )
    assert not np.array_equal(Dense(4, 3, seed=7).W, Dense(4, 3, seed=8).W)


def test_dense_float32():
    layer = Dense(3, 2, seed=0, dtype=np.float32)
    assert layer.W.dtype == np.float32
    assert layer.dW.dtype == np.float32
    assert layer.forward(np.ones((2, 3), np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"n_in": 0, "n_out": 2}, ValueError, r"n_in must be an integer >= 1, got 0"),
        ({"n_in": 2, "n_out": 1.5}, TypeError, r"n_out must be an integer >= 1, got 1\.5"),
        ({"n_in": True, "n_out": 2}, TypeError, r"n_in must be an integer >= 1, got True"),
        ({"n_in": 2, "n_out": 2, "seed": "x"}, TypeError, r"seed must be .* got 'x'"),
        ({"n_in": 2, "n_out": 2, "seed": -1}, ValueError, r"seed must be .* got -1"),
        ({"n_in": 2, "n_out": 2, "seed": None}, TypeError, r"seed must be .* got None"),
        ({"n_in": 2, "n_out": 2, "dtype": int}, TypeError, r"dtype must be a float"),
        ({"n_in": 2, "n_out": 2, "bias": "no"}, TypeError, r"bias must be True or False, got 'no'"),
    ],
)
def test_dense_constructor_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Dense(**kwargs)


def test_dense_seed_defaults_to_0():
    np.testing.assert_array_equal(Dense(2, 3).W, Dense(2, 3, seed=0).W)


def test_dense_forward_and_backward_errors():
    layer = Dense(3, 2, seed=0)
    with pytest.raises(RuntimeError, match=r"Dense\.backward called before forward"):
        layer.backward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"x must have shape \(m, 3\), got \(4, 5\)"):
        layer.forward(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"x must be 2-dimensional, got shape \(3,\)"):
        layer.forward(np.ones(3))
    with pytest.raises(TypeError, match=r"x must have a real numeric dtype"):
        layer.forward(np.array([["a", "b", "c"]]))
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"dout must have shape \(4, 2\), got \(4, 3\)"):
        layer.backward(np.ones((4, 3)))


# ---------------------------------------------------------------- activations
@pytest.mark.parametrize("cls", [ReLU, Tanh, Sigmoid])
def test_activation_gradients_match_central_differences(cls):
    rng = _rng(3)
    x = rng.normal(size=(6, 5))
    x[np.abs(x) < 0.05] += 0.2  # keep ReLU's kink out of the finite-difference stencil
    dout = rng.normal(size=(6, 5))
    act = cls()

    def f():
        return float(np.sum(act.forward(x) * dout))

    act.forward(x)
    dx = act.backward(dout)
    assert rel_error(dx, numerical_gradient(f, x)) < TOL


@pytest.mark.parametrize(
    ("cls", "fn"),
    [
        (ReLU, lambda x: np.maximum(x, 0)),
        (Tanh, np.tanh),
        (Sigmoid, lambda x: 1 / (1 + np.exp(-x))),
    ],
)
def test_activation_values(cls, fn):
    x = np.linspace(-5, 5, 21).reshape(3, 7)
    np.testing.assert_allclose(cls().forward(x), fn(x), rtol=1e-14, atol=1e-15)


def test_sigmoid_extreme_inputs_give_no_warning_and_exact_limits():
    out = Sigmoid().forward(np.array([[-1e4, 0.0, 1e4]]))  # warnings are errors in pytest
    np.testing.assert_array_equal(out, [[0.0, 0.5, 1.0]])


def test_relu_returns_a_new_array_and_leaves_its_input():
    x = np.array([[-1.0, 2.0, -3.0]])
    relu = ReLU()
    np.testing.assert_array_equal(relu.forward(x), [[0.0, 2.0, 0.0]])
    np.testing.assert_array_equal(x, [[-1.0, 2.0, -3.0]])
    d = np.array([[5.0, 6.0, 7.0]])
    np.testing.assert_array_equal(relu.backward(d), [[0.0, 6.0, 0.0]])
    np.testing.assert_array_equal(d, [[5.0, 6.0, 7.0]])


def test_activation_params_are_empty_and_modes_are_noops():
    for cls in (ReLU, Tanh, Sigmoid):
        act = cls()
        assert act.params() == {}
        assert act.grads() == {}
        assert act.eval() is act
        assert not act.training
        assert act.train() is act
        assert act.training


@pytest.mark.parametrize("cls", [ReLU, Tanh, Sigmoid])
def test_activation_backward_errors(cls):
    act = cls()
    with pytest.raises(RuntimeError, match=rf"{cls.__name__}\.backward called before forward"):
        act.backward(np.ones((2, 2)))
    act.forward(np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"dout must have the shape .* \(2, 2\), got \(2, 3\)"):
        act.backward(np.ones((2, 3)))


# ---------------------------------------------------------------- softmax cross-entropy
def _naive_sce(logits, y):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    m = len(y)
    onehot = np.eye(logits.shape[1])[y]
    return -np.mean(np.log(p[np.arange(m), y])), (p - onehot) / m


def test_softmax_cross_entropy_matches_the_definition():
    rng = _rng(4)
    logits, y = rng.normal(size=(8, 5)), rng.integers(0, 5, 8)
    loss, d = sce(logits, y)
    loss_ref, d_ref = _naive_sce(logits, y)
    assert abs(loss - loss_ref) < 1e-14
    np.testing.assert_allclose(d, d_ref, rtol=1e-13, atol=1e-16)


def test_softmax_cross_entropy_gradient_matches_central_differences():
    rng = _rng(5)
    logits, y = rng.normal(size=(6, 4)), rng.integers(0, 4, 6)
    _, d = sce(logits, y)
    assert rel_error(d, numerical_gradient(lambda: sce(logits, y)[0], logits)) < TOL


def test_softmax_cross_entropy_uniform_logits_give_log_k():
    loss, _ = sce(np.zeros((3, 10)), np.array([0, 4, 9]))
    assert abs(loss - np.log(10)) < 1e-15


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4]])
    loss, d = sce(logits, np.array([0, 1]))
    assert abs(loss - np.log(2) / 2) < 1e-15
    assert np.all(np.isfinite(d))


@settings(max_examples=40, deadline=None)
@given(
    logits=arrays(np.float64, (5, 3), elements=st.floats(-50, 50)),
    shift=st.floats(-1e3, 1e3),
    y=arrays(np.int64, (5,), elements=st.integers(0, 2)),
)
def test_softmax_cross_entropy_properties(logits, shift, y):
    loss, d = sce(logits, y)
    loss2, d2 = sce(logits + shift, y)  # softmax ignores a common shift
    assert loss >= 0
    assert abs(loss - loss2) < 1e-9
    np.testing.assert_allclose(d, d2, atol=1e-12)
    np.testing.assert_allclose(d.sum(axis=1), 0, atol=1e-15)  # each row of dlogits sums to 0


@pytest.mark.parametrize(
    ("logits", "y", "exc", "match"),
    [
        (np.zeros(3), np.array([0]), ValueError, r"logits must be 2-dimensional"),
        (np.zeros((2, 3)), np.array([0.0, 1.0]), TypeError, r"y must hold integer.*float64"),
        (np.zeros((2, 3)), np.array([0, 1, 2]), ValueError, r"y must have shape \(2,\).*\(3,\)"),
        (np.zeros((2, 3)), np.array([0, 3]), ValueError, r"labels y must be in 0\.\.2 .* got 3"),
        (np.zeros((2, 3)), np.array([-1, 0]), ValueError, r"labels y must be in 0\.\.2 .* got -1"),
        (np.zeros((0, 3)), np.zeros(0, int), ValueError, r"at least one example"),
        (np.array([["a"]]), np.array([0]), TypeError, r"logits must have a real numeric dtype"),
    ],
)
def test_softmax_cross_entropy_errors(logits, y, exc, match):
    with pytest.raises(exc, match=match):
        sce(logits, y)
