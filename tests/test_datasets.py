"""load_digits_split and gaussian_blobs: the bundled data, the split, seeding, errors."""

import subprocess
import sys

import numpy as np
import pytest

from dlbasics import gaussian_blobs, load_digits_split
from dlbasics.datasets import _digits, _stratified_split


@pytest.fixture(scope="module")
def digits():
    return load_digits_split()


def test_digits_shapes_and_types(digits):
    x_train, y_train, x_test, y_test = digits
    assert x_train.shape == (1347, 64)
    assert x_test.shape == (450, 64)
    assert x_train.dtype == np.float64
    assert y_train.dtype == np.int64
    assert y_test.shape == (450,)
    assert set(np.unique(y_train)) == set(range(10))


def test_bundled_digits_are_scikit_learns():
    from sklearn.datasets import load_digits

    x, y = _digits()
    reference = load_digits()
    np.testing.assert_array_equal(x, reference.data)
    np.testing.assert_array_equal(y, reference.target)
    assert x.shape == (1797, 64)
    assert (x.min(), x.max()) == (0, 16)


def test_dlbasics_runs_with_numpy_only():
    blocked = ["sklearn", "scipy", "matplotlib", "pandas"]
    code = (
        f"import sys; sys.modules.update(dict.fromkeys({blocked!r}));"  # None: imports fail
        "import dlbasics, dlbasics.objectives, dlbasics.search;"
        "print(dlbasics.load_digits_split()[0].shape)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(1347, 64)"
    code = "import sys, dlbasics.objectives; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # nothing imports scikit-learn eagerly


def test_digits_standardized_with_training_statistics(digits):
    x_train, _, x_test, _ = digits
    sd = x_train.std(axis=0)
    varying = sd > 0
    np.testing.assert_allclose(x_train.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(sd[varying], 1, rtol=1e-12)
    assert varying.sum() < 64  # some corner pixels are always 0: centred, not divided by 0
    x, y = _digits()
    train, test = _stratified_split(y, 0.25, np.random.default_rng(0))
    mu, s = x[train].mean(axis=0), x[train].std(axis=0)
    expected = (x[test] - mu) / np.where(s > 0, s, 1.0)  # TRAIN statistics on the test part
    np.testing.assert_allclose(x_test, expected, rtol=1e-13, atol=1e-13)
    assert np.abs(x_test.mean(axis=0)).max() > 0.05  # so the test part is not centred itself


@pytest.mark.parametrize("test_size", [0.25, 0.5, 0.001, 0.999])
def test_split_is_a_stratified_partition(test_size):
    _, y = _digits()
    train, test = _stratified_split(y, test_size, np.random.default_rng(3))
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(y.size))
    for c in range(10):
        m_c, in_test = np.sum(y == c), np.sum(y[test] == c)
        assert in_test == min(max(round(test_size * m_c), 1), m_c - 1)  # both parts keep c


def test_digits_split_is_seeded(digits):
    _, y_train, _, y_test = digits
    counts = np.bincount(y_test, minlength=10) / len(y_test)
    full = np.bincount(np.concatenate([y_train, y_test])) / (len(y_train) + len(y_test))
    assert np.abs(counts - full).max() < 0.005
    again = load_digits_split(seed=0)
    np.testing.assert_array_equal(again[1], y_train)
    from_generator = load_digits_split(seed=np.random.default_rng(0))
    np.testing.assert_array_equal(from_generator[1], y_train)
    other = load_digits_split(seed=1)
    assert not np.array_equal(other[1], y_train)
    assert load_digits_split(test_size=0.5)[2].shape == (898, 64)  # half of each class, rounded


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"test_size": 0.0}, ValueError, r"test_size must be in \(0, 1\), got 0\.0"),
        ({"test_size": 1}, ValueError, r"test_size must be in \(0, 1\), got 1"),
        ({"test_size": "0.3"}, TypeError, r"test_size must be a real number, got '0\.3'"),
        ({"seed": 1.5}, TypeError, r"seed must be an integer >= 0 .*got 1\.5"),
        ({"seed": -2}, ValueError, r"seed must be an integer >= 0 .*got -2"),
    ],
)
def test_digits_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        load_digits_split(**kwargs)


def test_blobs_shapes_balance_and_seed():
    x, y = gaussian_blobs(100, 3, 4, seed=0)
    assert x.shape == (100, 3)
    assert x.dtype == np.float64
    assert y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [25, 25, 25, 25])
    x2, y2 = gaussian_blobs(100, 3, 4, seed=0)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    x3, _ = gaussian_blobs(100, 3, 4, seed=np.random.default_rng(1))
    assert not np.array_equal(x, x3)


def test_blobs_spread_is_the_within_class_standard_deviation():
    x, y = gaussian_blobs(20000, 2, 2, seed=0, spread=0.5)
    for c in (0, 1):
        np.testing.assert_allclose(x[y == c].std(axis=0), 0.5, rtol=0.03)


@pytest.mark.parametrize(
    ("args", "kwargs", "exc", "match"),
    [
        ((0, 2, 2), {}, ValueError, r"m must be an integer >= 1, got 0"),
        ((5, 0, 2), {}, ValueError, r"n must be an integer >= 1, got 0"),
        ((5, 2, 1), {}, ValueError, r"k must be an integer >= 2, got 1"),
        ((5, 2, 2), {"spread": 0.0}, ValueError, r"spread must be a finite number > 0, got 0\.0"),
        ((5, 2, 2), {"spread": "1"}, TypeError, r"spread must be a real number"),
        ((5, 2, 2), {"seed": -1}, ValueError, r"seed must be an integer >= 0 .*got -1"),
        ((5, 2, 2), {"seed": False}, TypeError, r"seed must be an integer >= 0 .*got False"),
    ],
)
def test_blobs_errors(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        gaussian_blobs(*args, **kwargs)
