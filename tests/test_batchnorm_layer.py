"""The BatchNorm layer: running statistics, modes, conversions, errors."""

import numpy as np
import pytest

from dlbasics import (
    BatchNorm,
    batchnorm_backward,
    batchnorm_forward,
    numerical_gradient,
    rel_error,
    rho_from_keras_momentum,
    rho_from_torch_momentum,
    rho_to_keras_momentum,
    rho_to_torch_momentum,
)
from dlbasics._validate import check_int


def _batches(k=5, m=8, n=3, seed=0):
    rng = np.random.default_rng(seed)
    return [
        rng.normal(loc=[1.0, -2.0, 5.0][:n], scale=[1.0, 3.0, 0.5][:n], size=(m, n))
        for _ in range(k)
    ]


def test_running_mean_starts_at_zero():
    np.testing.assert_array_equal(BatchNorm(4).running_mean, np.zeros(4))


def test_running_var_starts_at_one():
    """cs231n starts it at zeros: a division by sqrt(eps) at test time."""
    np.testing.assert_array_equal(BatchNorm(4).running_var, np.ones(4))


def test_parameters_start_as_identity_and_are_float64():
    bn = BatchNorm(3)
    np.testing.assert_array_equal(bn.gamma, np.ones(3))
    np.testing.assert_array_equal(bn.beta, np.zeros(3))
    assert bn.gamma.dtype == bn.running_var.dtype == np.float64
    assert bn.training is True


def _hand_ewa(batches, rho, unbiased):
    mean, var = np.zeros(3), np.ones(3)
    for z in batches:
        mean = rho * mean + (1 - rho) * z.mean(axis=0)
        var = rho * var + (1 - rho) * z.var(axis=0, ddof=1 if unbiased else 0)
    return mean, var


@pytest.mark.parametrize("unbiased", [True, False])
@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9, 0.99])
def test_running_statistics_are_the_course_ewa(rho, unbiased):
    batches = _batches()
    bn = BatchNorm(3, rho=rho, unbiased=unbiased)
    for z in batches:
        bn.forward(z)
    mean, var = _hand_ewa(batches, rho, unbiased)
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-13)
    assert bn.num_batches_tracked == len(batches)


def test_unbiased_running_variance_is_m_over_m_minus_1_times_biased():
    z = np.array([[0.0, 1.0], [2.0, 5.0]])  # m = 2: the factor is 2
    a, b = BatchNorm(2, rho=0.0), BatchNorm(2, rho=0.0, unbiased=False)
    a.forward(z)
    b.forward(z)
    np.testing.assert_allclose(a.running_var, [2.0, 8.0])
    np.testing.assert_allclose(b.running_var, [1.0, 4.0])


def test_unbiased_factor_counts_spatial_positions_for_4d_input():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(2, 3, 4, 5))  # m = 2*4*5 = 40 values per channel
    bn = BatchNorm(3, rho=0.0)
    bn.forward(z)
    np.testing.assert_allclose(bn.running_var, z.var(axis=(0, 2, 3), ddof=1), rtol=1e-13)
    np.testing.assert_allclose(bn.running_mean, z.mean(axis=(0, 2, 3)), rtol=1e-13)


def test_cumulative_equals_population_mean_of_batch_means():
    batches = _batches(k=7)
    bn = BatchNorm(3, cumulative=True)
    for z in batches:
        bn.forward(z)
    np.testing.assert_allclose(
        bn.running_mean, np.mean([z.mean(axis=0) for z in batches], axis=0), rtol=1e-13
    )
    np.testing.assert_allclose(
        bn.running_var, np.mean([z.var(axis=0, ddof=1) for z in batches], axis=0), rtol=1e-13
    )
    # equal-size batches: the mean of batch means is the mean over all examples
    np.testing.assert_allclose(bn.running_mean, np.concatenate(batches).mean(axis=0), rtol=1e-13)


def test_cumulative_forgets_the_initial_statistics():
    bn = BatchNorm(1, cumulative=True)
    bn.forward(np.array([[3.0], [5.0]]))
    np.testing.assert_allclose(bn.running_mean, [4.0])
    np.testing.assert_allclose(bn.running_var, [2.0])


def test_torch_momentum_point_one_run_equals_rho_point_nine():
    """PyTorch: running = (1 - momentum) * running + momentum * batch, reference by hand."""
    batches = _batches()
    momentum = 0.1
    mean, var = np.zeros(3), np.ones(3)
    for z in batches:
        mean = (1 - momentum) * mean + momentum * z.mean(axis=0)
        var = (1 - momentum) * var + momentum * z.var(axis=0, ddof=1)
    bn = BatchNorm(3, rho=rho_from_torch_momentum(momentum))
    for z in batches:
        bn.forward(z)
    assert bn.rho == 0.9
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-13)


def test_keras_momentum_run_with_biased_variance():
    """Keras: moving = moving * momentum + batch * (1 - momentum), biased variance."""
    batches = _batches()
    mean, var = _hand_ewa(batches, 0.99, unbiased=False)
    bn = BatchNorm(3, rho=rho_from_keras_momentum(0.99), unbiased=False, eps=1e-3)
    for z in batches:
        bn.forward(z)
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-13)


