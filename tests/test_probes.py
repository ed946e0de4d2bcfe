"""The probes of the "why batch norm works" page: injected shift, layer inputs, drift, and the
loss along the gradient. Each is checked against a direct computation, and none may change
the model it probes."""

import numpy as np
import pytest

from dlbasics import MLP, batchnorm_forward, gaussian_blobs, numerical_gradient, rel_error
from dlbasics.layers import softmax_cross_entropy
from dlbasics.probes import ShiftNoise, activation_input, along_gradient, drift


def _data(m=32, seed=0):
    return gaussian_blobs(m, 4, 3, seed=seed)


def _snapshot(model):
    state = {k: v.copy() for k, v in model.params().items()}
    for i, layer in enumerate(model.layers):
        for name in ("running_mean", "running_var", "s", "c"):
            if hasattr(layer, name):
                state[f"{i}.{name}"] = getattr(layer, name).copy()
    return state


def _assert_unchanged(before, model):
    after = _snapshot(model)
    assert before.keys() == after.keys()
    for k in before:
        np.testing.assert_array_equal(before[k], after[k], err_msg=k)


# ---------------------------------------------------------------- ShiftNoise
def test_shift_noise_redraws_in_training_and_keeps_in_eval():
    noise = ShiftNoise(5, seed=3)
    x = np.random.default_rng(0).normal(size=(4, 5))
    y1 = noise.forward(x)
    s1, c1 = noise.s.copy(), noise.c.copy()
    np.testing.assert_allclose(y1, x * s1 + c1)
    assert np.all((s1 >= 0.75) & (s1 <= 1.5))
    noise.forward(x)
    assert not np.array_equal(noise.s, s1)  # a new draw at every training step
    noise.eval()
    s2 = noise.s.copy()
    np.testing.assert_array_equal(noise.forward(x), x * s2 + noise.c)
    np.testing.assert_array_equal(noise.s, s2)


def test_shift_noise_starts_as_identity_and_is_seeded():
    x = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(ShiftNoise(2).eval().forward(x), x)
    a, b = ShiftNoise(2, seed=7), ShiftNoise(2, seed=7)
    np.testing.assert_array_equal(a.forward(x), b.forward(x))


def test_shift_noise_backward_matches_central_differences():
    rng = np.random.default_rng(1)
    noise = ShiftNoise(3, seed=0)
    x, dout = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    noise.forward(x)
    noise.eval()  # freeze the draw so that the function is fixed

    def f():
        return float(np.sum(noise.forward(x) * dout))

    assert rel_error(noise.backward(dout), numerical_gradient(f, x)) < 1e-9


