"""Optimizers: hand-computed steps, closed forms on quadratics, invariances, other conventions.

The tests named `test_*_course_summary_*`, `test_*_d2l_*`, `test_*_pytorch_*` pin the errors
and conventions of other references listed on the errata page.
"""

import inspect

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlbasics import GD, Adam, Momentum, RMSprop, adam_step, gd_step, momentum_step, rmsprop_step
from dlbasics.averages import ewa

RTOL = 1e-12


def _quadratic_grad(a):
    """Gradient of f(w) = ½ Σ a_i w_i² (a diagonal, elongated quadratic)."""
    return lambda w: a * w


# --- each step against a hand-computed update -------------------------------------------------


def test_gd_step_hand_computed():
    w = gd_step(np.array([1.0, -2.0]), np.array([0.5, 4.0]), lr=0.1)
    np.testing.assert_allclose(w, [0.95, -2.4], rtol=RTOL)


def test_momentum_step_hand_computed():
    # v1 = 0.1*2 = 0.2, w1 = 1 - 0.5*0.2 = 0.9;  v2 = 0.9*0.2 + 0.1*(-1) = 0.08, w2 = 0.86
    w, v = momentum_step(np.array([1.0]), np.array([2.0]), np.zeros(1), lr=0.5, beta=0.9)
    np.testing.assert_allclose([w[0], v[0]], [0.9, 0.2], rtol=RTOL)
    w, v = momentum_step(w, np.array([-1.0]), v, lr=0.5, beta=0.9)
    np.testing.assert_allclose([w[0], v[0]], [0.86, 0.08], rtol=RTOL)


def test_rmsprop_step_hand_computed():
    # s = 0.5*4 + 0.5*3² = 6.5, w = 1 - 0.1 * 3 / (sqrt(6.5) + 0.5)
    w, s = rmsprop_step(np.array([1.0]), np.array([3.0]), np.array([4.0]), 0.1, 0.5, 0.5)
    np.testing.assert_allclose(s, [6.5], rtol=RTOL)
    np.testing.assert_allclose(w, [1 - 0.3 / (6.5**0.5 + 0.5)], rtol=RTOL)


def test_adam_step_hand_computed():
    # t=1: v = 0.2, s = 0.004, v_hat = 2, s_hat = 4,  w = 1 - 0.1*2/(2 + 0.5) = 0.92
    # t=2: v = 0.9*0.2 + 0.1*1 = 0.28, s = 0.999*0.004 + 0.001*1 = 0.004996
    #      v_hat = 0.28/0.19, s_hat = 0.004996/0.001999
    w, v, s = adam_step(np.array([1.0]), np.array([2.0]), np.zeros(1), np.zeros(1), 1, 0.1, eps=0.5)
    np.testing.assert_allclose([w[0], v[0], s[0]], [0.92, 0.2, 0.004], rtol=RTOL)
    w, v, s = adam_step(w, np.array([1.0]), v, s, 2, 0.1, eps=0.5)
    np.testing.assert_allclose([v[0], s[0]], [0.28, 0.004996], rtol=RTOL)
    expected = 0.92 - 0.1 * (0.28 / 0.19) / (np.sqrt(0.004996 / 0.001999) + 0.5)
    np.testing.assert_allclose(w, [expected], rtol=RTOL)


def test_pure_steps_do_not_modify_their_inputs():
    w, dw, s1, s2 = np.ones(3), np.full(3, 2.0), np.full(3, 0.5), np.full(3, 0.25)
    gd_step(w, dw, 0.1)
    momentum_step(w, dw, s1, 0.1)
    rmsprop_step(w, dw, s1, 0.1)
    adam_step(w, dw, s1, s2, 3, 0.1)
    for arr, value in [(w, 1.0), (dw, 2.0), (s1, 0.5), (s2, 0.25)]:
        np.testing.assert_array_equal(arr, value)


# --- closed forms on quadratics --------------------------------------------------------------


def test_gd_closed_form_on_quadratic():
    a, lr, w0 = np.array([1.0, 10.0]), 0.05, np.array([3.0, -2.0])
    params, grad = {"w": w0.copy()}, _quadratic_grad(a)
    opt = GD(lr)
    for t in range(1, 31):
        opt.step(params, {"w": grad(params["w"])})
        np.testing.assert_allclose(params["w"], (1 - lr * a) ** t * w0, rtol=1e-10)


