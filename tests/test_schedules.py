"""Learning-rate schedules: the course's formulas on its 1-based epoch_num, validation, train."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlbasics import (
    GD,
    MLP,
    ExponentialDecay,
    InverseTimeDecay,
    ManualSchedule,
    SqrtDecay,
    StaircaseDecay,
    gaussian_blobs,
    train,
)

EPOCH_NUMS = range(1, 13)  # the course counts epochs from 1


def test_inverse_time_decay_matches_the_course_table():
    # the course's worked example: alpha0 = 0.2, decay_rate = 1
    s = InverseTimeDecay(lr0=0.2, decay_rate=1.0)
    assert [round(s(n), 4) for n in (1, 2, 3, 4)] == [0.1, 0.0667, 0.05, 0.04]
    assert [s(n) for n in EPOCH_NUMS] == pytest.approx([0.2 / (1 + n) for n in EPOCH_NUMS])
    assert InverseTimeDecay(0.3, 0.0)(50) == 0.3


def test_exponential_decay_formula():
    s = ExponentialDecay(lr0=0.1)
    assert s(1) == pytest.approx(0.095, rel=1e-15)  # already decayed on the first epoch
    assert [s(n) for n in EPOCH_NUMS] == pytest.approx([0.95**n * 0.1 for n in EPOCH_NUMS])
    assert ExponentialDecay(0.1, base=1.0)(99) == 0.1


def test_sqrt_decay_formula():
    s = SqrtDecay(lr0=0.1, k=2.0)
    assert s(1) == pytest.approx(0.2, rel=1e-15)  # k * lr0 on the first epoch
    course = [2.0 / math.sqrt(n) * 0.1 for n in EPOCH_NUMS]
    assert [s(n) for n in EPOCH_NUMS] == pytest.approx(course, rel=1e-15)


def test_staircase_decay_steps_every_n_epochs():
    s = StaircaseDecay(lr0=1.0, drop=0.1, every=3)
    assert [s(n) for n in range(1, 10)] == pytest.approx(
        [1.0, 1.0, 1.0, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01], rel=1e-14
    )


def test_manual_schedule_mapping_and_sequence():
    s = ManualSchedule({6: 0.001, 1: 0.1, 4: 0.01})  # order of the keys does not matter
    assert [s(n) for n in range(1, 8)] == [0.1, 0.1, 0.1, 0.01, 0.01, 0.001, 0.001]
    s = ManualSchedule([0.3, 0.2, 0.1])  # epochs 1, 2, 3, then the last rate
    assert [s(n) for n in range(1, 6)] == [0.3, 0.2, 0.1, 0.1, 0.1]


@given(
    lr0=st.floats(min_value=1e-4, max_value=1.0),
    rate=st.floats(min_value=0.0, max_value=10.0),
    base=st.floats(min_value=0.5, max_value=1.0),
    every=st.integers(min_value=1, max_value=5),
)
def test_decay_schedules_never_increase_and_never_exceed_lr0(lr0, rate, base, every):
    for s in (
        InverseTimeDecay(lr0, rate),
        ExponentialDecay(lr0, base),
        SqrtDecay(lr0),
        StaircaseDecay(lr0, base, every),
    ):
        lrs = [s(n) for n in range(1, 31)]
        assert lrs[0] <= lr0
        assert all(b <= a for a, b in itertools.pairwise(lrs))
    assert SqrtDecay(lr0)(1) == StaircaseDecay(lr0, base, every)(1) == lr0


def test_train_passes_the_course_epoch_num():
    x, y = gaussian_blobs(60, 2, 3, seed=0)
    schedule = InverseTimeDecay(lr0=0.1, decay_rate=1.0)
    opt = GD(lr=0.5)
    hist = train(MLP([2, 4, 3], seed=0), x, y, opt, epochs=3, batch_size=20, schedule=schedule)
    np.testing.assert_allclose(hist.lr, [0.1 / 2, 0.1 / 3, 0.1 / 4], rtol=1e-15)
    assert opt.lr == pytest.approx(0.1 / 4, rel=1e-15)
    seen = []
    record = lambda epoch_num: seen.append(epoch_num) or 0.1  # noqa: E731
    train(MLP([2, 4, 3]), x, y, GD(0.1), epochs=3, batch_size=20, schedule=record)
    assert seen == [1, 2, 3]


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: InverseTimeDecay(0.0, 1.0), ValueError, r"lr0 must be a finite number > 0"),
        (lambda: InverseTimeDecay(0.1, -1.0), ValueError, r"decay_rate must be .* >= 0, got -1"),
        (lambda: InverseTimeDecay(0.1, "1"), TypeError, r"decay_rate must be a real number"),
        (lambda: ExponentialDecay(-0.1), ValueError, r"lr0 must be a finite number > 0"),
        (lambda: ExponentialDecay(0.1, base=1.05), ValueError, r"base must be in \(0, 1\]"),
        (lambda: ExponentialDecay(0.1, base=0.0), ValueError, r"base must be a finite number"),
        (lambda: SqrtDecay(0.1, k=0.0), ValueError, r"k must be a finite number > 0"),
        (lambda: StaircaseDecay(0.1, drop=2.0), ValueError, r"drop must be in \(0, 1\]"),
        (lambda: StaircaseDecay(0.1, every=0), ValueError, r"every must be an integer >= 1.*0"),
        (lambda: StaircaseDecay(0.1, every=2.5), TypeError, r"every must be an integer"),
        (lambda: ManualSchedule({0: 0.1}), ValueError, r"table must give the rate of epoch 1"),
        (lambda: ManualSchedule({2: 0.1}), ValueError, r"table must give the rate of epoch 1"),
        (lambda: ManualSchedule([]), ValueError, r"table must give the rate of epoch 1"),
        (lambda: ManualSchedule([0.1, 0.0]), ValueError, r"table\[2\] must be a finite number"),
        (lambda: ManualSchedule("0.1"), TypeError, r"table must be a mapping or a sequence"),
        (lambda: ManualSchedule({1: 0.1, 2.5: 0.01}), TypeError, r"epoch_num must be an integer"),
    ],
)
def test_bad_schedule_raises(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize(
    ("epoch_num", "error", "match"),
    [
        (0, ValueError, r"epoch_num must be an integer >= 1 \(1 on the first epoch\), got 0"),
        (-1, ValueError, r"epoch_num must be an integer >= 1 \(1 on the first epoch\), got -1"),
        (1.5, TypeError, r"epoch_num must be an integer >= 1 \(1 on the first epoch\), got 1.5"),
        (True, TypeError, r"epoch_num must be an integer"),
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
def test_bad_epoch_num_raises(schedule, epoch_num, error, match):
    with pytest.raises(error, match=match):
        schedule(epoch_num)
