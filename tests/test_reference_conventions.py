"""d2l's running averages, as its editions write them, against our conversions.

d2l-en's `batch_norm` (chapter_convolutional-modern/batch-norm.md) updates
`moving_mean = momentum * moving_mean + (1.0 - momentum) * mean` with `momentum=0.9` up to
v1.0.0-alpha0, and `moving_mean = (1.0 - momentum) * moving_mean + momentum * mean` with
`momentum=0.1` from v1.0.0-alpha1 on (d2l-ai/d2l-en#2213). Both store the biased batch
variance and start at mean 0, variance 1. The test-time page converts each with
`rho_from_keras_momentum` and `rho_from_torch_momentum`; these tests hold it to that.
"""

import numpy as np
import pytest

from dlbasics import BatchNorm, rho_from_keras_momentum, rho_from_torch_momentum


def d2l_v017(moving, batch, momentum=0.9):
    return momentum * moving + (1.0 - momentum) * batch


def d2l_v1(moving, batch, momentum=0.1):
    return (1.0 - momentum) * moving + momentum * batch


def run_d2l(update, batches, momentum):
    moving_mean, moving_var = np.zeros(3), np.ones(3)
    for x in batches:
        mean, var = x.mean(axis=0), ((x - x.mean(axis=0)) ** 2).mean(axis=0)  # d2l's lines
        moving_mean = update(moving_mean, mean, momentum)
        moving_var = update(moving_var, var, momentum)
    return moving_mean, moving_var


def run_ours(rho, batches):
    layer = BatchNorm(3, rho=rho, unbiased=False)  # d2l stores the biased variance
    for x in batches:
        layer.forward(x)
    return layer.running_mean, layer.running_var


BATCHES = np.random.default_rng(0).normal([2.0, -1.0, 5.0], [1.0, 3.0, 0.5], size=(12, 8, 3))


@pytest.mark.parametrize(
    ("update", "momentum", "rho"),
    [
        (d2l_v017, 0.9, rho_from_keras_momentum(0.9)),  # weight on the old value
        (d2l_v1, 0.1, rho_from_torch_momentum(0.1)),  # weight on the new value
    ],
)
def test_each_d2l_edition_is_rho_point_nine(update, momentum, rho):
    assert rho == pytest.approx(0.9)
    expected = run_d2l(update, BATCHES, momentum)
    for ours, theirs in zip(run_ours(rho, BATCHES), expected, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13)


def test_the_mixed_form_weights_the_newest_batch_by_point_nine():
    # the current formula with the old edition's value: the first revision of d2l-en#2213
    mixed = run_d2l(d2l_v1, BATCHES, 0.9)
    rho = rho_from_torch_momentum(0.9)
    assert rho == pytest.approx(0.1)
    for ours, theirs in zip(run_ours(rho, BATCHES), mixed, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    intended = run_d2l(d2l_v1, BATCHES, 0.1)
    assert not np.allclose(mixed[0], intended[0], rtol=1e-3)
    last = BATCHES[-1].mean(axis=0)  # the mixed running mean is mostly the last batch's
    assert np.abs(mixed[0] - last).max() < np.abs(intended[0] - last).max()
