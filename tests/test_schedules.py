"""Learning-rate schedules: the course's formulas, epoch conventions, validation, use in train."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlbasics import (
    MLP,
    SGD,
    ExponentialDecay,
    InverseTimeDecay,
    ManualSchedule,
    SqrtDecay,
    StaircaseDecay,
    gaussian_blobs,
    train,
)

EPOCHS = range(12)


def test_inverse_time_decay_formula():
    s = InverseTimeDecay(alpha0=0.2, decay_rate=1.0)
    assert [s(e) for e in EPOCHS] == pytest.approx([0.2 / (1 + e) for e in EPOCHS], rel=1e-15)
    assert InverseTimeDecay(0.3, 0.0)(50) == 0.3


def test_inverse_time_decay_is_the_course_sequence_shifted_by_one_epoch():
    # course: alpha0 / (1 + decay_rate * epoch_num), epoch_num = 1, 2, ...
    s = InverseTimeDecay(alpha0=0.2, decay_rate=0.5)
    course = [0.2 / (1 + 0.5 * epoch_num) for epoch_num in range(1, 13)]
    assert [s(e + 1) for e in EPOCHS] == pytest.approx(course, rel=1e-15)


def test_exponential_decay_formula():
    s = ExponentialDecay(alpha0=0.1)
    assert [s(e) for e in EPOCHS] == pytest.approx([0.95**e * 0.1 for e in EPOCHS], rel=1e-14)
    assert ExponentialDecay(0.1, base=1.0)(99) == 0.1


def test_sqrt_decay_uses_epoch_plus_one():
    s = SqrtDecay(alpha0=0.1, k=2.0)
    assert s(0) == pytest.approx(0.2, rel=1e-15)  # k * alpha0 at the first epoch, no 1/sqrt(0)
    course = [2.0 / math.sqrt(epoch_num) * 0.1 for epoch_num in range(1, 13)]
    assert [s(e) for e in EPOCHS] == pytest.approx(course, rel=1e-15)


def test_staircase_decay_steps_every_n_epochs():
    s = StaircaseDecay(alpha0=1.0, drop=0.1, every=3)
    assert [s(e) for e in range(9)] == pytest.approx(
        [1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01], rel=1e-14
    )


def test_manual_schedule_mapping_and_sequence():
    s = ManualSchedule({5: 0.001, 0: 0.1, 3: 0.01})  # order of the keys does not matter
    assert [s(e) for e in range(7)] == [0.1, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001]
    s = ManualSchedule([0.3, 0.2, 0.1])
    assert [s(e) for e in range(5)] == [0.3, 0.2, 0.1, 0.1, 0.1]


@given(
    alpha0=st.floats(min_value=1e-4, max_value=1.0),
    rate=st.floats(min_value=0.0, max_value=10.0),
    base=st.floats(min_value=0.5, max_value=1.0),
    every=st.integers(min_value=1, max_value=5),
)
def test_decay_schedules_start_at_alpha0_and_never_increase(alpha0, rate, base, every):
    for s in (
        InverseTimeDecay(alpha0, rate),
        ExponentialDecay(alpha0, base),
        SqrtDecay(alpha0),
        StaircaseDecay(alpha0, base, every),
    ):
        lrs = [s(e) for e in range(30)]
        assert lrs[0] == pytest.approx(alpha0, rel=1e-15)
        assert all(b <= a for a, b in itertools.pairwise(lrs))


def test_train_applies_the_schedule_before_each_epoch():
    x, y = gaussian_blobs(60, 2, 3, seed=0)
    schedule = InverseTimeDecay(alpha0=0.1, decay_rate=1.0)
    opt = SGD(lr=0.5)
    hist = train(MLP([2, 4, 3], seed=0), x, y, opt, epochs=3, batch_size=20, schedule=schedule)
    np.testing.assert_allclose(hist.lr, [0.1, 0.05, 0.1 / 3], rtol=1e-15)
    assert opt.lr == pytest.approx(0.1 / 3, rel=1e-15)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: InverseTimeDecay(0.0, 1.0), ValueError, r"alpha0 must be a finite number > 0"),
        (lambda: InverseTimeDecay(0.1, -1.0), ValueError, r"decay_rate must be .* >= 0, got -1"),
        (lambda: InverseTimeDecay(0.1, "1"), TypeError, r"decay_rate must be a real number"),
        (lambda: ExponentialDecay(-0.1), ValueError, r"alpha0 must be a finite number > 0"),
        (lambda: ExponentialDecay(0.1, base=1.05), ValueError, r"base must be in \(0, 1\]"),
        (lambda: ExponentialDecay(0.1, base=0.0), ValueError, r"base must be a finite number"),
        (lambda: SqrtDecay(0.1, k=0.0), ValueError, r"k must be a finite number > 0"),
        (lambda: StaircaseDecay(0.1, drop=2.0), ValueError, r"drop must be in \(0, 1\]"),
        (lambda: StaircaseDecay(0.1, every=0), ValueError, r"every must be an integer >= 1.*0"),
        (lambda: StaircaseDecay(0.1, every=2.5), TypeError, r"every must be an integer"),
        (lambda: ManualSchedule({1: 0.1}), ValueError, r"table must give the rate of epoch 0"),
        (lambda: ManualSchedule([]), ValueError, r"table must give the rate of epoch 0"),
        (lambda: ManualSchedule([0.1, 0.0]), ValueError, r"table\[1\] must be a finite number"),
        (lambda: ManualSchedule("0.1"), TypeError, r"table must be a mapping or a sequence"),
        (lambda: ManualSchedule({0: 0.1, 2.5: 0.01}), TypeError, r"epoch must be an integer"),
    ],
)
def test_bad_schedule_raises(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("epoch", "error", "match"),
    [
        (-1, ValueError, r"epoch must be an integer >= 0 \(0-based\), got -1"),
        (1.5, TypeError, r"epoch must be an integer >= 0 \(0-based\), got 1.5"),
        (True, TypeError, r"epoch must be an integer"),
    ],
)
@pytest.mark.parametrize(
    "schedule",
    [
        InverseTimeDecay(0.1, 1.0),
        ExponentialDecay(0.1),
        SqrtDecay(0.1),
        StaircaseDecay(0.1),
        ManualSchedule([0.1]),
    ],
)
def test_bad_epoch_raises(schedule, epoch, error, match):
    with pytest.raises(error, match=match):
        schedule(epoch)