@pytest.mark.parametrize("value", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_conversions_round_trip(value):
    assert rho_from_keras_momentum(rho_to_keras_momentum(value)) == value
    assert rho_to_torch_momentum(rho_from_torch_momentum(1 - value)) == pytest.approx(
        1 - value, abs=1e-15
    )
    assert rho_from_torch_momentum(rho_to_torch_momentum(value)) == pytest.approx(value, abs=1e-15)


def test_torch_momentum_one_means_rho_zero():
    assert rho_from_torch_momentum(1.0) == 0.0


@pytest.mark.parametrize("momentum", [0.0, -0.1, 1.5])
def test_torch_momentum_outside_range_is_rejected(momentum):
    with pytest.raises(ValueError, match=r"momentum must be in \(0, 1\]"):
        rho_from_torch_momentum(momentum)


def test_torch_momentum_none_is_rejected_with_a_pointer_to_cumulative():
    with pytest.raises(TypeError, match=r"momentum=None is BatchNorm\(\.\.\., cumulative=True\)"):
        rho_from_torch_momentum(None)


@pytest.mark.parametrize(
    "fn", [rho_to_torch_momentum, rho_to_keras_momentum, rho_from_keras_momentum]
)
def test_conversion_rejects_values_outside_unit_interval(fn):
    with pytest.raises(ValueError, match=r"must be in \[0, 1\)"):
        fn(1.0)


# ---- modes ------------------------------------------------------------------------------


def _trained(seed=0):
    bn = BatchNorm(3, rho=0.8)
    for z in _batches(seed=seed):
        bn.forward(z)
    bn.gamma[:] = [1.5, 0.5, 2.0]
    bn.beta[:] = [0.1, -0.2, 0.3]
    return bn


def test_eval_uses_running_statistics_and_eps():
    bn = _trained().eval()
    x = np.array([[0.3, -1.0, 4.0], [1.0, 2.0, 3.0]])
    expected = bn.gamma * (x - bn.running_mean) / np.sqrt(bn.running_var + bn.eps) + bn.beta
    np.testing.assert_allclose(bn.forward(x), expected, rtol=1e-14)


def test_eval_uses_eps():
    bn = BatchNorm(1, eps=0.25).eval()  # running var 1: divide by sqrt(1.25), not 1
    np.testing.assert_allclose(bn.forward(np.array([[1.0]])), [[1 / np.sqrt(1.25)]], rtol=1e-15)


def test_eval_on_a_single_example():
    bn = _trained().eval()
    x = np.array([[0.3, -1.0, 4.0]])
    out = bn.forward(x)
    assert out.shape == (1, 3)
    # the prediction for one example does not depend on its batchmates
    batch = np.vstack([x, np.random.default_rng(5).normal(size=(9, 3))])
    np.testing.assert_allclose(bn.forward(batch)[:1], out, rtol=1e-14)


def test_training_mode_batch_of_one_is_rejected_but_eval_is_fine():
    bn = BatchNorm(2)
    with pytest.raises(ValueError, match=r"more than 1 value per feature in training mode"):
        bn.forward(np.ones((1, 2)))
    assert bn.eval().forward(np.ones((1, 2))).shape == (1, 2)


def test_eval_does_not_update_running_statistics():
    bn = _trained()
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    bn.eval().forward(np.random.default_rng(1).normal(size=(16, 3)) + 100)
    np.testing.assert_array_equal(bn.running_mean, mean)
    np.testing.assert_array_equal(bn.running_var, var)
    assert bn.num_batches_tracked == 5


def test_eval_before_any_training_uses_initial_statistics():
    """Documented: like PyTorch, an untrained layer normalizes with mean 0 and variance 1."""
    bn = BatchNorm(2, eps=1e-5).eval()
    x = np.array([[3.0, -4.0]])
    np.testing.assert_allclose(bn.forward(x), x / np.sqrt(1 + 1e-5), rtol=1e-15)


def test_batch_statistics_at_test_time_would_zero_a_single_example():
    """What goes wrong if evaluation used batch statistics: one example -> all zeros."""
    x = np.array([[0.3, -1.0, 4.0], [0.3, -1.0, 4.0]])  # m = 2 copies of one example
    out, _ = batchnorm_forward(x, np.ones(3), np.zeros(3))
    np.testing.assert_array_equal(out, 0.0)


def test_train_and_eval_return_self_and_switch_mode():
    bn = BatchNorm(2)
    assert bn.eval() is bn
    assert bn.training is False
    assert bn.train() is bn
    assert bn.training is True


def test_float32_input_stays_float32_in_both_modes():
    z = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
    bn = BatchNorm(3)
    assert bn.forward(z).dtype == np.float32
    assert bn.backward(z).dtype == np.float32
    assert bn.eval().forward(z).dtype == np.float32
    assert bn.running_mean.dtype == np.float64


# ---- backward and parameter plumbing -----------------------------------------------------


@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 2, 2)])
def test_layer_backward_matches_numerical_gradient(shape):
    rng = np.random.default_rng(2)
    z, dout = rng.normal(size=shape), rng.normal(size=shape)
    bn = BatchNorm(3)
    bn.gamma[:] = rng.normal(size=3)
    bn.beta[:] = rng.normal(size=3)
    bn.forward(z)
    dz = bn.backward(dout)

    def loss():
        return float(np.sum(batchnorm_forward(z, bn.gamma, bn.beta, bn.eps)[0] * dout))

    assert rel_error(dz, numerical_gradient(loss, z)) < 1e-7
    assert rel_error(bn.dgamma, numerical_gradient(loss, bn.gamma)) < 1e-7
    assert rel_error(bn.dbeta, numerical_gradient(loss, bn.beta)) < 1e-7


