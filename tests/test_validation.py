"""One mistake, one error: the same exception type and words from every class and function."""

import inspect

import numpy as np
import pytest

from dlbasics import (
    GD,
    MLP,
    Dense,
    Panda,
    gaussian_blobs,
    load_digits_split,
    minibatches,
    random_search,
    train,
)
from dlbasics._validate import as_rng, check_bool, check_finite, check_int, check_nonnegative
from dlbasics.executors import default_pool
from dlbasics.objectives import synthetic
from dlbasics.search import run_trials

X, Y = gaussian_blobs(20, 2, 2, seed=0)


@pytest.mark.parametrize("bad", [2.5, True, np.float64(3.0), "3"])
def test_a_non_integer_size_is_the_same_type_error_everywhere(bad):
    calls = {
        "n_out": lambda: Dense(2, bad),
        "n_in": lambda: Dense(bad, 2),
        "sizes[1]": lambda: MLP([2, bad, 2]),
        "batch_size": lambda: minibatches(X, Y, bad),
        "max_workers": lambda: default_pool(bad),
        "epochs": lambda: train(MLP([2, 2]), X, Y, GD(0.1), epochs=bad, batch_size=4),
    }
    for name, call in calls.items():
        with pytest.raises(TypeError) as caught:
            call()
        assert str(caught.value) == f"{name} must be an integer >= 1, got {bad!r}"
    with pytest.raises(TypeError) as caught:
        Panda(X, Y, X, Y, lr=0.1, batch_size=bad)
    assert str(caught.value) == f"batch_size must be an integer >= 1, got {bad!r}"
    with pytest.raises(TypeError) as caught:
        check_int(bad, "n_features", 1)  # what BatchNorm(n_features) calls
    assert str(caught.value) == f"n_features must be an integer >= 1, got {bad!r}"


def test_a_too_small_integer_is_the_same_value_error_everywhere():
    for name, call in {
        "n_out": lambda: Dense(2, 0),
        "sizes[1]": lambda: MLP([2, 0, 2]),
        "batch_size": lambda: minibatches(X, Y, 0),
        "max_workers": lambda: default_pool(0),
    }.items():
        with pytest.raises(ValueError, match="must be an integer >= 1, got 0") as caught:
            call()
        assert str(caught.value) == f"{name} must be an integer >= 1, got 0"


GENERATOR_SEEDS = {
    "Dense": lambda seed: Dense(2, 2, seed=seed),
    "MLP": lambda seed: MLP([2, 2], seed=seed),
    "minibatches": lambda seed: minibatches(X, Y, 4, seed=seed),
    "train": lambda seed: train(MLP([2, 2]), X, Y, GD(0.1), epochs=1, batch_size=4, seed=seed),
    "gaussian_blobs": lambda seed: gaussian_blobs(4, 2, 2, seed=seed),
    "load_digits_split": lambda seed: load_digits_split(seed=seed),
}
INTEGER_SEEDS = {  # seeds that are spawned (per epoch, per trial) must be integers
    "Panda": lambda seed: Panda(X, Y, X, Y, lr=0.1, seed=seed),
    "random_search": lambda seed: random_search(synthetic, {"lr": 0.1}, 1, seed=seed),
    "run_trials": lambda seed: run_trials(synthetic, [{"lr": 0.1}], seed=seed, executor=None),
}


@pytest.mark.parametrize(("seed", "exc"), [(-1, ValueError), (True, TypeError), (None, TypeError)])
def test_bad_seeds_are_refused_with_the_same_words_everywhere(seed, exc):
    for call in GENERATOR_SEEDS.values():
        with pytest.raises(exc) as caught:
            call(seed)
        assert str(caught.value) == (
            f"seed must be an integer >= 0 or a numpy.random.Generator, got {seed!r}"
        )
    for call in INTEGER_SEEDS.values():
        with pytest.raises(exc) as caught:
            call(seed)
        assert str(caught.value) == f"seed must be an integer >= 0, got {seed!r}"


def test_every_seed_defaults_to_0():
    for fn in (Dense, MLP, minibatches, train, gaussian_blobs, load_digits_split, Panda):
        assert inspect.signature(fn).parameters["seed"].default == 0, fn
    for fn in (random_search, run_trials):
        assert inspect.signature(fn).parameters["seed"].default == 0, fn


def test_as_rng():
    gen = np.random.default_rng(5)
    assert as_rng(gen) is gen
    assert as_rng(np.int64(5)).random() == np.random.default_rng(5).random()
    with pytest.raises(TypeError, match=r"rng must be .* got 1\.0"):
        as_rng(1.0, name="rng")
    with pytest.raises(ValueError, match=r"seed must be .* got np\.int32\(-5\)"):
        as_rng(np.int32(-5))


def test_other_validators():
    assert check_bool(np.True_, "flag") is True
    with pytest.raises(TypeError, match="flag must be True or False, got 0"):
        check_bool(0, "flag")
    assert check_nonnegative(0, "margin") == 0.0
    with pytest.raises(ValueError, match="margin must be a finite number >= 0, got inf"):
        check_nonnegative(np.inf, "margin")
    check_finite(np.ones(3), "dw")
    with pytest.raises(ValueError, match="dw must be finite, got nan or inf; try this"):
        check_finite(np.array([np.nan]), "dw", "try this")