def test_momentum_closed_form_on_quadratic():
    # (w, v) evolves linearly: v' = β v + (1-β) a w,  w' = w - α v'
    a, lr, beta, w0 = 4.0, 0.1, 0.9, 2.0
    matrix = np.array([[1 - lr * (1 - beta) * a, -lr * beta], [(1 - beta) * a, beta]])
    params, opt = {"w": np.array([w0])}, Momentum(lr, beta)
    for t in range(1, 41):
        opt.step(params, {"w": a * params["w"]})
        w_t, v_t = np.linalg.matrix_power(matrix, t) @ [w0, 0.0]
        np.testing.assert_allclose(params["w"], [w_t], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(opt.state["w"]["v"], [v_t], rtol=1e-10, atol=1e-14)


def test_rmsprop_with_beta2_zero_is_sign_descent():
    # s = dW², so each coordinate moves by α·dW/|dW| = α: w_t = w_0 - t α while w > 0
    a, lr, w0 = np.array([0.01, 100.0]), 0.1, np.array([5.0, 5.0])
    params, opt = {"w": w0.copy()}, RMSprop(lr, beta2=0.0, eps=1e-30)  # the smallest eps allowed
    for t in range(1, 21):
        opt.step(params, {"w": a * params["w"]})
        np.testing.assert_allclose(params["w"], w0 - t * lr, rtol=1e-12)


def test_adam_constant_gradient_gives_constant_steps():
    # Bias correction makes v_hat = g and s_hat = g² exactly for a constant gradient:
    # on a linear cost every step has size α·|g|/(|g| + ε), from the first step on.
    g, lr, eps = np.array([0.003, -40.0]), 0.01, 1e-8
    params, opt = {"w": np.zeros(2)}, Adam(lr, eps=eps)
    for t in range(1, 101):
        opt.step(params, {"w": g})
        np.testing.assert_allclose(params["w"], -t * lr * g / (np.abs(g) + eps), rtol=1e-9)


def test_adam_first_step_moves_each_coordinate_by_lr():
    w, _, _ = adam_step(np.zeros(3), np.array([1e-3, 1.0, -1e3]), np.zeros(3), np.zeros(3), 1, 0.1)
    np.testing.assert_allclose(w, [-0.1, -0.1, 0.1], rtol=1e-4)


@pytest.mark.parametrize(
    ("make", "lr"), [(GD, 0.01), (Momentum, 0.01), (RMSprop, 0.01), (Adam, 0.05)]
)
def test_every_optimizer_converges_on_an_elongated_quadratic(make, lr):
    a = np.array([1.0, 50.0])
    params, opt = {"w": np.array([-1.5, 0.4])}, make(lr)
    f0 = 0.5 * np.sum(a * params["w"] ** 2)
    for _ in range(500):
        opt.step(params, {"w": a * params["w"]})
    assert 0.5 * np.sum(a * params["w"] ** 2) < 1e-3 * f0


# --- the classes agree with the pure steps and update in place -------------------------------


def _pure_trajectory(name, ws, grads, lr):
    w = ws.copy()
    s1, s2 = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        if name == "GD":
            w = gd_step(w, g, lr)
        elif name == "Momentum":
            w, s1 = momentum_step(w, g, s1, lr)
        elif name == "RMSprop":
            w, s1 = rmsprop_step(w, g, s1, lr)
        else:
            w, s1, s2 = adam_step(w, g, s1, s2, t, lr)
    return w


@pytest.mark.parametrize("cls", [GD, Momentum, RMSprop, Adam])
def test_classes_match_pure_steps_in_place(cls):
    rng = np.random.default_rng(0)
    w0 = {"0.W": rng.normal(size=(4, 3)), "0.b": rng.normal(size=3)}
    grads = {k: rng.normal(size=(7, *w.shape)) for k, w in w0.items()}
    params = {k: w.copy() for k, w in w0.items()}
    objects = {k: id(w) for k, w in params.items()}
    opt = cls(0.01)
    for t in range(7):
        opt.step(params, {k: g[t] for k, g in grads.items()})
    for k in params:
        assert id(params[k]) == objects[k]
        expected = _pure_trajectory(cls.__name__, w0[k], grads[k], 0.01)
        np.testing.assert_allclose(params[k], expected, rtol=RTOL)


def test_optimizer_lr_is_mutable_and_reset_clears_state():
    opt = Adam(lr=0.1)
    params = {"w": np.zeros(2)}
    opt.step(params, {"w": np.ones(2)})
    opt.lr = 0.2
    opt.step(params, {"w": np.ones(2)})
    np.testing.assert_allclose(params["w"], [-0.3, -0.3], rtol=1e-6)
    assert opt.state["w"]["t"] == 2
    opt.reset()
    assert opt.state == {}
    opt.step(params, {"w": np.ones(2)})
    assert opt.state["w"]["t"] == 1


def test_adam_counts_steps_per_parameter():
    # a parameter that appears later starts its own count at t = 1 (full-size first step)
    opt = Adam(lr=0.1)
    params = {"a": np.zeros(1)}
    for _ in range(3):
        opt.step(params, {"a": np.ones(1)})
    params["b"] = np.zeros(1)
    opt.step(params, {"a": np.ones(1), "b": np.ones(1)})
    assert (opt.state["a"]["t"], opt.state["b"]["t"]) == (4, 1)
    np.testing.assert_allclose(params["b"], [-0.1], rtol=1e-6)


# --- invariances -----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    scale=st.floats(min_value=1e-3, max_value=1e3),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_adam_update_is_insensitive_to_gradient_scale(scale, seed):
    grads = np.random.default_rng(seed).normal(size=(5, 4))
    w, ws = np.zeros(4), np.zeros(4)
    v, s, vs, ss = (np.zeros(4) for _ in range(4))
    for t, g in enumerate(grads, start=1):
        w, v, s = adam_step(w, g, v, s, t, 0.1, eps=1e-30)
        ws, vs, ss = adam_step(ws, scale * g, vs, ss, t, 0.1, eps=1e-30)
    np.testing.assert_allclose(ws, w, rtol=1e-10, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(scale=st.floats(min_value=1e-3, max_value=1e3))
def test_rmsprop_update_is_insensitive_to_gradient_scale_momentum_is_not(scale):
    g = np.random.default_rng(1).normal(size=4)
    w1, _ = rmsprop_step(np.zeros(4), g, np.zeros(4), 0.1, eps=1e-30)
    w2, _ = rmsprop_step(np.zeros(4), scale * g, np.zeros(4), 0.1, eps=1e-30)
    np.testing.assert_allclose(w2, w1, rtol=1e-12)
    w3, _ = momentum_step(np.zeros(4), g, np.zeros(4), 0.1)
    w4, _ = momentum_step(np.zeros(4), scale * g, np.zeros(4), 0.1)
    np.testing.assert_allclose(w4, scale * w3, rtol=1e-12)


# --- Adam's state, and the errors of other references ----------------------------------------


def test_adam_keeps_uncorrected_state():
    # v and s are the plain exponentially weighted averages of g and g² (v_0 = s_0 = 0).
    grads = np.random.default_rng(2).normal(size=(6, 3))
    opt, params = Adam(0.01), {"w": np.zeros(3)}
    for g in grads:
        opt.step(params, {"w": g})
    assert sorted(opt.state["w"]) == ["s", "t", "v"]
    assert opt.state["w"]["t"] == 6
    np.testing.assert_allclose(opt.state["w"]["v"], ewa(grads, 0.9)[-1], rtol=RTOL)
    np.testing.assert_allclose(opt.state["w"]["s"], ewa(grads**2, 0.999)[-1], rtol=RTOL)


def _kingma_ba_algorithm_1(w, grads, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """Algorithm 1 of Kingma & Ba (2015), written out literally, one scalar at a time."""
    w = [float(x) for x in w]
    m, v = [0.0] * len(w), [0.0] * len(w)
    for t, g in enumerate(grads, start=1):
        for i, gi in enumerate(g):
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            m_hat = m[i] / (1 - beta1**t)
            v_hat = v[i] / (1 - beta2**t)
            w[i] = w[i] - lr * m_hat / (v_hat**0.5 + eps)
    return np.array(w)


def _course_summary_adam(w, grads, lr, typos, beta1=0.9, beta2=0.999, eps=1e-8):
    """The widely copied course summary's Adam, both lines as published (`typos=True`:
    `vdW = (beta1 * dW) + ...`, `sdW = (beta2 * dW) + ...`) or as corrected later; either way
    the bias-corrected values are stored back. Returns w and the stored v, s of every step."""
    v, s, stored = np.zeros_like(w), np.zeros_like(w), []
    for t, g in enumerate(grads, start=1):
        v = beta1 * (g if typos else v) + (1 - beta1) * g
        s = beta2 * (g if typos else s) + (1 - beta2) * g**2
        v = v / (1 - beta1**t)  # state overwritten with corrected values
        s = s / (1 - beta2**t)
        with np.errstate(invalid="ignore"):  # a negative s has no square root
            w = w - lr * v / (np.sqrt(s) + eps)
        stored.append((v, s))
    return w, stored


def test_adam_matches_kingma_ba_algorithm_1():
    grads = np.random.default_rng(3).normal(size=(25, 3))
    w, v, s = np.ones(3), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, start=1):
        w, v, s = adam_step(w, g, v, s, t, 0.01)
    np.testing.assert_allclose(w, _kingma_ba_algorithm_1(np.ones(3), grads, 0.01), rtol=RTOL)


def test_adam_course_summary_variant_differs_and_is_wrong():
    grads = np.random.default_rng(3).normal(size=(25, 3))
    opt, params = Adam(0.01), {"w": np.ones(3)}
    for g in grads:
        opt.step(params, {"w": g})
    reference = _kingma_ba_algorithm_1(np.ones(3), grads, 0.01)
    np.testing.assert_allclose(params["w"], reference, rtol=RTOL)
    np.testing.assert_allclose(opt.state["w"]["s"], ewa(grads**2, 0.999)[-1], rtol=RTOL)
    t = np.arange(1, 26)[:, None]
    # As published: neither line reads its stored value, so storing the corrected values
    # cannot compound; v is the latest gradient rescaled, s can be negative, w becomes nan.
    w_typos, stored = _course_summary_adam(np.ones(3), grads, 0.01, typos=True)
    v_typos, s_typos = (np.array(x) for x in zip(*stored, strict=True))
    np.testing.assert_allclose(v_typos, grads / (1 - 0.9**t), rtol=RTOL)
    np.testing.assert_allclose(s_typos, (0.999 * grads + 0.001 * grads**2) / (1 - 0.999**t))
    assert np.all(np.isnan(w_typos))
    assert np.any(s_typos < 0)
    # Typos fixed, overwrite kept: each step divides the stored moments by 1 - beta^t once
    # more, so the second moment compounds away from the running average.
    w_fixed, stored = _course_summary_adam(np.ones(3), grads, 0.01, typos=False)
    s_fixed = stored[-1][1]
    assert np.all(s_fixed > 1e30 * ewa(grads**2, 0.999)[-1])
    assert np.max(np.abs(w_fixed - reference)) > 1e-3


def test_adam_eps_in_denominator_not_added_to_parameter_d2l_tf():
    # d2l's TensorFlow Adam computed `p - lr * m_hat / sqrt(v_hat) + eps`: with a zero gradient
    # a parameter must not move, but that version shifts it by eps on every step.
    g, eps = np.array([0.0, 2.0]), 1e-2
    w, v, s = np.ones(2), np.zeros(2), np.zeros(2)
    w_d2l = np.ones(2)
    for t in range(1, 6):
        w, v, s = adam_step(w, g, v, s, t, 0.1, eps=eps)
        v_hat, s_hat = v / (1 - 0.9**t), s / (1 - 0.999**t)
        ratio = np.divide(v_hat, np.sqrt(s_hat), out=np.zeros(2), where=s_hat > 0)  # 0/0 -> 0
        w_d2l = w_d2l - 0.1 * ratio + eps
    np.testing.assert_allclose(w, [1.0, 1 - 5 * 0.1 * 2 / (2 + eps)], rtol=RTOL)
    np.testing.assert_allclose(w_d2l, [1.0 + 5 * eps, 1 - 5 * 0.1 + 5 * eps], rtol=RTOL)


def test_momentum_pytorch_convention_lr_conversion():
    # PyTorch / d2l: v = β v + g, w -= lr_pt v.  With lr_pt = lr (1-β) the trajectories agree.
    a, lr, beta = np.array([1.0, 30.0]), 0.02, 0.9
    grad = _quadratic_grad(a)
    w, v = np.array([2.0, -1.0]), np.zeros(2)
    w_pt, v_pt = w.copy(), np.zeros(2)
    lr_pt = lr * (1 - beta)
    for _ in range(60):
        w, v = momentum_step(w, grad(w), v, lr, beta)
        v_pt = beta * v_pt + grad(w_pt)
        w_pt = w_pt - lr_pt * v_pt
        np.testing.assert_allclose(w_pt, w, rtol=1e-10)
        np.testing.assert_allclose((1 - beta) * v_pt, v, rtol=1e-10)


def test_momentum_cs231n_keras_convention_lr_conversion():
    # cs231n / Keras SGD(momentum=μ): u = μ u - lr g, w += u.  μ = β, lr = α (1-β), u = -α v.
    a, lr, beta = np.array([1.0, 30.0]), 0.02, 0.9
    grad = _quadratic_grad(a)
    w, v = np.array([2.0, -1.0]), np.zeros(2)
    w_cs, u = w.copy(), np.zeros(2)
    for _ in range(60):
        w, v = momentum_step(w, grad(w), v, lr, beta)
        u = beta * u - lr * (1 - beta) * grad(w_cs)
        w_cs = w_cs + u
        np.testing.assert_allclose(w_cs, w, rtol=1e-10)


def test_momentum_same_lr_in_pytorch_convention_is_ten_times_larger_step():
    w, _ = momentum_step(np.zeros(1), np.ones(1), np.zeros(1), 0.1, beta=0.9)
    w_pt = np.zeros(1) - 0.1 * (0.9 * 0.0 + 1.0)
    np.testing.assert_allclose(w_pt / w, [10.0], rtol=RTOL)  # 1 / (1 - β)


# --- errors ----------------------------------------------------------------------------------

W, G = np.ones(3), np.ones(3)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: gd_step(W, G, 0.0), ValueError, r"lr must be a finite number > 0, got 0.0"),
        (lambda: gd_step(W, G, -0.1), ValueError, r"lr must be .*got -0.1"),
        (lambda: gd_step(W, G, np.nan), ValueError, r"lr must be a finite number > 0"),
        (lambda: gd_step(W, G, "0.1"), TypeError, r"lr must be a real number"),
        (lambda: gd_step(W, np.ones(2), 0.1), ValueError, r"dw must have shape \(3,\)"),
        (lambda: gd_step(W, [1.0, np.inf, 0.0], 0.1), ValueError, r"dw must be finite"),
        (lambda: gd_step(W, ["a", "b", "c"], 0.1), TypeError, r"dw must have a real numeric"),
        (lambda: momentum_step(W, G, np.ones(2), 0.1), ValueError, r"v must have shape \(3,\)"),
        (lambda: momentum_step(W, G, W, 0.1, beta=1.0), ValueError, r"beta must be in \[0, 1\)"),
        (lambda: momentum_step(W, G, W, 0.1, beta=-0.1), ValueError, r"beta must be in"),
        (lambda: rmsprop_step(W, G, np.ones((3, 1)), 0.1), ValueError, r"s must have shape"),
        (lambda: rmsprop_step(W, G, W, 0.1, beta2=1.0), ValueError, r"beta2 must be in"),
        (lambda: rmsprop_step(W, G, W, 0.1, eps=0.0), ValueError, r"eps must be a finite"),
        (lambda: adam_step(W, G, W, W, 0, 0.1), ValueError, r"t must be an integer >= 1 .*got 0"),
        (lambda: adam_step(W, G, W, W, 1.5, 0.1), TypeError, r"t must be an integer .*got 1.5"),
        (lambda: adam_step(W, G, W, W, True, 0.1), TypeError, r"t must be an integer"),
        (lambda: adam_step(W, G, W[:2], W, 1, 0.1), ValueError, r"v must have shape \(3,\)"),
        (lambda: adam_step(W, G, W, W[:2], 1, 0.1), ValueError, r"s must have shape \(3,\)"),
        (lambda: adam_step(W, G, W, W, 1, 0.1, beta1=1.0), ValueError, r"beta1 must be in"),
        (lambda: adam_step(W, G, W, W, 1, 0.1, beta2=1.5), ValueError, r"beta2 must be in"),
        (lambda: adam_step(W, G, W, W, 1, 0.1, eps=-1e-8), ValueError, r"eps must be a finite"),
        (lambda: adam_step(W, G, W, W, 1, -1.0), ValueError, r"lr must be a finite number"),
        (lambda: GD(0.0), ValueError, r"lr must be a finite number > 0"),
        (lambda: Momentum(0.1, beta=1.0), ValueError, r"beta must be in"),
        (lambda: RMSprop(0.1, beta2=-0.5), ValueError, r"beta2 must be in"),
        (lambda: RMSprop(0.1, eps=0), ValueError, r"eps must be a finite"),
        (lambda: Adam(0.1, beta1=1.0), ValueError, r"beta1 must be in"),
        (lambda: Adam(0.1, beta2=1.0), ValueError, r"beta2 must be in"),
        (lambda: Adam(0.1, eps=0.0), ValueError, r"eps must be a finite"),
    ],
)
def test_bad_input_raises(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_lr_setter_validates():
    opt = Momentum(0.1)
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got -0.5"):
        opt.lr = -0.5
    assert opt.lr == 0.1


@pytest.mark.parametrize("cls", [GD, Momentum, RMSprop, Adam])
def test_step_with_mismatched_gradient_raises(cls):
    with pytest.raises(ValueError, match=r"parameter 'w' has shape \(3,\), its gradient \(2,\)"):
        cls(0.1).step({"w": np.ones(3)}, {"w": np.ones(2)})


@pytest.mark.parametrize("cls", [Momentum, RMSprop, Adam])  # GD keeps no state
def test_step_with_state_of_another_shape_raises_until_reset(cls):
    opt = cls(0.1)
    opt.step({"w": np.ones(3)}, {"w": np.ones(3)})
    with pytest.raises(ValueError, match=r"optimizer state \{'[vs]': \(3,\).*reset\(\)"):
        opt.step({"w": np.ones(4)}, {"w": np.ones(4)})
    opt.reset()
    opt.step({"w": np.ones(4)}, {"w": np.ones(4)})


def test_step_with_missing_gradient_or_integer_parameter_raises():
    with pytest.raises(KeyError, match="grads has no entry for parameter 'b'"):
        GD(0.1).step({"b": np.ones(3)}, {"w": np.ones(3)})
    with pytest.raises(
        TypeError, match=r"params\['w'\] must be a writeable floating-point ndarray"
    ):
        GD(0.1).step({"w": np.ones(3, dtype=int)}, {"w": np.ones(3)})


# --- one API: no default learning rate, the same errors from functions and classes ------------

STEPS_AND_CLASSES = [
    (lambda dw: gd_step(W, dw, 0.1), GD),
    (lambda dw: momentum_step(W, dw, W, 0.1), Momentum),
    (lambda dw: rmsprop_step(W, dw, W, 0.1), RMSprop),
    (lambda dw: adam_step(W, dw, W, W, 1, 0.1), Adam),
]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(("step", "cls"), STEPS_AND_CLASSES)
def test_classes_reject_non_finite_gradients_as_the_step_functions_do(step, cls, bad):
    dw = np.array([1.0, bad, 0.0])
    with pytest.raises(ValueError, match="dw must be finite") as from_step:
        step(dw)
    params = {"0.W": np.ones(3), "1.W": np.ones(3)}
    with pytest.raises(ValueError, match="dw must be finite") as from_class:
        cls(0.1).step(params, {"0.W": np.ones(3), "1.W": dw})
    assert str(from_step.value) == "dw must be finite, got nan or inf; lower the learning rate?"
    assert str(from_class.value) == f"{from_step.value} (parameter '1.W')"
    np.testing.assert_array_equal(params["0.W"], np.ones(3))  # nothing moved


@pytest.mark.parametrize(
    "fn", [gd_step, momentum_step, rmsprop_step, adam_step, GD, Momentum, RMSprop, Adam]
)
def test_no_learning_rate_has_a_default(fn):
    lr = inspect.signature(fn).parameters["lr"]
    assert lr.default is inspect.Parameter.empty


def test_momentum_and_rmsprop_state_hold_the_course_names():
    params, grads = {"w": np.ones(2)}, {"w": np.array([1.0, -2.0])}
    for cls, names in ((GD, []), (Momentum, ["v"]), (RMSprop, ["s"]), (Adam, ["s", "t", "v"])):
        opt = cls(0.1)
        opt.step(params, grads)
        assert sorted(opt.state["w"]) == names