def test_params_and_grads_are_the_same_objects_updated_in_place():
    bn = BatchNorm(3)
    p, g = bn.params(), bn.grads()
    assert p["gamma"] is bn.gamma
    assert p["beta"] is bn.beta
    assert g["gamma"] is bn.dgamma
    assert g["beta"] is bn.dbeta
    z = _batches()[0]
    bn.forward(z)
    bn.backward(np.random.default_rng(0).normal(size=z.shape))
    assert bn.grads()["gamma"] is g["gamma"]
    _, cache = batchnorm_forward(z, bn.gamma, bn.beta)
    _, dgamma, _ = batchnorm_backward(np.random.default_rng(0).normal(size=z.shape), cache)
    np.testing.assert_allclose(g["gamma"], dgamma, rtol=1e-14)
    bn.gamma *= 2.0  # an optimizer updating in place is seen by the next forward
    assert bn.params()["gamma"][0] == 2.0


def test_backward_without_forward_is_rejected():
    with pytest.raises(RuntimeError, match=r"backward needs a training-mode forward"):
        BatchNorm(2).backward(np.ones((3, 2)))


def test_backward_after_eval_forward_is_rejected():
    bn = BatchNorm(2)
    bn.forward(np.arange(6.0).reshape(3, 2))
    bn.eval().forward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match=r"backward needs a training-mode forward"):
        bn.backward(np.ones((1, 2)))


def test_backward_after_a_failed_forward_is_rejected():
    bn = BatchNorm(2)
    bn.forward(np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match=r"more than 1 value per feature"):
        bn.forward(np.ones((1, 2)))
    with pytest.raises(RuntimeError, match=r"backward needs a training-mode forward"):
        bn.backward(np.ones((1, 2)))


# ---- constructor and input errors --------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "error"),
    [(0, ValueError), (-3, ValueError), (2.5, TypeError), (True, TypeError), ("3", TypeError)],
)
def test_bad_n_features_is_rejected_as_every_size_is(n, error):
    """The package's shared check, as for Dense's n_in and n_out: the same type, the same words."""
    with pytest.raises(error, match=r"^n_features must be an integer >= 1, got ") as got:
        BatchNorm(n)
    with pytest.raises(error) as shared:
        check_int(n, "n_features", 1)
    assert str(got.value) == str(shared.value)


@pytest.mark.parametrize("eps", [0.0, -1.0, float("inf")])
def test_bad_eps_is_rejected(eps):
    with pytest.raises(ValueError, match=r"eps must be a finite number > 0"):
        BatchNorm(2, eps=eps)


@pytest.mark.parametrize("rho", [1.0, -0.1, 1.5])
def test_rho_outside_unit_interval_is_rejected(rho):
    with pytest.raises(ValueError, match=r"rho must be in \[0, 1\)"):
        BatchNorm(2, rho=rho)


def test_rho_must_be_a_number():
    with pytest.raises(TypeError, match=r"rho must be a real number"):
        BatchNorm(2, rho="0.9")


@pytest.mark.parametrize("flag", ["unbiased", "cumulative"])
def test_flags_must_be_booleans(flag):
    with pytest.raises(TypeError, match=rf"{flag} must be True or False"):
        BatchNorm(2, **{flag: 1})


@pytest.mark.parametrize("training", [True, False])
def test_feature_count_mismatch_is_rejected(training):
    bn = BatchNorm(3)
    bn.training = training
    with pytest.raises(
        ValueError, match=r"z has 4 features \(axis 1\) but the layer has n_features=3"
    ):
        bn.forward(np.ones((5, 4)))


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4)])
def test_layer_rejects_wrong_ndim(shape):
    with pytest.raises(ValueError, match=r"z must be 2 or 4-dimensional"):
        BatchNorm(3).forward(np.ones(shape))


def test_layer_rejects_non_numeric_input():
    with pytest.raises(TypeError, match=r"z must have a real numeric dtype"):
        BatchNorm(1).forward(np.array([["x"], ["y"]]))


def test_repr_names_the_settings():
    assert (
        repr(BatchNorm(4, rho=0.99))
        == "BatchNorm(4, eps=1e-05, rho=0.99, unbiased=True, cumulative=False)"
    )
