"""Panda: one babysat run, checkpointed, resumed in a new session, changed between sessions."""

from __future__ import annotations

import numpy as np
import pytest

from dlbasics import MLP, Momentum, train
from dlbasics.datasets import load_digits_split
from dlbasics.panda import Panda


@pytest.fixture(scope="module")
def data():
    x, y, xv, yv = load_digits_split(seed=0)
    return x[:600], y[:600], xv[:200], yv[:200]


def state(run):
    return (
        {k: v.copy() for k, v in run.model.params().items()},
        run.history,
        run.step_loss,
        run.epoch,
    )


def assert_same(a, b):
    (pa, ha, sa, ea), (pb, hb, sb, eb) = state(a), state(b)
    assert pa.keys() == pb.keys()
    for k in pa:
        np.testing.assert_array_equal(pa[k], pb[k])
    assert (ha, sa, ea) == (hb, sb, eb)


def test_save_load_resume_is_bit_identical(data, tmp_path):
    straight = Panda(*data, lr=0.1, seed=3)
    straight.fit(4)

    day1 = Panda(*data, lr=0.1, seed=3)
    day1.fit(2)
    day1.save(tmp_path / "run.npz")
    del day1
    day2 = Panda.load(tmp_path / "run.npz", *data)
    assert day2.epoch == 2
    day2.fit(2)
    assert_same(day2, straight)
    assert day2.sessions == [0, 2]


def test_lower_lr_on_day_two_is_recorded(data, tmp_path):
    run = Panda(*data, lr=0.2, beta=0.9, batch_size=50, seed=0)
    run.fit(2)
    run.save(tmp_path / "run.npz")
    run = Panda.load(tmp_path / "run.npz", *data)
    run.set(lr=0.02, note="day 2: loss plateaued")
    run.fit(2)
    assert run.history["lr"] == [0.2, 0.2, 0.02, 0.02]
    assert run.history["epoch"] == [1, 2, 3, 4]
    assert run.interventions == [
        {"epoch": 2, "changes": {"lr": [0.2, 0.02]}, "note": "day 2: loss plateaued"}
    ]
    assert len(run.step_loss) == 4 * (600 // 50)  # the whole curve, both days
    assert run.hparams == {"lr": 0.02, "beta": 0.9, "batch_size": 50}
    run.save(tmp_path / "run.npz")
    again = Panda.load(tmp_path / "run.npz", *data)
    assert again.interventions == run.interventions
    assert again.sessions == [0, 2, 4]
    assert again.hparams == run.hparams


def test_intervention_changes_the_run(data):
    a, b = Panda(*data, lr=0.1, seed=1), Panda(*data, lr=0.1, seed=1)
    a.fit(1)
    b.fit(1)
    b.set(beta=0.5, batch_size=32)
    a.fit(1)
    b.fit(1)
    assert a.history["val_loss"][0] == b.history["val_loss"][0]
    assert a.history["val_loss"][1] != b.history["val_loss"][1]
    assert b.interventions[0]["changes"] == {"beta": [0.9, 0.5], "batch_size": [64, 32]}


def test_learning_improves(data):
    run = Panda(*data, lr=0.1, seed=0)
    run.fit(5)
    assert run.history["val_loss"][-1] < run.history["val_loss"][0]
    assert 0.7 < run.history["val_acc"][-1] <= 1


def test_load_refuses_other_data(data, tmp_path):
    run = Panda(*data, lr=0.1, seed=0)
    run.save(tmp_path / "run.npz")
    x, y, xv, yv = data
    with pytest.raises(ValueError, match="the data differ from those the run in"):
        Panda.load(tmp_path / "run.npz", x[:-1], y[:-1], xv, yv)


def test_load_refuses_other_files(data, tmp_path):
    np.savez(tmp_path / "other.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="is not a Panda checkpoint"):
        Panda.load(tmp_path / "other.npz", *data)


def test_set_validates(data):
    run = Panda(*data, lr=0.1)
    with pytest.raises(ValueError, match="can only set lr, beta, batch_size; got momentum"):
        run.set(momentum=0.9)
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got -0\.1"):
        run.set(lr=-0.1)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1"):
        run.set(beta=1)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        run.set(batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an integer >= 1, got True"):
        run.set(batch_size=True)
    assert run.interventions == []
    assert run.hparams == {"lr": 0.1, "beta": 0.9, "batch_size": 64}


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"lr": 0}, ValueError, "lr must be a finite number > 0"),
        ({}, TypeError, "lr"),  # no default learning rate
        (
            {"lr": 0.1, "batch_size": True},
            TypeError,
            "batch_size must be an integer >= 1, got True",
        ),
        (
            {"lr": 0.1, "batch_size": 2.5},
            TypeError,
            r"batch_size must be an integer >= 1, got 2\.5",
        ),
        ({"lr": 0.1, "seed": -1}, ValueError, "seed must be an integer >= 0, got -1"),
        ({"lr": 0.1, "seed": False}, TypeError, "seed must be an integer >= 0, got False"),
    ],
)
def test_constructor_validates(data, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Panda(*data, **kwargs)


def test_fit_validates_epochs(data):
    run = Panda(*data, lr=0.1)
    with pytest.raises(TypeError, match=r"epochs must be an integer >= 1, got 1\.5"):
        run.fit(1.5)


def test_beta_is_the_momentum_of_the_run(data):
    # Panda(beta=b) is MLP + train + Momentum(lr, b) with the same seeds, epoch for epoch
    x, y, _, _ = data
    run = Panda(*data, hidden=(16,), lr=0.1, beta=0.5, batch_size=50, seed=2)
    run.fit(2)
    model, opt = MLP([64, 16, 10], seed=2), Momentum(0.1, beta=0.5)
    for epoch in range(2):
        rng = np.random.default_rng(np.random.SeedSequence(2, spawn_key=(epoch,)))
        train(model, x, y, opt, epochs=1, batch_size=50, seed=rng)
    for k, w in model.params().items():
        np.testing.assert_array_equal(run.model.params()[k], w)
        np.testing.assert_array_equal(run.optimizer.state[k]["v"], opt.state[k]["v"])
    other = Panda(*data, hidden=(16,), lr=0.1, beta=0.9, batch_size=50, seed=2)
    other.fit(2)
    assert not np.array_equal(other.model.params()["0.W"], run.model.params()["0.W"])


def test_velocities_are_saved_and_restored_through_the_optimizer_state(data, tmp_path):
    run = Panda(*data, lr=0.1, seed=0)
    run.fit(1)
    run.save(tmp_path / "run.npz")
    back = Panda.load(tmp_path / "run.npz", *data)
    assert isinstance(back.optimizer, Momentum)
    assert back.optimizer.state.keys() == run.optimizer.state.keys() == run.model.params().keys()
    for k, s in run.optimizer.state.items():
        np.testing.assert_array_equal(back.optimizer.state[k]["v"], s["v"])
        assert np.any(s["v"] != 0)
