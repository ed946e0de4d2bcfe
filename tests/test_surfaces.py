"""Two-parameter surfaces and descent paths: gradients, closed forms, the saddle's trap, errors."""

import re

import numpy as np
import pytest

from dlbasics import GD, Adam, Momentum, numerical_gradient, rel_error
from dlbasics.surfaces import Bowl, Saddle, descend, first_below

SURFACES = [Bowl(), Bowl(a1=2.0, a2=7.0, angle=0.3), Bowl(angle=np.pi / 4), Saddle()]


@pytest.mark.parametrize("surface", SURFACES, ids=repr)
def test_gradient_matches_central_differences(surface):
    for w in np.random.default_rng(0).normal(scale=2.0, size=(5, 2)):
        numeric = numerical_gradient(lambda w=w: float(surface(w)), w)
        assert rel_error(surface.grad(w), numeric) < 1e-7


@pytest.mark.parametrize("surface", SURFACES, ids=repr)
def test_values_and_gradients_broadcast_over_points(surface):
    grid = np.random.default_rng(1).normal(size=(4, 3, 2))
    assert surface(grid).shape == (4, 3)
    assert surface.grad(grid).shape == (4, 3, 2)
    np.testing.assert_allclose(surface(grid)[2, 1], surface(grid[2, 1]), rtol=1e-15)
    np.testing.assert_allclose(surface.grad(grid)[2, 1], surface.grad(grid[2, 1]), rtol=1e-15)


@pytest.mark.parametrize("surface", SURFACES, ids=repr)
def test_minima_are_stationary_and_lowest(surface):
    lowest = min(float(surface(m)) for m in surface.minima)
    around = np.random.default_rng(2).normal(scale=3.0, size=(2000, 2))
    assert np.all(surface(around) >= lowest)
    for m in surface.minima:
        np.testing.assert_allclose(surface.grad(m), 0.0, atol=1e-15)


def test_bowl_hessian_has_the_curvatures_on_turned_axes():
    bowl = Bowl(a1=0.5, a2=50.0, angle=0.7)
    h = bowl.hessian
    np.testing.assert_allclose(h, h.T, rtol=1e-15)
    np.testing.assert_allclose(np.linalg.eigvalsh(h), [0.5, 50.0], rtol=1e-13)
    axis = np.array([np.cos(0.7), np.sin(0.7)])  # the first axis, turned by the angle
    np.testing.assert_allclose(bowl(3.0 * axis), 0.5 * 0.5 * 9.0, rtol=1e-13)


def test_saddle_curves_up_along_w1_and_down_along_w2():
    saddle = Saddle()
    assert saddle([0.0, 0.0]) == 0.0
    np.testing.assert_allclose(saddle.grad([0.0, 0.0]), 0.0, atol=0.0)
    h = 1e-4
    assert saddle([h, 0.0]) > 0 > saddle([0.0, h])
    np.testing.assert_allclose([saddle(m) for m in saddle.minima], -0.25, rtol=1e-15)


def test_gradient_descent_on_the_aligned_bowl_follows_the_closed_form():
    lr, steps = 0.03, 25
    path = descend(GD(lr), Bowl(), start=[-4.0, 1.0], steps=steps)
    t = np.arange(steps + 1)
    np.testing.assert_allclose(path[:, 0], -4.0 * (1 - lr * 0.5) ** t, rtol=1e-12)
    np.testing.assert_allclose(path[:, 1], (1 - lr * 50.0) ** t, rtol=1e-12, atol=1e-300)


def test_descend_matches_a_hand_written_loop_and_leaves_start_alone():
    start = np.array([0.7, -0.2])
    path = descend(Momentum(0.1, beta=0.9), Saddle(), start, steps=30)
    w, v = start.copy(), np.zeros(2)
    for t in range(1, 31):
        v = 0.9 * v + 0.1 * Saddle().grad(w)
        w = w - 0.1 * v
        np.testing.assert_allclose(path[t], w, rtol=1e-12)
    np.testing.assert_array_equal(start, [0.7, -0.2])
    assert descend(GD(0.1), Saddle(), start, steps=0).tolist() == [[0.7, -0.2]]


def test_a_path_that_starts_on_the_saddle_line_never_leaves_it():
    for opt in (GD(0.1), Momentum(0.1), Adam(0.1)):
        path = descend(opt, Saddle(), start=[1.0, 0.0], steps=500)
        assert np.all(path[:, 1] == 0.0)
        assert np.linalg.norm(path[-1]) < 1e-3  # it ends at the saddle, not at a minimum


def test_noise_knocks_the_path_off_the_saddle_reproducibly():
    run = lambda seed: descend(GD(0.1), Saddle(), [1.0, 0.0], 300, noise=0.01, seed=seed)  # noqa: E731
    path = run(0)
    np.testing.assert_array_equal(path, run(0))
    assert not np.array_equal(path, run(1))
    assert Saddle()(path[-1]) < -0.24  # in a minimum
    exact = descend(GD(0.1), Saddle(), [1.0, 0.0], 300, seed=5)
    np.testing.assert_array_equal(exact, descend(GD(0.1), Saddle(), [1.0, 0.0], 300, seed=7))


def test_first_below():
    assert first_below([3.0, 1.0, 0.5, 0.2], 0.6) == 2
    assert first_below([0.1], 0.6) == 0
    assert first_below([3.0, 2.0], 1.0) is None
    assert first_below(np.array([np.nan, 0.0]), 1.0) == 1


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: Bowl(a1=0.0), ValueError, "a1 must be a finite number > 0, got 0.0"),
        (lambda: Bowl(a2="50"), TypeError, "a2 must be a real number"),
        (lambda: Bowl(angle=np.inf), ValueError, "angle must be a finite number"),
        (lambda: Bowl()([1.0, 2.0, 3.0]), ValueError, "w must have shape (..., 2)"),
        (lambda: Saddle().grad(1.0), ValueError, "w must have shape (..., 2)"),
        (lambda: descend(GD(0.1), Bowl(), [1.0], 3), ValueError, "start must have shape (2,)"),
        (lambda: descend(GD(0.1), Bowl(), [np.nan, 1.0], 3), ValueError, "start must be finite"),
        (lambda: descend(GD(0.1), Bowl(), [1.0, 1.0], -1), ValueError, "steps must be"),
        (lambda: descend(GD(0.1), Bowl(), [1.0, 1.0], 2.0), TypeError, "steps must be"),
        (lambda: descend(GD(0.1), Bowl(), [1.0, 1.0], 3, noise=-1), ValueError, "noise must"),
        (lambda: descend(GD(0.1), Bowl(), [1.0, 1.0], 3, seed=None), TypeError, "seed must"),
        (lambda: first_below([[1.0]], 0.5), ValueError, "values must be 1-dimensional"),
        (lambda: first_below([1.0], "0.5"), TypeError, "level must be a real number"),
    ],
)
def test_bad_input_is_named(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_a_diverging_run_stops_with_a_clear_error():
    with pytest.raises(FloatingPointError, match=r"diverged before step \d+ .*lower the learning"):
        descend(GD(1.0), Bowl(), [1.0, 1.0], steps=400)
