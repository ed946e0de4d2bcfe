"""Mini-batch iteration: coverage, seeding, sizes 1 / between / m, drop_last, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlbasics import minibatches, num_batches


def _data(m, n=3):
    x = np.arange(m * n, dtype=np.float64).reshape(m, n)
    return x, np.arange(m)  # y is the row index: checks that x and y stay aligned


def test_minibatches_cover_each_example_once_aligned():
    x, y = _data(10)
    batches = list(minibatches(x, y, 4, seed=0))
    assert [len(yb) for _, yb in batches] == [4, 4, 2]
    seen = np.concatenate([yb for _, yb in batches])
    assert sorted(seen) == list(range(10))
    assert not np.array_equal(seen, np.arange(10))  # shuffled
    for xb, yb in batches:
        np.testing.assert_array_equal(xb, x[yb])


def test_minibatches_int_seed_is_reproducible():
    x, y = _data(50)
    a = [yb for _, yb in minibatches(x, y, 8, seed=3)]
    b = [yb for _, yb in minibatches(x, y, 8, seed=3)]
    c = [yb for _, yb in minibatches(x, y, 8, seed=4)]
    assert all(np.array_equal(p, q) for p, q in zip(a, b, strict=True))
    assert not all(np.array_equal(p, q) for p, q in zip(a, c, strict=True))


def test_minibatches_generator_gives_fresh_reproducible_epochs():
    x, y = _data(50)

    def two_epochs(rng):
        return [np.concatenate([yb for _, yb in minibatches(x, y, 8, seed=rng)]) for _ in "12"]

    e1, e2 = two_epochs(np.random.default_rng(7))
    f1, f2 = two_epochs(np.random.default_rng(7))
    assert not np.array_equal(e1, e2)
    np.testing.assert_array_equal(e1, f1)
    np.testing.assert_array_equal(e2, f2)


def test_minibatches_batch_size_one_is_stochastic():
    x, y = _data(7)
    batches = list(minibatches(x, y, 1, seed=0))
    assert len(batches) == 7
    assert all(xb.shape == (1, 3) and yb.shape == (1,) for xb, yb in batches)


@pytest.mark.parametrize("batch_size", [10, 16])
def test_minibatches_batch_size_m_or_more_is_one_batch(batch_size):
    x, y = _data(10)
    ((xb, yb),) = minibatches(x, y, batch_size, seed=0)
    assert xb.shape == (10, 3)
    assert sorted(yb) == list(range(10))


def test_minibatches_drop_last():
    x, y = _data(10)
    sizes = [len(yb) for _, yb in minibatches(x, y, 4, seed=0, drop_last=True)]
    assert sizes == [4, 4]
    sizes = [len(yb) for _, yb in minibatches(x, y, 5, seed=0, drop_last=True)]
    assert sizes == [5, 5]  # nothing dropped when batch_size divides m


def test_minibatches_without_shuffle_yields_views_in_order():
    x, y = _data(5)
    batches = list(minibatches(x, y, 2, shuffle=False))
    np.testing.assert_array_equal(batches[0][1], [0, 1])
    np.testing.assert_array_equal(batches[2][1], [4])
    assert np.shares_memory(batches[1][0], x)


def test_minibatches_without_y():
    x, _ = _data(5)
    batches = list(minibatches(x, None, 2, seed=0))
    assert [yb for _, yb in batches] == [None, None, None]
    assert sum(len(xb) for xb, _ in batches) == 5


@given(
    m=st.integers(min_value=1, max_value=60),
    batch_size=st.integers(min_value=1, max_value=70),
    drop_last=st.booleans(),
)
def test_minibatches_sizes_property(m, batch_size, drop_last):
    x, y = _data(m, n=2)
    if drop_last and batch_size > m:
        with pytest.raises(ValueError, match="no batch"):
            minibatches(x, y, batch_size, seed=0, drop_last=True)
        return
    sizes = [len(yb) for _, yb in minibatches(x, y, batch_size, seed=0, drop_last=drop_last)]
    assert len(sizes) == num_batches(m, batch_size, drop_last=drop_last)
    assert all(s == batch_size for s in sizes[:-1])
    if drop_last:
        assert sum(sizes) == (m // batch_size) * batch_size
    else:
        assert sum(sizes) == m


def test_num_batches():
    assert num_batches(1000, 64) == 16
    assert num_batches(1000, 64, drop_last=True) == 15
    assert num_batches(0, 4) == 0


@pytest.mark.parametrize(
    ("batch_size", "error", "match"),
    [
        (0, ValueError, r"batch_size must be an integer >= 1, got 0"),
        (-2, ValueError, r"batch_size must be an integer >= 1, got -2"),
        (2.5, TypeError, r"batch_size must be an integer >= 1, got 2.5"),
        (True, TypeError, r"batch_size must be an integer >= 1, got True"),
    ],
)
def test_minibatches_bad_batch_size_raises_eagerly(batch_size, error, match):
    x, y = _data(5)
    with pytest.raises(error, match=match):
        minibatches(x, y, batch_size)  # no next(): the check is not deferred
    with pytest.raises(error, match=match):
        num_batches(5, batch_size)


def test_minibatches_mismatched_rows_raise():
    x, y = _data(5)
    with pytest.raises(
        ValueError, match=r"y must have one row per row of x \(5\), got shape \(4,\)"
    ):
        minibatches(x, y[:4], 2)


def test_minibatches_scalar_x_raises():
    with pytest.raises(ValueError, match="x must have one example per row"):
        minibatches(np.float64(1.0), None, 1)


def test_minibatches_drop_last_with_too_large_batch_raises():
    x, y = _data(5)
    with pytest.raises(ValueError, match=r"batch_size=8 exceeds the 5 examples"):
        minibatches(x, y, 8, drop_last=True)


@pytest.mark.parametrize(
    ("seed", "error"), [("0", TypeError), (None, TypeError), (True, TypeError), (-3, ValueError)]
)
def test_minibatches_bad_seed_raises_even_without_shuffling(seed, error):
    x, y = _data(5)
    match = r"seed must be an integer >= 0 or a numpy\.random\.Generator, got "
    with pytest.raises(error, match=match):
        minibatches(x, y, 2, seed=seed)
    with pytest.raises(error, match=match):
        minibatches(x, y, 2, seed=seed, shuffle=False)


def test_minibatches_default_seed_is_0():
    x, y = _data(20)
    default = [yb for _, yb in minibatches(x, y, 8)]
    seeded = [yb for _, yb in minibatches(x, y, 8, seed=0)]
    np.testing.assert_array_equal(np.concatenate(default), np.concatenate(seeded))


def test_minibatches_flags_must_be_bools():
    x, y = _data(5)
    with pytest.raises(TypeError, match="shuffle must be True or False, got 1"):
        minibatches(x, y, 2, shuffle=1)
    with pytest.raises(TypeError, match="drop_last must be True or False, got 'no'"):
        minibatches(x, y, 2, drop_last="no")


def test_num_batches_bad_m_raises():
    with pytest.raises(ValueError, match="m must be an integer >= 0, got -1"):
        num_batches(-1, 2)