@pytest.mark.parametrize(
    ("kwargs", "exc", "words"),
    [
        ({"n_features": 0}, ValueError, "n_features must be an integer >= 1"),
        ({"n_features": 2.0}, TypeError, "n_features must be an integer >= 1"),
        ({"n_features": 2, "low": 2.0, "high": 1.0}, ValueError, "low must be <= high"),
        ({"n_features": 2, "shift_std": 0.0}, ValueError, "shift_std"),
    ],
)
def test_shift_noise_rejects_bad_arguments(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        ShiftNoise(**kwargs)


def test_shift_noise_rejects_wrong_width():
    with pytest.raises(ValueError, match=r"x must have shape \(B, 3\), got \(2, 4\)"):
        ShiftNoise(3).forward(np.ones((2, 4)))


# ---------------------------------------------------------------- activation_input
def test_activation_input_of_a_plain_network_is_z():
    x, _ = _data()
    model = MLP([4, 6, 5, 3], seed=0)
    d0, d1 = model.layers[0], model.layers[2]
    z1 = x @ d0.W + d0.b
    z2 = np.maximum(z1, 0) @ d1.W + d1.b
    np.testing.assert_allclose(activation_input(model, x, 1), z1, rtol=1e-12)
    np.testing.assert_allclose(activation_input(model, x, 2), z2, rtol=1e-12)


def test_activation_input_with_batchnorm_uses_the_probe_batch_statistics():
    x, _ = _data()
    model = MLP([4, 6, 3], batchnorm=True, seed=0)
    bn = model.layers[1]
    bn.gamma[...], bn.beta[...] = np.linspace(0.5, 2, 6), np.linspace(-1, 1, 6)
    expected, _ = batchnorm_forward(x @ model.layers[0].W, bn.gamma, bn.beta)
    before = _snapshot(model)
    np.testing.assert_allclose(activation_input(model, x), expected, rtol=1e-12)
    _assert_unchanged(before, model)  # the running statistics did not move


def test_activation_input_sees_the_latest_injected_shift():
    x, _ = _data()
    model = MLP([4, 6, 3], batchnorm=True, seed=0)
    model.layers.insert(2, ShiftNoise(6, seed=1))
    model.forward(x)  # a training step draws a shift
    noise = model.layers[2]
    before = _snapshot(model)
    clean, _ = batchnorm_forward(x @ model.layers[0].W, np.ones(6), np.zeros(6))
    np.testing.assert_allclose(activation_input(model, x), clean * noise.s + noise.c)
    _assert_unchanged(before, model)


@pytest.mark.parametrize("layer", [0, 3])
def test_activation_input_rejects_a_layer_that_does_not_exist(layer):
    model = MLP([4, 6, 5, 3], seed=0)
    with pytest.raises(
        ValueError, match=rf"layer must be an integer >= 1 \(and <= 2, .*\), got {layer}"
    ):
        activation_input(model, np.ones((2, 4)), layer)


# ---------------------------------------------------------------- drift
def test_drift_is_zero_without_change_and_counts_standard_deviations():
    rng = np.random.default_rng(0)
    z0 = rng.normal(size=(50, 3)) * [1.0, 2.0, 4.0]
    assert drift(z0, z0) == 0.0
    mean = z0.mean(axis=0)
    assert drift(z0, (z0 - mean) * 3.0 + mean) == pytest.approx(0.0, abs=1e-12)  # spread only
    moved = z0 + np.array([1.0, -2.0, 0.0]) * z0.std(axis=0)
    assert drift(z0, moved) == pytest.approx(1.0)  # (1 + 2 + 0) / 3


def test_drift_rejects_mismatched_or_constant_inputs():
    with pytest.raises(ValueError, match="shape of z0"):
        drift(np.ones((4, 2)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="constant unit"):
        drift(np.ones((4, 2)), np.ones((4, 2)))


# ---------------------------------------------------------------- along_gradient
@pytest.mark.parametrize("batchnorm", [False, True])
def test_along_gradient_matches_a_direct_step(batchnorm):
    x, y = _data()
    model = MLP([4, 6, 3], batchnorm=batchnorm, seed=0)
    before = _snapshot(model)
    probe = along_gradient(model, x, y, [0.1, 0.5])
    _assert_unchanged(before, model)

    twin = MLP([4, 6, 3], batchnorm=batchnorm, seed=0)
    params, grads = twin.params(), twin.grads()
    loss0, dlogits = softmax_cross_entropy(twin.forward(x), y)
    twin.backward(dlogits)
    g0 = {k: grads[k].copy() for k in params}
    norm = np.sqrt(sum(np.sum(g**2) for g in g0.values()))
    assert probe.grad_norm == pytest.approx(norm, rel=1e-12)
    for i, eta in enumerate([0.1, 0.5]):
        w0 = {k: p.copy() for k, p in params.items()}
        for k, p in params.items():
            p -= eta * g0[k]
        loss, dlogits = softmax_cross_entropy(twin.forward(x), y)
        twin.backward(dlogits)
        change = np.sqrt(sum(np.sum((grads[k] - g0[k]) ** 2) for k in params))
        assert probe.loss_change[i] == pytest.approx(loss - loss0, rel=1e-10)
        assert probe.grad_change[i] == pytest.approx(change, rel=1e-10)
        assert probe.predicted_change[i] == pytest.approx(-eta * norm**2, rel=1e-12)
        for k, p in params.items():
            p[...] = w0[k]
    expected = max(probe.grad_change / (probe.eta * norm))
    assert probe.smoothness == pytest.approx(expected)
    np.testing.assert_allclose(probe.ratio, probe.loss_change / probe.predicted_change)


def test_along_gradient_is_first_order_exact_for_tiny_steps():
    x, y = _data()
    probe = along_gradient(MLP([4, 6, 3], seed=0), x, y, [1e-6])
    assert probe.ratio[0] == pytest.approx(1.0, abs=1e-4)


def test_along_gradient_rejects_non_positive_steps():
    x, y = _data()
    with pytest.raises(ValueError, match="eta must hold step sizes > 0"):
        along_gradient(MLP([4, 6, 3], seed=0), x, y, [0.1, 0.0])


def test_along_gradient_freezes_the_injected_shift():
    x, y = _data()
    model = MLP([4, 6, 3], batchnorm=True, seed=0)
    model.layers.insert(2, ShiftNoise(6, seed=1))
    model.forward(x)  # a training step draws a shift
    before = _snapshot(model)
    probe = along_gradient(model, x, y, [1e-6])
    _assert_unchanged(before, model)
    # with a new draw at every evaluation the loss change would not be first-order small
    assert probe.ratio[0] == pytest.approx(1.0, abs=1e-4)
